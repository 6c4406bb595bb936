package order

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/vigilsec/vigil/event"
)

// TestPoolBounded pools events of small and large documents: those whose
// storage exceeds maxPooled are let go and counted, and the pool holds no
// more than maxPoolBytes in all, whatever it is given.
func TestPoolBounded(t *testing.T) {
	s := event.NewSchema()
	s.Slot("pad")
	decode := func(size int) *event.Event {
		ev := new(event.Event)
		doc := ev.Own(fmt.Appendf(nil, `{"pad":"%s","n":1}`, strings.Repeat("x", size)))
		if err := s.Decode(doc, ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	// Drain what other tests left.
	for eventPool.Len() > 0 {
		getEvent()
	}
	for _, tc := range []struct {
		name   string
		size   int
		n      int
		pooled bool // whether the first one is kept
	}{
		{"small", 1 << 10, 1, true},
		{"oversized", maxPooled, 1, false},
		{"many", 12 << 10, maxPooledEvents, true}, // 2,048 x 12 KiB > maxPoolBytes
	} {
		t.Run(tc.name, func(t *testing.T) {
			dropped, held := poolDropped.Load(), eventPool.Len()
			for range tc.n {
				putEvent(decode(tc.size))
			}
			if kept := eventPool.Len() > held; kept != tc.pooled {
				t.Errorf("pooled: %v, want %v", kept, tc.pooled)
			}
			if got, want := poolDropped.Load()-dropped, int64(tc.n-(eventPool.Len()-held)); got != want {
				t.Errorf("counted %d let go, want %d", got, want)
			}
			if b := poolBytes.Load(); b > maxPoolBytes || b <= 0 {
				t.Errorf("pool holds %d bytes, bound %d", b, maxPoolBytes)
			}
			if tc.n == maxPooledEvents && eventPool.Len() == maxPooledEvents {
				t.Errorf("the byte bound let the pool fill to %d events", maxPooledEvents)
			}
		})
	}
	// Taking every event back empties the count of pooled bytes.
	for eventPool.Len() > 0 {
		getEvent()
	}
	if b := poolBytes.Load(); b != 0 {
		t.Errorf("empty pool counts %d bytes", b)
	}
}

// TestPooledEventPinsNothing pools an event that a clone was made of and
// whose record lies in a chunk: once pooled, it holds neither (the clone
// is collected, the chunk given back), so that what the pool holds is
// its events' own storage, the bytes it counts.
func TestPooledEventPinsNothing(t *testing.T) {
	s := event.NewSchema()
	s.Slot("pad")
	chunks := event.NewChunkPool(4<<10, 1, 1<<20)
	c := chunks.Get(4 << 10)
	rec := c.Bytes()[:copy(c.Bytes(), `{"pad":"a\\b","n":1}`)]
	ev := new(event.Event)
	if err := s.Decode(ev.Borrow(c, rec), ev); err != nil {
		t.Fatal(err)
	}
	c.Release() // the reader's reference
	clone := weak.Make(ev.Clone())
	putEvent(ev)
	defer getEvent()
	if out := chunks.Out(); out != 0 {
		t.Errorf("the pooled event pins %d bytes of chunks", out)
	}
	runtime.GC()
	if clone.Value() != nil {
		t.Error("the pooled event pins the clone made of it")
	}
}
