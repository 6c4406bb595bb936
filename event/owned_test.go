package event

import (
	"testing"

	"github.com/vigilsec/vigil/internal/span"
)

// TestDecodeAfterOwned decodes records given to Own with room reserved
// after them, as the readers do: the unescaped strings lie in the event's
// storage right after the record (not in a buffer of their own), the
// values are those of a plain decode, Size counts the record alone, and
// a clone keeps every value after the event is recycled and reused.
func TestDecodeAfterOwned(t *testing.T) {
	s := NewSchema()
	for _, f := range []string{"a", "b", "c.d", "e"} {
		s.Slot(f)
	}
	tests := []struct {
		rec      string
		unescape bool // some value has escapes
	}{
		{`{"a":"plain","b":7}`, false},
		{`{"a":"C:\\Windows\\System32\\cmd.exe","b":"x\ty","c":{"d":["\u00e9","q\"r"]}}`, true},
		{`{"e":"` + "\\r\\n\\t" + `","a":null}`, true},
	}
	for _, tc := range tests {
		plain := new(Event)
		if err := s.Decode([]byte(tc.rec), plain); err != nil {
			t.Fatal(err)
		}
		for _, reserve := range []bool{true, false} { // room after the record, or none
			ev := new(Event)
			if reserve {
				ev.Own([]byte(`{"an":"earlier record"}`))
				ev.Reserve(2 * len(tc.rec))
			} else {
				// The record fills the storage: no room after it.
				ev.Own(make([]byte, 4096-len(tc.rec)))
			}
			data := ev.Own([]byte(tc.rec))
			owned := ev.owned
			if err := s.Decode(data, ev); err != nil {
				t.Fatal(err)
			}
			if ev.owned != owned {
				t.Errorf("%s: owned %d after Decode, want %d", tc.rec, ev.owned, owned)
			}
			after := 0
			for slot := range s.Len() {
				want, got := plain.Get(slot), ev.Get(slot)
				if !got.Equal(want) {
					t.Errorf("%s reserve=%v: slot %s = %v, want %v", tc.rec, reserve, s.Name(slot), got, want)
				}
				got.Each(func(v Value) bool {
					if v.k == KindString && v.str() != "" {
						if _, in := span.Within(v.str(), data); !in {
							if _, inStore := span.Within(v.str(), ev.store); inStore {
								after++
							}
						}
					}
					return false
				})
			}
			if wantAfter := reserve && tc.unescape; (after > 0) != wantAfter {
				t.Errorf("%s reserve=%v: %d unescaped strings in the event's storage; want some: %v", tc.rec, reserve, after, wantAfter)
			}
			c := ev.Clone()
			ev.Recycle()
			ev.Own([]byte(`{"a":"overwrite overwrite overwrite overwrite overwrite overwrite"}`))
			for slot := range s.Len() {
				if got, want := c.Get(slot), plain.Get(slot); !got.Equal(want) {
					t.Errorf("%s: clone's slot %s = %v after reuse, want %v", tc.rec, s.Name(slot), got, want)
				}
			}
		}
	}
}
