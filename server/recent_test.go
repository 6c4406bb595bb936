package server

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestRecentHostOutlivesEvent: a host's ring is found by the name of its
// first event, whose memory the next document reuses; the page found no
// events of a host once the pipeline handed events to other goroutines.
func TestRecentHostOutlivesEvent(t *testing.T) {
	s := event.NewSchema()
	r := newRecentEvents(s, 8, 8)
	ev := &event.Event{}
	buf := make([]byte, 0, 64) // one buffer for every document, as the log's reader
	for i, doc := range []string{`{"host":{"name":"WKS-ONE"}}`, `{"host":{"name":"SRV-TWO"}}`} {
		ev.Recycle()
		buf = append(buf[:0], doc...)
		if err := s.Decode(buf, ev); err != nil {
			t.Fatal(err)
		}
		ev.Time = int64(100 + i)
		r.add(ev, buf)
		copy(buf, `{"host":{"name":"XXXXXXX"}}`)
	}
	for _, host := range []string{"WKS-ONE", "SRV-TWO"} {
		if got := r.around(host, 0, 1000, 10); len(got) != 1 {
			t.Errorf("host %s: %d events, want 1", host, len(got))
		}
	}
}
