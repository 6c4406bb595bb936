package order

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// heldEvent decodes a record borrowed from a chunk of p, with a
// verdict whose only offer is held (see tick).
func heldEvent(tb testing.TB, s *event.Schema, p *event.ChunkPool, pad int) *event.Event {
	tb.Helper()
	doc := fmt.Sprintf(`{"@timestamp":1700000000000,"pad":"%s","n":1}`, strings.Repeat("x", pad))
	c := p.Get(len(doc))
	rec := c.Bytes()[:copy(c.Bytes(), doc)]
	ev := getEvent()
	ev.Recycle()
	if err := s.Decode(ev.Borrow(c, rec), ev); err != nil {
		tb.Fatal(err)
	}
	c.Release() // the reader's reference
	ev.Time, ev.Pos, ev.Source = 1, 2, "f"
	v := &ev.Verdict
	v.Judged, v.Offers, v.Held = true, append(v.Offers[:0], event.Offer{Rule: 3, Later: true}), 1
	return ev
}

// TestHeldTick: an event whose offers are all held becomes a held tick
// that shares its record with the chunk (which it keeps out until it is
// pooled again) and carries the offers and the event's Size; without
// hold (a Delay) it travels whole.
func TestHeldTick(t *testing.T) {
	s := event.NewSchema()
	n := s.Slot("n")
	p := event.NewChunkPool(1<<10, 4, 1<<20)
	ev := heldEvent(t, s, p, 100)
	size := ev.Size()
	tk := tick(ev, true)
	if !tk.IsSnapshot() || !tk.Verdict.Tick || tk.Verdict.Size != size || len(tk.Verdict.Offers) != 1 || tk.Verdict.Offers[0].Rule != 3 {
		t.Fatalf("held tick: snapshot %v, verdict %+v", tk.IsSnapshot(), tk.Verdict)
	}
	if p.Out() == 0 {
		t.Fatal("the held tick does not keep its record's chunk")
	}
	r, err := s.Restore(tk)
	if err != nil || r.Get(n).Int() != 1 || r.Time != 1 || r.Pos != 2 || r.Source != "f" {
		t.Fatalf("restored: %v, n %v, time %d pos %d source %q", err, r.Get(n), r.Time, r.Pos, r.Source)
	}
	putEvent(tk)
	if p.Out() != 0 {
		t.Errorf("out %d after the held tick was pooled", p.Out())
	}
	ev = heldEvent(t, s, p, 100)
	if got := tick(ev, false); got != ev {
		t.Error("without hold, the event was not passed on whole")
	}
	putEvent(ev)
}

// BenchmarkTick: what making a tick costs, a plain one and a held one
// (a snapshot sharing the record's chunk), the event decoded as a reader
// would (its storage from the pool).
func BenchmarkTick(b *testing.B) {
	s := event.NewSchema()
	s.Slot("n")
	p := event.NewChunkPool(8<<10, 16, 64<<20)
	for _, held := range []bool{false, true} {
		b.Run(fmt.Sprintf("held=%t", held), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ev := heldEvent(b, s, p, 2000)
				if !held {
					ev.Verdict.Offers, ev.Verdict.Held = ev.Verdict.Offers[:0], 0
				}
				b.StartTimer()
				putEvent(tick(ev, true))
			}
		})
	}
}
