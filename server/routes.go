package server

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/http/pprof"
	"strings"
)

// routes builds the handler: the API under /api, health and metrics, and
// everything else as Elasticsearch, behind authentication, every response
// carrying the header Elasticsearch clients check.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/alerts", s.listAlerts)
	mux.HandleFunc("GET /api/alerts/{id}", s.getAlert)
	mux.HandleFunc("PATCH /api/alerts/{id}", s.patchAlert)
	mux.HandleFunc("GET /api/rules", s.rules)
	mux.HandleFunc("POST /api/rules/_reload", s.reloadRules)
	mux.HandleFunc("GET /api/stats", s.stats)
	s.pageRoutes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", s.metrics.handler)
	if s.cfg.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, "no such API: "+r.Method+" "+r.URL.Path)
	})
	mux.HandleFunc("/", s.serveES)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		if r.URL.Path != "/healthz" && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="vigil", charset="UTF-8"`)
			writeESError(w, http.StatusUnauthorized, "security_exception", "missing or wrong credentials")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// authorized checks the request's API key or basic credentials; with none
// configured every request is.
func (s *Server) authorized(r *http.Request) bool {
	if len(s.cfg.APIKeys) == 0 && len(s.cfg.Users) == 0 {
		return true
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch strings.ToLower(scheme) {
	case "apikey":
		for _, k := range s.cfg.APIKeys {
			// A key is configured as the encoded value clients send, or
			// as id:key.
			enc := k
			if strings.Contains(k, ":") {
				enc = base64.StdEncoding.EncodeToString([]byte(k))
			}
			if subtle.ConstantTimeCompare([]byte(cred), []byte(enc)) == 1 {
				return true
			}
		}
	case "basic":
		user, pass, ok := r.BasicAuth()
		if want, known := s.cfg.Users[user]; ok && known && subtle.ConstantTimeCompare([]byte(pass), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// userOf names who made a request, for the alert history: the basic auth
// user, the API key's id, or "anonymous".
func userOf(r *http.Request) string {
	if u, _, ok := r.BasicAuth(); ok {
		return u
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "apikey") {
		if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if id, _, ok := strings.Cut(string(b), ":"); ok {
				return "api_key:" + id
			}
		}
		return "api_key"
	}
	return "anonymous"
}
