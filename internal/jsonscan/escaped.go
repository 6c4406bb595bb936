// This file holds strings left escaped: read where they end and check
// their escapes now, unescape them only when someone asks.

package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Escaped reads the string at Pos (its opening quote) as String does,
// errors included, but writes nothing to Buf: text is what lies between the
// quotes, still escaped when escaped is true (Unescape then gives the
// string). For long text that few readers look at, finding the escapes is
// much cheaper than copying the text.
func (s *Scanner) Escaped() (text string, escaped bool, err error) {
	start := s.Pos + 1
	data := s.Data
	end := End(data, start, start)
	if end < 0 {
		s.Pos = len(data)
		return "", false, s.Fail("unterminated string")
	}
	bs := bytes.IndexByte(data[start:end], '\\')
	if bs < 0 {
		s.Pos = end + 1
		return str(data[start:end]), false, nil
	}
	bs += start
	i := bs
escapes:
	for i < end {
		// data[i] is a backslash; the quote at end is not escaped, so
		// data[i+1] lies before it.
		switch e := data[i+1]; {
		case unescaped[e] != 0:
			i += 2
		case e == 'u':
			if _, ok := hex4(data[:end], i+2); !ok {
				s.Pos = i
				return "", false, s.Fail("invalid \\u escape")
			}
			i += 6
		default:
			s.Pos = i
			return "", false, s.Fail("invalid escape '\\" + string(rune(e)) + "'")
		}
		if data[i] == '\\' {
			// Escapes in a row (\r\n\t in messages): no run between.
			// (data[end] is the closing quote, so i <= end is in range.)
			continue
		}
		// To the next backslash, eight bytes at a time while eight remain
		// (runs between a message's escapes are short: no call per run).
		for i+8 <= end {
			if m := hasByte(binary.LittleEndian.Uint64(data[i:]), '\\'); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				continue escapes
			}
			i += 8
		}
		for i < end && data[i] != '\\' {
			i++
		}
	}
	s.Pos = end + 1
	return str(data[start:end]), true, nil
}

// Unescape returns the string that the escaped text t (the inside of a JSON
// string, as Escaped returns it) stands for, in new memory. Escapes are
// decoded as String decodes them; an invalid one, which Escaped would have
// refused, is kept as it is.
func Unescape(t string) string {
	out := make([]byte, 0, len(t))
	for {
		j := strings.IndexByte(t, '\\')
		if j < 0 || j+1 >= len(t) {
			out = append(out, t...)
			break
		}
		out = append(out, t[:j]...)
		e := t[j+1]
		if c := unescaped[e]; c != 0 {
			out = append(out, c)
			t = t[j+2:]
			continue
		}
		if e == 'u' {
			if r, next, ok := Unicode(t, j+2); ok {
				out = utf8.AppendRune(out, r)
				t = t[next:]
				continue
			}
		}
		out = append(out, t[j:j+2]...)
		t = t[j+2:]
	}
	if len(out) == 0 {
		return ""
	}
	return unsafe.String(&out[0], len(out))
}
