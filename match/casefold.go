package match

import (
	"slices"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Case-insensitive comparison without allocation: ASCII bytes go through a
// table, other runes through Unicode simple case folding (the orbit of
// unicode.SimpleFold), as Lucene's case-insensitive queries match a code
// point against its case variants.

var lowerASCII = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return
}()

// foldRune returns the canonical member of r's case-folding orbit: the
// smallest rune that folds to it.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(lowerASCII[r])
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	// Keep ASCII canonical forms lower case (K, k and the Kelvin sign).
	if min < utf8.RuneSelf {
		return rune(lowerASCII[min])
	}
	return min
}

// LowerASCII lowers an ASCII letter; other bytes are returned as they are
// (folding lowers ASCII letters and changes no other ASCII byte).
func LowerASCII(c byte) byte { return lowerASCII[c] }

// IsASCII reports whether s has only ASCII bytes.
func IsASCII(s string) bool {
	// Sixteen bytes at a step: long values (command lines, call traces)
	// are tested on every rule index lookup and length().
	p := unsafe.Pointer(unsafe.StringData(s))
	i := 0
	for ; i+16 <= len(s); i += 16 {
		if (*(*uint64)(unsafe.Add(p, i))|*(*uint64)(unsafe.Add(p, i+8)))&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// EqualFold reports whether s and t are equal under simple case folding.
func EqualFold(s, t string) bool {
	if s == t {
		return true
	}
	for len(s) > 0 && len(t) > 0 {
		a, b := s[0], t[0]
		if a|b < utf8.RuneSelf {
			if lowerASCII[a] != lowerASCII[b] {
				return false
			}
			s, t = s[1:], t[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(s)
		q, m := utf8.DecodeRuneInString(t)
		if r != q && foldRune(r) != foldRune(q) {
			return false
		}
		s, t = s[n:], t[m:]
	}
	return len(s) == len(t)
}

// HasPrefixFold reports whether s begins with prefix, ignoring case.
func HasPrefixFold(s, prefix string) bool {
	for len(prefix) > 0 {
		if len(s) == 0 {
			return false
		}
		a, b := s[0], prefix[0]
		if a|b < utf8.RuneSelf {
			if lowerASCII[a] != lowerASCII[b] {
				return false
			}
			s, prefix = s[1:], prefix[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(s)
		q, m := utf8.DecodeRuneInString(prefix)
		if r != q && foldRune(r) != foldRune(q) {
			return false
		}
		s, prefix = s[n:], prefix[m:]
	}
	return true
}

// HasSuffixFold reports whether s ends with suffix, ignoring case.
func HasSuffixFold(s, suffix string) bool {
	for len(suffix) > 0 {
		if len(s) == 0 {
			return false
		}
		a, b := s[len(s)-1], suffix[len(suffix)-1]
		if a|b < utf8.RuneSelf {
			if lowerASCII[a] != lowerASCII[b] {
				return false
			}
			s, suffix = s[:len(s)-1], suffix[:len(suffix)-1]
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s)
		q, m := utf8.DecodeLastRuneInString(suffix)
		if r != q && foldRune(r) != foldRune(q) {
			return false
		}
		s, suffix = s[:len(s)-n], suffix[:len(suffix)-m]
	}
	return true
}

// IndexFold returns the byte index of the first match of sub in s ignoring
// case, or -1.
func IndexFold(s, sub string) int {
	if sub == "" {
		return 0
	}
	c0 := sub[0]
	asciiFirst := c0 < utf8.RuneSelf
	lc := lowerASCII[c0]
	for i := 0; i < len(s); {
		if asciiFirst {
			// skip quickly to a candidate first byte
			for i < len(s) && lowerASCII[s[i]] != lc && s[i] < utf8.RuneSelf {
				i++
			}
			if i >= len(s) {
				return -1
			}
		}
		if HasPrefixFold(s[i:], sub) {
			return i
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return -1
}

// ContainsFold reports whether sub occurs in s, ignoring case.
func ContainsFold(s, sub string) bool { return IndexFold(s, sub) >= 0 }

// appendFold appends the canonical folded form of s to dst: two strings
// are equal ignoring case (EqualFold) exactly when their folded forms are
// equal, and one contains, begins or ends with another ignoring case
// exactly when the folded forms do, byte for byte. A byte that is not
// UTF-8 folds to U+FFFD, as EqualFold decodes it. Set lookups, the rule
// index and the per-event folded values (event.Event.Folded) use it.
func appendFold(dst []byte, s string) []byte {
	// ASCII, the common case, byte for byte into room made once.
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	out := dst[n:]
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			break
		}
		out[i] = lowerASCII[c]
	}
	dst = dst[:n+i]
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, lowerASCII[c])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, foldRune(r))
		i += size
	}
	return dst
}

// AppendFolded appends s folded as case-insensitive tests compare it (see
// AppendKeyword); it is the fold to pass to event.Event.Folded.
func AppendFolded(dst []byte, s string) []byte { return appendFold(dst, s) }

// foldString returns the canonical folded form of s.
func foldString(s string) string {
	// Most strings rules compare are folded already: those are their own
	// fold, without a copy.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || lowerASCII[c] != c {
			return string(appendFold(nil, s))
		}
	}
	return s
}

// PrefixLenFold returns the byte length in s of a prefix that matched p
// ignoring case (folded runes may differ in width).
func PrefixLenFold(s, p string) int {
	n := 0
	for range utf8.RuneCountInString(p) {
		_, size := utf8.DecodeRuneInString(s[n:])
		n += size
	}
	return n
}

func suffixLenFold(s, p string) int {
	n := 0
	for range utf8.RuneCountInString(p) {
		_, size := utf8.DecodeLastRuneInString(s[:len(s)-n])
		n += size
	}
	return n
}
