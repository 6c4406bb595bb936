package event

import "testing"

// TestHoldTo: a held snapshot of an event that borrowed its record shares
// the record and keeps the chunk out after the event lets it go, until
// Park, which drops the shared record so that reusing the snapshot for a
// copied record does not write into the chunk; a record that does not
// lie in the chunk is copied. Restore gives the event's values back.
func TestHoldTo(t *testing.T) {
	p, s := NewChunkPool(64, 4, 1<<20), NewSchema()
	var ev Event
	c, slot := borrowDecoded(t, p, s, &ev)
	ev.Time, ev.Pos = 7, 3
	c.Release() // the reader's
	if !ev.Snapshots() {
		t.Fatal("a decoded event cannot be snapshotted")
	}
	h := ev.HoldTo(nil)
	if !h.IsSnapshot() || &h.Raw[0] != &c.Bytes()[0] {
		t.Fatal("the held snapshot does not share the borrowed record")
	}
	ev.Recycle()
	if p.Out() != 64 {
		t.Fatalf("out %d while the snapshot holds the chunk, want 64", p.Out())
	}
	r, err := s.Restore(h)
	if err != nil || r.Get(slot).Str() != "x" || r.Time != 7 || r.Pos != 3 {
		t.Fatalf("restored %v %q time %d pos %d", err, r.Get(slot).Str(), r.Time, r.Pos)
	}
	h.Park()
	if p.Out() != 0 || h.Raw != nil {
		t.Fatalf("out %d, Raw %q after Park", p.Out(), h.Raw)
	}

	// Not borrowed: copied, into the parked snapshot's room.
	var own Event
	if err := s.Decode(own.Own([]byte(`{"a":"y"}`)), &own); err != nil {
		t.Fatal(err)
	}
	h2 := own.HoldTo(h)
	if h2 != h || string(h2.Raw) != `{"a":"y"}` || h2.chunk != nil {
		t.Fatalf("held %q, chunk %v", h2.Raw, h2.chunk)
	}
	own.Recycle()
	if r, _ := s.Restore(h2); r.Get(slot).Str() != "y" {
		t.Fatalf("restored %q", r.Get(slot).Str())
	}
}
