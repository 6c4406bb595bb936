package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// files are the page's static files: index.html, app.js, style.css.
var files, _ = fs.Sub(static, "static")

// Prefix is the path under which Handler serves the page's files.
const Prefix = "/ui/"

// Handler serves the page's static files under Prefix.
func Handler() http.Handler {
	fsrv := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fsrv.ServeHTTP(w, r)
	})
}

// WantsPage reports whether a request for the service's root comes from a
// browser (it accepts HTML), which gets the page; API clients, which send
// no Accept header or ask for JSON, keep Elasticsearch's root document.
func WantsPage(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(mt, "text/html") {
			return true
		}
	}
	return false
}

// ServePage writes the page of the live service: index.html, whose script
// reads the service's API.
func ServePage(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(files, "index.html")
	if err != nil {
		http.Error(w, "the page is missing from this build", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", pagePolicy)
	w.Write(b)
}

// pagePolicy lets the page run only its own script and style: a string
// that escaped into the document could not run code.
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
