package event

import (
	"strings"
	"testing"
)

// TestSizeIgnoresHistory decodes records into a fresh event and into a
// recycled one whose storage a larger record grew: Size is the same, as
// order's reordering windows need it to be.
func TestSizeIgnoresHistory(t *testing.T) {
	s := NewSchema()
	s.Slot("a")
	s.Slot("b.c")
	big := `{"a":"` + strings.Repeat("x", 100<<10) + `","b":{"c":[1,2,3]}}`
	for _, rec := range []string{
		`{"a":"short"}`,
		`{"a":"with \"escapes\" \u00e9","b":{"c":["x","y"]}}`,
		`{"a":"` + strings.Repeat("y", 5000) + `","b.c":7}`,
	} {
		decode := func(ev *Event) int {
			ev.Recycle()
			if err := s.Decode(ev.Own([]byte(rec)), ev); err != nil {
				t.Fatal(err)
			}
			return ev.Size()
		}
		fresh := decode(new(Event))
		used := new(Event)
		decode(used)
		for range 3 {
			used.Recycle()
			if err := s.Decode(used.Own([]byte(big)), used); err != nil {
				t.Fatal(err)
			}
			used.Own(make([]byte, 5000)) // more owned storage
		}
		if again := decode(used); again != fresh || fresh < len(rec) {
			t.Errorf("%.30s: size %d fresh, %d recycled; want equal and at least %d", rec, fresh, again, len(rec))
		}
	}
}
