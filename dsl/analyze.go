package dsl

import (
	"unicode"
	"unicode/utf8"
)

// Text analysis as Elasticsearch's standard analyzer does it: Lucene's
// StandardTokenizer (word boundaries of Unicode UAX #29) and a lowercase
// filter. The word-boundary rules implemented are those that decide what
// a word is in the scripts that matter here:
//
//	WB4      Extend and Format characters stay with what precedes them
//	WB5      letter × letter
//	WB6, 7   letter × (MidLetter | MidNumLet | ') letter    "don't", "a.b", "c:d"
//	WB8-10   digits and letters hold together               "abc123"
//	WB11, 12 digit × (MidNum | MidNumLet | ') digit         "3.14", "1,000"
//	WB13     Katakana × Katakana
//	WB13a, b ExtendNumLet (_ and other connectors) joins    "foo_bar", "__init__"
//
// so "System.Reflection.Assembly" is one token, "Invoke-Mimikatz" two and
// "C:\Windows" two. Han and Hiragana characters are one token each, as
// Lucene emits them. Simplifications: letters are unicode.IsLetter (and
// Nl); digits are Nd; Hebrew-specific rules (WB7a-c), emoji and regional
// indicator sequences (WB3c, WB15-16) are not implemented, and South-East
// Asian scripts (Thai, Lao, ...) are taken as runs of letters rather than
// dictionary-segmented. Tokens longer than 255 UTF-16 code units are cut
// into pieces of at most that length, as StandardTokenizer's
// max_token_length does.

// maxTokenLen is the standard tokenizer's default max_token_length, in
// UTF-16 code units.
const maxTokenLen = 255

// Word-break classes.
type wbClass uint8

const (
	wbOther wbClass = iota
	wbLetter
	wbNumeric
	wbKatakana
	wbExtendNumLet
	wbMidLetter
	wbMidNumLet
	wbMidNum
	wbSingleQuote
	wbExtend // Extend, Format, ZWJ: transparent (WB4)
	wbIdeo   // Han, Hiragana: a token per character
)

var asciiClass = func() (t [utf8.RuneSelf]wbClass) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = wbLetter
		t[c-'a'+'A'] = wbLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = wbNumeric
	}
	t['_'] = wbExtendNumLet
	t[':'] = wbMidLetter
	t['.'] = wbMidNumLet
	t[','] = wbMidNum
	t[';'] = wbMidNum
	t['\''] = wbSingleQuote
	return
}()

func classOf(r rune) wbClass {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch r {
	case 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A:
		return wbMidLetter
	case 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E:
		return wbMidNumLet
	case 0x037E, 0x0589, 0x060C, 0x060D, 0x066C, 0x07F8, 0x2044, 0xFE10, 0xFE14, 0xFE50, 0xFE54, 0xFF0C, 0xFF1B:
		return wbMidNum
	case 0x202F:
		return wbExtendNumLet
	case 0x200D, 0x200C:
		return wbExtend
	case 0x200B:
		return wbOther
	case 0x30FC, 0x30FD, 0x30FE, 0x30A0, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x309B, 0x309C, 0xFF70:
		return wbKatakana
	}
	switch {
	case unicode.Is(unicode.Katakana, r):
		return wbKatakana
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r):
		return wbIdeo
	case unicode.IsLetter(r), unicode.Is(unicode.Nl, r):
		return wbLetter
	case unicode.Is(unicode.Nd, r):
		return wbNumeric
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf):
		return wbExtend
	case unicode.Is(unicode.Pc, r):
		return wbExtendNumLet
	}
	return wbOther
}

// tokenizer iterates over the tokens of a text without allocating. The
// zero value after setting s is ready; a copy continues independently
// (phrase matching looks ahead with a copy).
type tokenizer struct {
	s string
	i int // next byte to look at
}

