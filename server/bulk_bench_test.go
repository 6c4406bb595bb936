package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkBulkRequest is the request side of POST /_bulk without the log
// and the engine: reading a 500-document body of raw winlog records,
// splitting and checking it, and writing the per-item response.
func BenchmarkBulkRequest(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(testenv.Path(b, "data", "winlog", "security-datasets"), "lateral_movement", "*.ndjson.gz"))
	if len(files) == 0 {
		b.Fatal("no corpus files")
	}
	var body bytes.Buffer
	n := 0
	testenv.EachLine(b, files[0], func(line []byte, _ int) {
		if n < 500 {
			fmt.Fprintf(&body, "{\"create\":{\"_index\":\"winlogbeat-8.17.0\"}}\n%s\n", line)
			n++
		}
	})
	s := &Server{cfg: Config{}}
	s.cfg.Defaults()
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		r := httptest.NewRequest(http.MethodPost, "/_bulk", bytes.NewReader(body.Bytes()))
		w := httptest.NewRecorder()
		data, _, err := s.readBody(w, r)
		if err != nil {
			b.Fatal(err)
		}
		items, err := parseBulk(data, "", true)
		if err != nil || len(items) != n {
			b.Fatalf("%d items, %v", len(items), err)
		}
		for i := range items {
			items[i].id = newID()
		}
		w.Write(appendBulkResponse(nil, items, time.Since(start)))
	}
}
