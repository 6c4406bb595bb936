// This file holds the byte-level pieces of string decoding: where a
// string ends and what its escapes stand for.

package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// End returns the index of the quote that closes the JSON string whose
// first byte (after the opening quote) is at start, or -1 when no quote
// closes it. The search for quotes begins at from: start, or a later index
// when the caller knows there is no quote between start and from. A quote
// is escaped when an odd number of backslashes precede it.
func End(b []byte, start, from int) int {
	for {
		j := bytes.IndexByte(b[from:], '"')
		if j < 0 {
			return -1
		}
		q := from + j
		k := q
		for k > start && b[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return q
		}
		from = q + 1
	}
}

// unescaped maps the byte after a backslash to the byte the escape stands
// for; 0 for \u and for invalid escapes.
var unescaped = [256]byte{
	'"': '"', '\\': '\\', '/': '/',
	'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
}

// Escape returns the byte the two-byte escape \e stands for. ok is false
// for \u (see Unicode) and for invalid escapes.
func Escape(e byte) (c byte, ok bool) {
	c = unescaped[e]
	return c, c != 0
}

// Unicode decodes the \uXXXX escape whose four hex digits begin at b[i],
// together with the \uXXXX that follows it when the two form a UTF-16
// surrogate pair, and returns the rune and the index after the escape(s).
// A surrogate that is not part of a valid pair decodes to utf8.RuneError
// (and the escape after it, if any, is left to the next call). ok is false
// when b[i:i+4] are not four hex digits.
func Unicode[T string | []byte](b T, i int) (r rune, next int, ok bool) {
	r, ok = hex4(b, i)
	if !ok {
		return 0, i, false
	}
	i += 4
	if utf16.IsSurrogate(r) {
		r1 := r
		r = utf8.RuneError
		if r2, ok := hex4(b, i+2); ok && b[i] == '\\' && b[i+1] == 'u' {
			if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
				r = dec
				i += 6
			}
		}
	}
	return r, i, true
}

// hex4 decodes the four hex digits at b[i:i+4].
func hex4[T string | []byte](b T, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for k := i; k < i+4; k++ {
		c := b[k]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// String reads the string at Pos (its opening quote). A string without
// escapes points into Data; one with escapes is unescaped into Buf.
func (s *Scanner) String() (string, error) {
	data := s.Data
	start := s.Pos + 1
	i := start
	// Eight bytes at a time to the first quote or backslash: keys and
	// most values are short, and one pass beats two searches.
	for {
		if i+8 > len(data) {
			for i < len(data) && data[i] != '"' && data[i] != '\\' {
				i++
			}
			if i == len(data) {
				s.Pos = i
				return "", s.Fail("unterminated string")
			}
			break
		}
		w := binary.LittleEndian.Uint64(data[i:])
		if m := hasByte(w, '"') | hasByte(w, '\\'); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	if data[i] == '"' {
		s.Pos = i + 1
		return str(data[start:i]), nil
	}
	return s.unescape(start, i)
}

// hasByte marks the bytes of w equal to c with their high bit; only the
// lowest mark is exact (a borrow may mark bytes above it).
func hasByte(w uint64, c byte) uint64 {
	x := w ^ (uint64(c) * 0x0101010101010101)
	return (x - 0x0101010101010101) &^ x & 0x8080808080808080
}

// Alloc returns n bytes at the free end of Buf, never moving bytes already
// handed out.
func (s *Scanner) Alloc(n int) []byte {
	buf := s.Buf
	if cap(buf)-len(buf) < n {
		buf = make([]byte, 0, max(2*cap(buf), n+256))
	}
	off := len(buf)
	buf = buf[:off+n]
	s.Buf = buf
	return buf[off : off+n : off+n]
}

// unescape decodes a string with escapes, whose first byte is at start and
// whose first backslash is at bs.
func (s *Scanner) unescape(start, bs int) (string, error) {
	data := s.Data
	end := End(data, start, bs)
	if end < 0 {
		s.Pos = len(data)
		return "", s.Fail("unterminated string")
	}
	// Escapes only shrink: the output fits in end-start bytes. The bytes
	// before the first backslash are known to hold none: copy them whole.
	out := s.Alloc(end - start)
	n := copy(out, data[start:bs])
	i := bs
escapes:
	for {
		// data[i] is a backslash.
		e := data[i+1]
		i += 2
		if c := unescaped[e]; c != 0 {
			out[n] = c
			n++
		} else if e != 'u' {
			s.Pos = i - 2
			return "", s.Fail("invalid escape '\\" + string(rune(e)) + "'")
		} else {
			r, next, ok := Unicode(data[:end], i)
			if !ok {
				s.Pos = i - 2
				return "", s.Fail("invalid \\u escape")
			}
			i = next
			// A \uXXXX escape is 6 bytes and encodes to at most 4 (a
			// surrogate pair is 12 bytes for 4), so out has room.
			n += utf8.EncodeRune(out[n:], r)
		}
		if data[i] == '\\' {
			// Escapes in a row (\r\n\t in messages): no run between.
			// (data[end] is the closing quote, so i <= end is in range.)
			continue
		}
		// The run up to the next backslash, eight bytes at a time while
		// eight remain before the closing quote: each word is stored whole
		// (n never gets ahead of i, so out has room) and n advances past
		// the bytes before the backslash. In Windows paths runs are short
		// and "\\" the usual escape.
		for i+8 <= end {
			w := binary.LittleEndian.Uint64(data[i:])
			binary.LittleEndian.PutUint64(out[n:], w)
			m := hasByte(w, '\\')
			if m != 0 {
				k := bits.TrailingZeros64(m) / 8
				n += k
				i += k
				continue escapes
			}
			n += 8
			i += 8
		}
		for i < end && data[i] != '\\' {
			out[n] = data[i]
			n++
			i++
		}
		if i == end {
			break
		}
	}
	s.Pos = end + 1
	s.Buf = s.Buf[:len(s.Buf)-(end-start-n)]
	return str(out[:n]), nil
}

// str returns b as a string sharing its bytes.
func str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
