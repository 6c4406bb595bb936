package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
)

// BenchmarkBulkRequest is the request side of POST /_bulk without the log
// and the engine: reading a 500-document body of raw winlog records,
// splitting it, decoding the documents (the check before they are
// acknowledged) and writing the per-item response.
func BenchmarkBulkRequest(b *testing.B) {
	var body bytes.Buffer
	lines := lateralMovement(b, 500)
	n := len(lines)
	for _, line := range lines {
		fmt.Fprintf(&body, "{\"create\":{\"_index\":\"winlogbeat-8.17.0\"}}\n%s\n", line)
	}
	s := &Server{cfg: Config{}}
	s.cfg.Defaults()
	rs, _ := engine.Compile(builtinRules(b), testOptions)
	decs := newDecoders(rs)
	free := make([]*event.Event, 0, n)
	newEvent := func() *event.Event {
		if k := len(free); k > 0 {
			ev := free[k-1]
			free = free[:k-1]
			return ev
		}
		return new(event.Event)
	}
	reuse := func(ev *event.Event) { ev.Recycle(); free = append(free, ev) }
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
		items, err := parseBulk(data.Bytes(), "", true)
		if err != nil || len(items) != n {
			b.Fatalf("%d items, %v", len(items), err)
		}
		docs, lines := make([]doc, n), make([]int, n)
		for i := range items {
			items[i].id = newID()
			docs[i], lines[i] = doc{index: items[i].index, source: items[i].source}, items[i].line
		}
		evs, errs := make([]*event.Event, n), make([]error, n)
		decs.decode(docs, lines, newEvent, reuse, evs, make([]bool, n), errs)
		for i, ev := range evs {
			if errs[i] != nil {
				b.Fatal(errs[i])
			}
			reuse(ev)
		}
		w.Write(appendBulkResponse(nil, items, time.Since(start)))
		data.release()
	}
}
