package event

import (
	"strings"
	"testing"
	"unsafe"
)

func TestFolded(t *testing.T) {
	s, ev := decodeOne(t, []string{"process.name", "process.args"}, `{"process":{"name":"SC.exe","args":["A","B","","c:\\x"]}}`)
	name, args := s.Slot("process.name"), s.Slot("process.args")
	calls := 0
	lower := func(dst []byte, s string) []byte {
		calls++
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	tests := []struct {
		slot, elem int
		s, want    string
		calls      int // fold calls so far
	}{
		{name, 0, "SC.exe", "sc.exe", 1},
		{name, 0, "SC.exe", "sc.exe", 1}, // memoised
		{args, 1, "B", "b", 2},
		{args, 0, "A", "a", 3},
		{args, 1, "B", "b", 3},
		{args, 2, "", "", 3},         // nothing to fold
		{args, 3, `c:\x`, `c:\x`, 3}, // nothing to fold
		{args, 3, `c:\x`, `c:\x`, 3},
		{s.Slot("missing"), 0, "X", "x", 4}, // not memoised: no value to key it by
		{s.Slot("missing"), 0, "X", "x", 5},
	}
	for i, tc := range tests {
		if got := ev.Folded(tc.slot, tc.elem, tc.s, lower); got != tc.want || calls != tc.calls {
			t.Errorf("%d: Folded = %q after %d calls, want %q after %d", i, got, calls, tc.want, tc.calls)
		}
	}
	// A string with nothing to fold is returned itself.
	plain := "already lower-case, 42"
	if got := ev.Folded(name, 1, plain, lower); unsafe.StringData(got) != unsafe.StringData(plain) {
		t.Errorf("a string with nothing to fold was copied")
	}
	// A compact (cloned) event memoises by its own values, and
	// ForgetFolded drops the memo.
	c := ev.Clone()
	for i, want := range []int{1, 0, 1} { // fold calls per round
		if i == 2 {
			c.ForgetFolded()
		}
		before := calls
		if got := c.Folded(name, 0, "SC.exe", lower); got != "sc.exe" || calls-before != want {
			t.Errorf("clone, round %d: Folded = %q after %d calls, want %d", i, got, calls-before, want)
		}
	}
	// A new document forgets them.
	if err := s.Decode([]byte(`{"process":{"name":"NET.EXE"}}`), ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Folded(name, 0, "NET.EXE", lower); got != "net.exe" {
		t.Errorf("after Decode: %q", got)
	}
	ev.Set(name, Str("CMD.exe"))
	if got := ev.Folded(name, 0, "CMD.exe", lower); got != "cmd.exe" {
		t.Errorf("after Set: %q", got)
	}
}

func TestFoldFree(t *testing.T) {
	naive := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
				return false
			}
		}
		return true
	}
	// Every byte at every position of a word and of the tail.
	for c := range 256 {
		for pos := range 11 {
			b := []byte(strings.Repeat("a@[z`{0", 2)[:11])
			b[pos] = byte(c)
			if got, want := foldFree(string(b)), naive(string(b)); got != want {
				t.Errorf("foldFree(%q) = %v, want %v", b, got, want)
			}
		}
	}
	for _, s := range []string{"", "a", "c:\\windows\\system32\\cmd.exe", "C:\\", "é", "@@@@@@@@@@@@@@@@Z"} {
		if got, want := foldFree(s), naive(s); got != want {
			t.Errorf("foldFree(%q) = %v, want %v", s, got, want)
		}
	}
}
