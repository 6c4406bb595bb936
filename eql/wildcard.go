package eql

import (
	"strings"
	"unicode/utf8"
)

// wildcard is a compiled `:`/like pattern: `*` matches any run of
// characters, `?` exactly one; every other character, the backslash
// included, is literal (Elasticsearch escapes the pattern for Lucene).
// Patterns are classified once so that most match with one prefix, suffix,
// substring or equality test.
type wildcard struct {
	kind    wcKind
	lit     string   // exact, prefix, suffix, contains
	segs    []string // segmented: literal parts between stars
	pattern string
	fold    bool
}

type wcKind uint8

const (
	wcExact wcKind = iota
	wcAll
	wcPrefix
	wcSuffix
	wcContains
	wcSegments // stars only, several literal parts
	wcGeneral  // with ?
)

func compileWildcard(pattern string, fold bool) *wildcard {
	w := &wildcard{pattern: pattern, fold: fold}
	if strings.IndexByte(pattern, '?') >= 0 {
		w.kind = wcGeneral
		return w
	}
	stars := strings.Count(pattern, "*")
	switch {
	case stars == 0:
		w.kind, w.lit = wcExact, pattern
	case strings.Trim(pattern, "*") == "":
		w.kind = wcAll
	case stars == 1 && strings.HasSuffix(pattern, "*"):
		w.kind, w.lit = wcPrefix, pattern[:len(pattern)-1]
	case stars == 1 && strings.HasPrefix(pattern, "*"):
		w.kind, w.lit = wcSuffix, pattern[1:]
	case stars == 2 && strings.HasPrefix(pattern, "*") && strings.HasSuffix(pattern, "*"):
		w.kind, w.lit = wcContains, pattern[1:len(pattern)-1]
	default:
		w.kind = wcSegments
		w.segs = strings.Split(pattern, "*")
	}
	return w
}

// hasWildcard reports whether a pattern has * or ?.
func hasWildcard(p string) bool { return strings.ContainsAny(p, "*?") }

func (w *wildcard) match(s string) bool {
	switch w.kind {
	case wcExact:
		if w.fold {
			return equalFold(s, w.lit)
		}
		return s == w.lit
	case wcAll:
		return true
	case wcPrefix:
		if w.fold {
			return hasPrefixFold(s, w.lit)
		}
		return strings.HasPrefix(s, w.lit)
	case wcSuffix:
		if w.fold {
			return hasSuffixFold(s, w.lit)
		}
		return strings.HasSuffix(s, w.lit)
	case wcContains:
		if w.fold {
			return containsFold(s, w.lit)
		}
		return strings.Contains(s, w.lit)
	case wcSegments:
		return w.matchSegments(s)
	}
	return globMatch(w.pattern, s, w.fold)
}

// matchSegments matches a*b*c: prefix a, suffix c, and b in order between.
func (w *wildcard) matchSegments(s string) bool {
	first, last := w.segs[0], w.segs[len(w.segs)-1]
	if w.fold {
		if !hasPrefixFold(s, first) {
			return false
		}
		s = s[prefixLenFold(s, first):]
		if !hasSuffixFold(s, last) {
			return false
		}
		s = s[:len(s)-suffixLenFold(s, last)]
	} else {
		if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
			return false
		}
		s = s[len(first) : len(s)-len(last)]
	}
	for _, seg := range w.segs[1 : len(w.segs)-1] {
		if seg == "" {
			continue
		}
		var i int
		if w.fold {
			i = indexFold(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+prefixLenFold(s[i:], seg):]
		} else {
			i = strings.Index(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+len(seg):]
		}
	}
	return true
}

// prefixLenFold returns the byte length in s of a prefix that matched p
// ignoring case (folded runes may differ in width).
func prefixLenFold(s, p string) int {
	n := 0
	for _, r := range p {
		_ = r
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

// globMatch matches pattern (with * and ?) against s rune by rune, with the
// usual single-backtrack algorithm: linear for patterns with one star and
// O(len(s)·len(pattern)) at worst.
func globMatch(pattern, s string, fold bool) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			c := pattern[px]
			switch c {
			case '*':
				nextPx, nextSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += n
					continue
				}
			default:
				if sx < len(s) {
					pr, pn := utf8.DecodeRuneInString(pattern[px:])
					sr, sn := utf8.DecodeRuneInString(s[sx:])
					if pr == sr || fold && foldRune(pr) == foldRune(sr) {
						px += pn
						sx += sn
						continue
					}
				}
			}
		}
		if nextSx >= 0 && nextSx < len(s) {
			_, n := utf8.DecodeRuneInString(s[nextSx:])
			px = nextPx + 1
			nextSx += n
			sx = nextSx
			continue
		}
		return false
	}
	return true
}
