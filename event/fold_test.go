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

// TestUseFolds: a memo lent to events in turn serves each, and an event
// that lost it (lent to another) folds into its own again.
func TestUseFolds(t *testing.T) {
	s, a := decodeOne(t, []string{"process.name"}, `{"process":{"name":"SC.exe"}}`)
	b := new(Event)
	if err := s.Decode([]byte(`{"process":{"name":"NET.exe"}}`), b); err != nil {
		t.Fatal(err)
	}
	name := s.Slot("process.name")
	calls := 0
	lower := func(dst []byte, s string) []byte {
		calls++
		return append(dst, strings.ToLower(s)...)
	}
	var f Folds
	steps := []struct {
		ev       *Event
		lend     bool // lend f to ev before folding
		s, want  string
		newCalls int
	}{
		{a, true, "SC.exe", "sc.exe", 1},
		{a, false, "SC.exe", "sc.exe", 0}, // memoised in f
		{b, true, "NET.exe", "net.exe", 1},
		{b, false, "NET.exe", "net.exe", 0},
		{a, false, "SC.exe", "sc.exe", 1}, // f is b's now: a folds into its own
		{a, false, "SC.exe", "sc.exe", 0},
		{a, true, "SC.exe", "sc.exe", 1}, // lending drops the memo
	}
	for i, st := range steps {
		if st.lend {
			st.ev.UseFolds(&f)
		}
		before := calls
		if got := st.ev.Folded(name, 0, st.s, lower); got != st.want || calls-before != st.newCalls {
			t.Errorf("%d: Folded = %q after %d fold calls, want %q after %d", i, got, calls-before, st.want, st.newCalls)
		}
	}
	if got := b.Folded(name, 0, "NET.exe", lower); got != "net.exe" {
		t.Errorf("b after a took f back: %q", got)
	}
	a.UseFolds(nil)
	if f.user != nil || len(f.buf) != 0 {
		t.Errorf("f still in use after UseFolds(nil): user %p, %d bytes", f.user, len(f.buf))
	}
	before := calls
	if got := a.Folded(name, 0, "SC.exe", lower); got != "sc.exe" || calls-before != 1 {
		t.Errorf("a's own memo after UseFolds(nil): %q after %d calls", got, calls-before)
	}
}
