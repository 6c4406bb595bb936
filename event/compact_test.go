package event

import (
	"testing"
)

// TestPutCompact builds compact events from a decoded event's values put
// in several orders: each must read like the event (every slot, sorted for
// Get's binary search), survive Clone, and expand when it is set.
func TestPutCompact(t *testing.T) {
	s := NewSchema()
	slots := []int{s.Slot("a"), s.Slot("b.c"), s.Slot("d"), s.Slot("e"), s.Slot("f"), s.Slot("absent")}
	src := &Event{}
	if err := s.Decode([]byte(`{"f":1.5,"d":[1,"x",null],"a":"s","b":{"c":true},"e":null}`), src); err != nil {
		t.Fatal(err)
	}
	filled, vals, _ := src.Filled()
	n := len(filled)
	for _, tc := range []struct {
		name  string
		order func(i int) int // the i-th value put
	}{
		{"decoded order", func(i int) int { return i }},
		{"reversed", func(i int) int { return n - 1 - i }},
		{"interleaved", func(i int) int { return (i * 3) % n }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(`{"kept":1}`)
			c := NewCompact(raw, n)
			for i := range n {
				j := tc.order(i)
				c.PutCompact(int(filled[j]), vals[j])
			}
			if string(c.Raw) != `{"kept":1}` || c.Raw == nil {
				t.Fatalf("Raw = %q", c.Raw)
			}
			for _, slot := range slots {
				if got, want := c.Get(slot), src.Get(slot); !got.Equal(want) || got.Kind() != want.Kind() {
					t.Errorf("slot %d: %v, want %v", slot, got, want)
				}
			}
			if _, _, dense := c.Filled(); dense {
				t.Error("a compact event reports dense values")
			}
			cl := c.Clone()
			for _, slot := range slots {
				if got, want := cl.Get(slot), src.Get(slot); !got.Equal(want) || got.Kind() != want.Kind() {
					t.Errorf("clone, slot %d: %v, want %v", slot, got, want)
				}
			}
			c.Set(slots[0], Str("changed"))
			if got := c.Get(slots[0]).Str(); got != "changed" {
				t.Errorf("after Set: %q", got)
			}
			if got, want := c.Get(slots[2]), src.Get(slots[2]); !got.Equal(want) {
				t.Errorf("after Set, slot %d: %v, want %v", slots[2], got, want)
			}
		})
	}
	// On an event not made by NewCompact it sets.
	d := &Event{}
	d.PutCompact(slots[1], Int(3))
	if got := d.Get(slots[1]).Int(); got != 3 {
		t.Errorf("PutCompact on a dense event: %d", got)
	}
}

// TestRenewCompact reuses a compact event for another document and
// values: nothing of the first may show, and an event without room (or
// none, or one that was set and is no longer compact) gives a new one.
func TestRenewCompact(t *testing.T) {
	s := NewSchema()
	a, b, c := s.Slot("a"), s.Slot("b"), s.Slot("c")
	e := NewCompact([]byte(`{"a":"x","b":2}`), 2)
	e.PutCompact(a, Str("x"))
	e.PutCompact(b, Int(2))
	e.Time, e.ID = 7, "first"
	r := RenewCompact(e, []byte(`{"c":true}`), 1)
	if r != e {
		t.Fatal("an event with room was not reused")
	}
	r.PutCompact(c, Bool(true))
	if string(r.Raw) != `{"c":true}` || r.Time != 0 || r.ID != "" {
		t.Fatalf("renewed event: Raw %q, Time %d, ID %q", r.Raw, r.Time, r.ID)
	}
	if r.Get(a).Kind() != KindMissing || r.Get(b).Kind() != KindMissing || !r.Get(c).Bool() {
		t.Fatalf("renewed event: a %v, b %v, c %v", r.Get(a), r.Get(b), r.Get(c))
	}
	if _, _, dense := r.Filled(); dense {
		t.Error("a renewed event reports dense values")
	}
	if RenewCompact(r, nil, 3) == r {
		t.Error("an event without room for 3 values was reused")
	}
	if RenewCompact(nil, nil, 1) == nil {
		t.Error("no event for nil")
	}
	r.Set(a, Int(1)) // no longer compact
	if RenewCompact(r, nil, 1) == r {
		t.Error("an event that is no longer compact was reused")
	}
}
