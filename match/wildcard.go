package match

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
	lit     string    // exact, prefix, suffix, contains
	segs    []string  // segmented: the parts between stars
	runes   []int     // wcGeneral: the runes each part matches (? is one)
	folded  *wildcard // with fold: the folded pattern, for folded values
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
	w := compileWildcardOnly(pattern, fold)
	if fold && w.kind != wcAll {
		// The same pattern folded, matched byte for byte against folded
		// values (see matchFolded).
		w.folded = compileWildcardOnly(foldString(pattern), false)
	}
	return w
}

// matchFolded matches s, given folded as f too: a pattern that ignores
// case matches f with its folded form, byte for byte.
func (w *wildcard) matchFolded(s, f string) bool {
	if w.folded != nil {
		return w.folded.match(f)
	}
	return w.match(s)
}

func compileWildcardOnly(pattern string, fold bool) *wildcard {
	w := &wildcard{pattern: pattern, fold: fold}
	if strings.IndexByte(pattern, '?') >= 0 {
		w.kind = wcGeneral
		w.segs = strings.Split(pattern, "*")
		for _, seg := range w.segs {
			w.runes = append(w.runes, utf8.RuneCountInString(seg))
		}
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
			return EqualFold(s, w.lit)
		}
		return s == w.lit
	case wcAll:
		return true
	case wcPrefix:
		if w.fold {
			return HasPrefixFold(s, w.lit)
		}
		return strings.HasPrefix(s, w.lit)
	case wcSuffix:
		if w.fold {
			return HasSuffixFold(s, w.lit)
		}
		return strings.HasSuffix(s, w.lit)
	case wcContains:
		if w.fold {
			return ContainsFold(s, w.lit)
		}
		return strings.Contains(s, w.lit)
	case wcSegments:
		return w.matchSegments(s)
	}
	return w.matchGeneral(s)
}

// matchGeneral matches a pattern with ? in some of its star-separated
// parts. Each part matches a fixed number of runes, so the first is
// matched at the start, the last at the end, and each middle part at its
// leftmost place after the one before: a later place would only leave
// less room for the rest.
func (w *wildcard) matchGeneral(s string) bool {
	n := len(w.segs)
	end, ok := w.matchAt(s, 0, w.segs[0])
	if !ok {
		return false
	}
	if n == 1 {
		return end == len(s)
	}
	// The last part: as many runes back from the end as it matches.
	start := len(s)
	for range w.runes[n-1] {
		if start <= end {
			return false
		}
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	if start < end {
		return false
	}
	if e, ok := w.matchAt(s, start, w.segs[n-1]); !ok || e != len(s) {
		return false
	}
	// The middle parts, leftmost first, between the two.
	mid := s[:start]
	for _, seg := range w.segs[1 : n-1] {
		if seg == "" {
			continue
		}
		found := false
		for i := end; i <= len(mid); {
			if e, ok := w.matchAt(mid, i, seg); ok {
				end, found = e, true
				break
			}
			if i == len(mid) {
				break
			}
			_, size := utf8.DecodeRuneInString(mid[i:])
			i += size
		}
		if !found {
			return false
		}
	}
	return true
}

// matchAt matches part (literal runes and ?, no *) at byte offset i of s,
// returning where the match ends.
func (w *wildcard) matchAt(s string, i int, part string) (int, bool) {
	for j := 0; j < len(part); {
		if i >= len(s) {
			return 0, false
		}
		pc, sc := part[j], s[i]
		if pc|sc < utf8.RuneSelf {
			if pc != '?' && pc != sc && (!w.fold || lowerASCII[pc] != lowerASCII[sc]) {
				return 0, false
			}
			i++
			j++
			continue
		}
		sr, sn := utf8.DecodeRuneInString(s[i:])
		if pc == '?' {
			i += sn
			j++
			continue
		}
		pr, pn := utf8.DecodeRuneInString(part[j:])
		if pr != sr && (!w.fold || foldRune(pr) != foldRune(sr)) {
			return 0, false
		}
		i += sn
		j += pn
	}
	return i, true
}

// matchSegments matches a*b*c: prefix a, suffix c, and b in order between.
func (w *wildcard) matchSegments(s string) bool {
	first, last := w.segs[0], w.segs[len(w.segs)-1]
	if w.fold {
		if !HasPrefixFold(s, first) {
			return false
		}
		s = s[PrefixLenFold(s, first):]
		if !HasSuffixFold(s, last) {
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
			i = IndexFold(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+PrefixLenFold(s[i:], seg):]
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

// PrefixLenFold returns the byte length in s of a prefix that matched p
// ignoring case (folded runes may differ in width).
func PrefixLenFold(s, p string) int {
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
