// Package jsonstring holds the byte-level pieces of JSON string decoding
// that the JSON decoders of event and winlog share: where a string ends,
// and what its escapes stand for. The decoders keep their own loops and
// buffers; these functions neither allocate nor report errors beyond ok.
package jsonstring

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
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
func Unicode(b []byte, i int) (r rune, next int, ok bool) {
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
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
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
