package jsonscan

import (
	"testing"
	"unicode/utf8"
)

func TestEnd(t *testing.T) {
	tests := []struct {
		s    string // the bytes after the opening quote
		want int
	}{
		{`"`, 0},
		{`abc"`, 3},
		{`a\"b"`, 4},
		{`a\\"b"`, 3},
		{`a\\\"b"`, 6},
		{`\"`, -1},
		{`abc`, -1},
		{``, -1},
	}
	for _, tc := range tests {
		if got := End([]byte(tc.s), 0, 0); got != tc.want {
			t.Errorf("End(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
	// from: the search starts at a known quote
	if got := End([]byte(`x\"y"`), 0, 2); got != 4 {
		t.Errorf("End from an escaped quote = %d, want 4", got)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'} {
		if got, ok := Escape(in); !ok || got != want {
			t.Errorf("Escape(%q) = %q, %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []byte{'u', 'x', 'N', '0', 0, 0xff} {
		if _, ok := Escape(in); ok {
			t.Errorf("Escape(%q) ok", in)
		}
	}
}

func TestUnicode(t *testing.T) {
	tests := []struct {
		s    string // from the first hex digit
		r    rune
		next int
		ok   bool
	}{
		{`0041`, 'A', 4, true},
		{`00e9x`, 'é', 4, true},
		{`00E9`, 'é', 4, true},
		{`d83d\ude00`, '😀', 10, true},
		{`D83D\uDE00"`, '😀', 10, true},
		{`d83d`, utf8.RuneError, 4, true},       // lone high surrogate
		{`d83d\u0041`, utf8.RuneError, 4, true}, // not a low surrogate: left for the next escape
		{`de00\ud83d`, utf8.RuneError, 4, true}, // low before high
		{`d83d\ude0`, utf8.RuneError, 4, true},  // short second escape
		{`d83d\nde00`, utf8.RuneError, 4, true}, // not \u
		{`004`, 0, 0, false},
		{`00g1`, 0, 0, false},
		{``, 0, 0, false},
	}
	for _, tc := range tests {
		r, next, ok := Unicode([]byte(tc.s), 0)
		if r != tc.r || next != tc.next || ok != tc.ok {
			t.Errorf("Unicode(%q) = %q, %d, %v, want %q, %d, %v", tc.s, r, next, ok, tc.r, tc.next, tc.ok)
		}
	}
}
