package event

import "testing"

func TestFolded(t *testing.T) {
	s := NewSchema()
	name, args := s.Slot("process.name"), s.Slot("process.args")
	calls := 0
	upper := func(dst []byte, s string) []byte {
		calls++
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	ev := &Event{}
	if err := s.Decode([]byte(`{"process":{"name":"sc.exe","args":["a","b",""]}}`), ev); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		slot, elem int
		s, want    string
		calls      int // fold calls so far
	}{
		{name, 0, "sc.exe", "SC.EXE", 1},
		{name, 0, "sc.exe", "SC.EXE", 1}, // memoised
		{args, 1, "b", "B", 2},
		{args, 0, "a", "A", 3},
		{args, 1, "b", "B", 3},
		{args, 2, "", "", 4},
		{args, 2, "", "", 4},
		{s.Slot("missing"), 0, "x", "X", 5}, // not memoised: no value to key it by
		{s.Slot("missing"), 0, "x", "X", 6},
	}
	for i, tc := range tests {
		if got := ev.Folded(tc.slot, tc.elem, tc.s, upper); got != tc.want || calls != tc.calls {
			t.Errorf("%d: Folded = %q after %d calls, want %q after %d", i, got, calls, tc.want, tc.calls)
		}
	}
	// A new document forgets them.
	if err := s.Decode([]byte(`{"process":{"name":"net.exe"}}`), ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Folded(name, 0, "net.exe", upper); got != "NET.EXE" {
		t.Errorf("after Decode: %q", got)
	}
	ev.Set(name, Str("cmd.exe"))
	if got := ev.Folded(name, 0, "cmd.exe", upper); got != "CMD.EXE" {
		t.Errorf("after Set: %q", got)
	}
}
