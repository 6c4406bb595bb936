package jsonscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// walk renders a document through the scanner: objects and arrays with
// their members, scalars as kind:text.
func walk(s *Scanner, depth int) (string, error) {
	var b strings.Builder
	var value func(depth int) error
	value = func(depth int) error {
		switch s.Data[s.Pos] {
		case '{':
			b.WriteString("{")
			err := s.Object(depth, func(k string) error {
				b.WriteString(k + "=")
				err := value(depth + 1)
				b.WriteString(";")
				return err
			})
			b.WriteString("}")
			return err
		case '[':
			b.WriteString("[")
			err := s.Array(depth, func() error {
				err := value(depth + 1)
				b.WriteString(",")
				return err
			})
			b.WriteString("]")
			return err
		}
		k, text, err := s.Scalar()
		fmt.Fprintf(&b, "%d:%s", k, text)
		return err
	}
	if err := s.Begin(); err != nil {
		return "", err
	}
	if err := value(depth); err != nil {
		return b.String(), err
	}
	return b.String(), s.End()
}

func TestScanner(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{}`},
		{` { "a" : [ ] , "b":{ } } `, `{a=[];b={};}`},
		{`{"s":"x\ty\u00e9\ud83d\ude00","n":-12.5e3,"t":true,"f":false,"z":null}`, "{s=1:x\tyé😀;n=2:-12.5e3;t=3:;f=4:;z=5:;}"},
		{`{"a\"b":[1,[2,{"c":"d"}]]}`, `{a"b=[2:1,[2:2,{c=1:d;},],];}`},
		{`{"a":1`, "invalid JSON at byte 6: unterminated object"},
		{`{"a":[1`, "invalid JSON at byte 7: unterminated array"},
		{`{"a":[1 2]}`, "invalid JSON at byte 8: expected ',' or ']' in array"},
		{`{"a":1 "b":2}`, "invalid JSON at byte 7: expected ',' or '}' in object"},
		{`{"a":}`, "invalid JSON at byte 5: unexpected character '}'"},
		{`{"a":`, "invalid JSON at byte 5: unexpected end of input"},
		{`{"a":-x}`, "invalid JSON at byte 6: invalid number"},
		{`{"a":-0.5e+3,"b":007,"c":1E9}`, `{a=2:-0.5e+3;b=2:007;c=2:1E9;}`},
		{`{"a":1.}`, `invalid JSON at byte 5: invalid number "1."`},
		{`{"a":1e+}`, `invalid JSON at byte 5: invalid number "1e+"`},
		{`{"a":1.2.3}`, `invalid JSON at byte 5: invalid number "1.2.3"`},
		{`{"a":"\x"}`, `invalid JSON at byte 6: invalid escape '\x'`},
		{`{"a":"\u12g4"}`, `invalid JSON at byte 6: invalid \u escape`},
		{`{"a":"abc}`, "invalid JSON at byte 10: unterminated string"},
		{`{"a":1} x`, "invalid JSON at byte 8: unexpected data after the JSON object"},
		{`[1]`, "invalid JSON at byte 0: expected a JSON object"},
		{strings.Repeat(`{"a":`, MaxDepth+2) + "1" + strings.Repeat("}", MaxDepth+2), fmt.Sprintf("invalid JSON at byte %d: nesting too deep", 5*(MaxDepth+1))},
	} {
		t.Run(tc.in, func(t *testing.T) {
			s := Scanner{Data: []byte(tc.in)}
			got, err := walk(&s, 0)
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSkip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rest string // what follows the skipped value
		err  string
	}{
		{`"a\"b",`, `,`, ""},
		// strings past the words searched inline, quotes and
		// backslashes at either side of a word's edge
		{`"abcdefg",0123456789`, `,0123456789`, ""},
		{`"abcdefgh",0123456789`, `,0123456789`, ""},
		{`"abcdef\\",0123456789`, `,0123456789`, ""},
		{`"abcdef\"",0123456789`, `,0123456789`, ""},
		{`"abcdefg\"h\\",01234567`, `,01234567`, ""},
		{`"` + strings.Repeat("x", 40) + `",0123456789`, `,0123456789`, ""},
		{`"` + strings.Repeat("x", 31) + `\"",0123456789`, `,0123456789`, ""},
		{`"` + strings.Repeat("x", 40) + `0123456789`, ``, "invalid JSON at byte 51: unterminated string"},
		{`"abcdefgh\",01234567`, ``, "invalid JSON at byte 20: unterminated string"},
		{`{"a":[1,{"b":"]}"}]}x`, `x`, ""},
		{`[[]]]`, `]`, ""},
		{`12.5e-3,`, `,`, ""},
		{`{"a":[}`, ``, "invalid JSON at byte 6: unexpected '}'"},
		{`{"a":1`, ``, "invalid JSON at byte 6: unterminated object or array"},
		{`"abc`, ``, "invalid JSON at byte 4: unterminated string"},
		{``, ``, "invalid JSON at byte 0: unexpected end of input"},
		{strings.Repeat("[", MaxDepth+1), ``, fmt.Sprintf("invalid JSON at byte %d: nesting too deep", MaxDepth)},
	} {
		t.Run(tc.in, func(t *testing.T) {
			s := Scanner{Data: []byte(tc.in)}
			err := s.Skip(1)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("got %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil || string(s.Data[s.Pos:]) != tc.rest {
				t.Errorf("got %v, rest %q; want rest %q", err, s.Data[s.Pos:], tc.rest)
			}
		})
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775808", -9223372036854775808, true},
		{"-9223372036854775809", 0, false},
		{"99999999999999999999", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"-", 0, false},
		{"", 0, false},
	} {
		got, ok := Int(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestStringsAgreeWithStdlib unescapes strings as encoding/json writes
// them, into a small buffer so that it is replaced, and checks that strings
// handed out earlier are not disturbed.
func TestStringsAgreeWithStdlib(t *testing.T) {
	inputs := []string{"", "plain", `C:\Windows\System32\`, "tab\there", "é😀\u2028", `"quoted"`, strings.Repeat(`\\host\share `, 40)}
	s := Scanner{Buf: make([]byte, 0, 8)}
	var got []string
	for _, in := range inputs {
		enc, _ := json.Marshal(in)
		s.Data, s.Pos = enc, 0
		out, err := s.String()
		if err != nil || s.Pos != len(enc) {
			t.Fatalf("%s: %v at %d", enc, err, s.Pos)
		}
		got = append(got, out)
	}
	for i, in := range inputs {
		if got[i] != in {
			t.Errorf("string %d: got %q, want %q", i, got[i], in)
		}
	}
}
