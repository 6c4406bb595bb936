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
