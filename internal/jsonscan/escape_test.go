package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/testenv"
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

// stringCases are JSON string bodies (between the quotes) whose escapes
// sit at every offset of a word: Windows paths, where "\\" is most of the
// escapes, quotes, control escapes and \u escapes with surrogates.
var stringCases = []string{
	``, `a`, `\\`, `\\\\`, `\"`, `\/`, `\b\f\n\r\t`,
	`C:\\Windows\\System32\\svchost.exe`,
	`\\\\?\\C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe`,
	`\"C:\\Windows\\system32\\cmd.exe\" /c \"echo 1 > \\\\.\\pipe\\x\"`,
	`HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\`,
	`0123456\\789abcdef\\0123456789abcdef`, `01234567\\`, `0123456789abcdef\\x`,
	`x\u00e9y\u20ac\ud83d\ude00z`, `\ud800`, `\ud800\u0041`, `\udc00\ud800`, `\u0000\u001F`,
	`line one\r\nline two\tand \"three\"\\ 0123456789 0123456789`,
	`ééé\\üü\\😀\\`,
}

// checkString decodes the quoted JSON string q with a Scanner and with
// encoding/json, which must agree on the value and on where it ends.
func checkString(t *testing.T, q []byte) {
	t.Helper()
	var want string
	if err := json.Unmarshal(q, &want); err != nil {
		t.Fatalf("encoding/json cannot decode %s: %v", q, err)
	}
	// Data follows the string, as in a document, and Buf is shared with
	// an earlier string that must not change.
	s := Scanner{Data: append(append([]byte(nil), q...), `,"next"`...)}
	first := s.Alloc(3)
	copy(first, "abc")
	got, err := s.String()
	if err != nil {
		t.Fatalf("String(%s): %v", q, err)
	}
	if got != want {
		t.Errorf("String(%s) = %q, encoding/json %q", q, got, want)
	}
	if s.Pos != len(q) {
		t.Errorf("String(%s) ends at %d, want %d", q, s.Pos, len(q))
	}
	if string(first) != "abc" {
		t.Errorf("String(%s) overwrote earlier bytes of Buf: %q", q, first)
	}
	checkEscaped(t, q, want)
}

func TestStringVsEncodingJSON(t *testing.T) {
	for _, c := range stringCases {
		// every alignment of the escapes against the words
		for pad := range 9 {
			checkString(t, []byte(`"`+strings.Repeat("p", pad)+c+`"`))
		}
	}
}

// TestStringRealVsEncodingJSON compares every string (keys and values) of
// a slice of the winlog corpus: messages, command lines, paths.
func TestStringRealVsEncodingJSON(t *testing.T) {
	n := 0
	for _, line := range testenv.WinlogSample(t, 2000) {
		for i := 0; i < len(line); i++ {
			if line[i] != '"' {
				continue
			}
			end := End(line, i+1, i+1)
			if end < 0 {
				t.Fatalf("unterminated string in %s", line)
			}
			checkString(t, line[i:end+1])
			i = end
			n++
		}
	}
	if n == 0 {
		t.Fatal("no strings in the sample")
	}
}

// FuzzString feeds string bodies that encoding/json accepts; the scanner
// must decode them to the same value. (It accepts more: raw control bytes
// and invalid UTF-8 pass through, which encoding/json rejects or replaces.)
func FuzzString(f *testing.F) {
	for _, c := range stringCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, body string) {
		q := []byte(`"` + body + `"`)
		var want string
		if !utf8.ValidString(body) || json.Unmarshal(q, &want) != nil {
			return
		}
		checkString(t, q)
	})
}

func BenchmarkString(b *testing.B) {
	var data []byte
	for _, c := range stringCases[7:11] {
		data = append(data, `"`+c+`",`...)
	}
	for _, c := range []string{"4688", "Microsoft-Windows-Security-Auditing", "WORKSTATION01.corp.example.com"} {
		data = append(data, `"`+c+`",`...)
	}
	b.SetBytes(int64(len(data)))
	s := Scanner{Data: data}
	for b.Loop() {
		s.Pos, s.Buf = 0, s.Buf[:0]
		for s.Pos < len(data) {
			if _, err := s.String(); err != nil {
				b.Fatal(err)
			}
			s.Pos++ // the comma
		}
	}
}

// BenchmarkStringMessage decodes an event message as Windows writes them:
// short runs between \r\n and \t escapes, which often come in a row.
func BenchmarkStringMessage(b *testing.B) {
	msg := `"An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tAccount Name:\t\tWS01$\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x3E7\r\n\r\nLogon Information:\r\n\tLogon Type:\t\t5\r\n\tRestricted Admin Mode:\t-\r\n\tVirtual Account:\t\tNo\r\n\r\nProcess Information:\r\n\tProcess ID:\t\t0x2a0\r\n\tProcess Name:\t\tC:\\Windows\\System32\\services.exe"`
	data := []byte(msg)
	b.SetBytes(int64(len(data)))
	s := Scanner{Data: data}
	for b.Loop() {
		s.Pos, s.Buf = 0, s.Buf[:0]
		if _, err := s.String(); err != nil {
			b.Fatal(err)
		}
	}
}