// next returns the byte range of the next token.
func (t *tokenizer) next() (start, end int, ok bool) {
	s := t.s
	for t.i < len(s) {
		c := s[t.i]
		var cls wbClass
		n := 1
		if c < utf8.RuneSelf {
			cls = asciiClass[c]
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[t.i:])
			cls = classOf(r)
		}
		switch cls {
		case wbLetter, wbNumeric, wbKatakana, wbExtendNumLet:
			start := t.i
			end, word := scanWord(s, start, cls, n)
			t.i = end
			if word {
				return start, end, true
			}
		case wbIdeo:
			start := t.i
			t.i = skipExtend(s, t.i+n)
			return start, t.i, true
		default:
			t.i += n
		}
	}
	return 0, 0, false
}

// skipExtend skips Extend and Format characters from i (WB4).
func skipExtend(s string, i int) int {
	for i < len(s) && s[i] >= utf8.RuneSelf {
		r, n := utf8.DecodeRuneInString(s[i:])
		if classOf(r) != wbExtend {
			break
		}
		i += n
	}
	return i
}

// u16len is the number of UTF-16 code units of r.
func u16len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// scanWord scans the word that starts at start with a character of class
// first (n bytes long). It returns where the word ends and whether it
// holds a letter or digit (a run of connectors alone is no token).
func scanWord(s string, start int, first wbClass, n int) (end int, word bool) {
	last := first
	word = first != wbExtendNumLet
	units := 1
	if n == 4 {
		units = 2
	}
	i := start + n
	for i < len(s) {
		c := s[i]
		var r rune = rune(c)
		var cls wbClass
		n := 1
		if c < utf8.RuneSelf {
			cls = asciiClass[c]
		} else {
			r, n = utf8.DecodeRuneInString(s[i:])
			cls = classOf(r)
		}
		if cls == wbExtend {
			if units+u16len(r) > maxTokenLen {
				return i, word
			}
			units += u16len(r)
			i += n
			continue
		}
		join := false
		switch cls {
		case wbLetter, wbNumeric:
			join = last == wbLetter || last == wbNumeric || last == wbExtendNumLet
		case wbKatakana:
			join = last == wbKatakana || last == wbExtendNumLet
		case wbExtendNumLet:
			join = last != wbOther
		case wbMidLetter, wbMidNumLet, wbMidNum, wbSingleQuote:
			// WB6/7 and WB11/12: a middle character joins when the same
			// kind of character follows it.
			if last != wbLetter && last != wbNumeric {
				return i, word
			}
			j := skipExtend(s, i+n)
			if j >= len(s) {
				return i, word
			}
			r2, n2 := utf8.DecodeRuneInString(s[j:])
			c2 := classOf(r2)
			ok := last == wbLetter && c2 == wbLetter && cls != wbMidNum ||
				last == wbNumeric && c2 == wbNumeric && cls != wbMidLetter
			if !ok {
				return i, word
			}
			add := u16len(r) + u16len(r2) + (j - i - n) // extends between count ~1 unit per byte at most; close enough
			if units+add > maxTokenLen {
				return i, word
			}
			units += add
			i = j + n2
			continue
		}
		if !join {
			return i, word
		}
		if units+u16len(r) > maxTokenLen {
			return i, word
		}
		units += u16len(r)
		if cls != wbExtendNumLet {
			word = true
		}
		last = cls
		i += n
	}
	return i, word
}

// analyze returns the lowercased tokens of text.
func analyze(text string) []string {
	var out []string
	t := tokenizer{s: text}
	for {
		start, end, ok := t.next()
		if !ok {
			return out
		}
		out = append(out, lower(text[start:end]))
	}
}

// lower lowercases s as Lucene's LowerCaseFilter does (per code point,
// Character.toLowerCase, which unicode.ToLower matches).
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return string(appendLower(nil, s))
		}
	}
	return s
}

// appendLower appends s lowercased to dst.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// equalLower reports whether tok lowercased equals q (already lowercase).
func equalLower(tok, q string) bool {
	i, j := 0, 0
	for i < len(tok) && j < len(q) {
		a, b := tok[i], q[j]
		if a|b < utf8.RuneSelf {
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			if a != b {
				return false
			}
			i++
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(tok[i:])
		p, m := utf8.DecodeRuneInString(q[j:])
		if unicode.ToLower(r) != p {
			return false
		}
		i += n
		j += m
	}
	return i == len(tok) && j == len(q)
}
