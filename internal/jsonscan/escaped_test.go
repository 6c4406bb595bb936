package jsonscan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// checkEscaped reads the quoted JSON string q with Escaped, which must end
// where String ends and, unescaped, give want.
func checkEscaped(t *testing.T, q []byte, want string) {
	t.Helper()
	s := Scanner{Data: append(append([]byte(nil), q...), `,"next"`...)}
	text, escaped, err := s.Escaped()
	if err != nil {
		t.Fatalf("Escaped(%s): %v", q, err)
	}
	if s.Pos != len(q) {
		t.Errorf("Escaped(%s) ends at %d, want %d", q, s.Pos, len(q))
	}
	if len(s.Buf) != 0 {
		t.Errorf("Escaped(%s) wrote %d bytes to Buf", q, len(s.Buf))
	}
	if text != string(q[1:len(q)-1]) {
		t.Errorf("Escaped(%s) text = %q, want the bytes between the quotes", q, text)
	}
	if escaped != strings.Contains(text, `\`) {
		t.Errorf("Escaped(%s) escaped = %v", q, escaped)
	}
	got := text
	if escaped {
		got = Unescape(text)
	}
	if got != want {
		t.Errorf("Unescape(Escaped(%s)) = %q, want %q", q, got, want)
	}
}

// TestEscapedErrors: Escaped refuses what String refuses, at the same
// offset and with the same message.
func TestEscapedErrors(t *testing.T) {
	for _, doc := range []string{
		`"abc`, `"abc\"`, `"a\x"`, `"a\\\q"`, `"\u12"`, `"\u12g4"`, `"ok\u0041\ud83d\uZZZZ"`,
		`"C:\\Windows\\` + "\n" + `\k"`, `"`, `"\`,
		// an invalid escape after others in a row
		`"\r\n\q"`, `"\t\t\u00zz"`, `"\\\r\n\t\x"`,
	} {
		t.Run(doc, func(t *testing.T) {
			a := Scanner{Data: []byte(doc)}
			_, errString := a.String()
			b := Scanner{Data: []byte(doc)}
			_, _, errEscaped := b.Escaped()
			if errString == nil || errEscaped == nil {
				t.Fatalf("String: %v, Escaped: %v; want both to fail", errString, errEscaped)
			}
			if errString.Error() != errEscaped.Error() || a.Pos != b.Pos {
				t.Errorf("Escaped: %v at %d; String: %v at %d", errEscaped, b.Pos, errString, a.Pos)
			}
		})
	}
}

// TestUnescapeKeepsInvalid: text Escaped would refuse is not lost.
func TestUnescapeKeepsInvalid(t *testing.T) {
	for in, want := range map[string]string{
		`a\qb`: `a\qb`, `\u12`: `\u12`, `x\`: `x\`, `\n\u0041\`: "\nA\\",
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkMessagesReal reads the message strings of a slice of the
// winlog corpus: unescaped (String, as every string was) against checked
// and left escaped (Escaped, as a message now is).
func BenchmarkMessagesReal(b *testing.B) {
	var data []byte
	var starts []int
	for _, line := range testenv.WinlogSample(b, 2000) {
		i := bytes.Index(line, []byte(`"message":"`))
		if i < 0 {
			continue
		}
		i += len(`"message":`)
		end := End(line, i+1, i+1)
		if end < 0 {
			b.Fatalf("unterminated message in %s", line)
		}
		starts = append(starts, len(data))
		data = append(data, line[i:end+1]...)
	}
	if len(starts) == 0 {
		b.Fatal("no message in the sample")
	}
	for _, mode := range []string{"String", "Escaped"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			s := Scanner{Data: data}
			for b.Loop() {
				s.Buf = s.Buf[:0]
				for _, p := range starts {
					s.Pos = p
					var err error
					if mode == "String" {
						_, err = s.String()
					} else {
						_, _, err = s.Escaped()
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
