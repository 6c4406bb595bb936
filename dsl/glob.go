package dsl

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/match"
)

// glob is a compiled wildcard pattern: literal code points, * (any run of
// code points, possibly empty) and ? (exactly one). It is the form both
// Lucene's wildcard syntax (with \ escapes) and KQL's wildcards (* only,
// ? literal) are compiled to.
type glob struct {
	elems []rune // literal runes, with anyRun and anyOne for the wildcards
	fold  bool   // compare ignoring case (Lucene's case_insensitive)
	lower bool   // lowercase the subject first (the pattern is lowercase)
	// Fast forms, when the pattern allows.
	kind   globKind
	lit    string // exact, prefix, suffix, contains
	simple bool   // no ? and no folding: segments match with strings functions
	segs   []string
}

const (
	anyRun rune = -1
	anyOne rune = -2
)

type globKind uint8

const (
	globGeneral globKind = iota
	globAll
	globExact
	globPrefix
	globSuffix
	globContains
)

// newGlob compiles elems (literal runes and anyRun, anyOne).
func newGlob(elems []rune, fold, lower bool) *glob {
	g := &glob{elems: elems, fold: fold, lower: lower}
	stars, ones := 0, 0
	for _, e := range elems {
		switch e {
		case anyRun:
			stars++
		case anyOne:
			ones++
		}
	}
	if fold || ones > 0 {
		return g
	}
	var b strings.Builder
	var segs []string
	for _, e := range elems {
		if e == anyRun {
			segs = append(segs, b.String())
			b.Reset()
			continue
		}
		b.WriteRune(e)
	}
	segs = append(segs, b.String())
	g.simple, g.segs = true, segs
	switch {
	case stars == 0:
		g.kind, g.lit = globExact, segs[0]
	case allEmpty(segs):
		g.kind = globAll
	case stars == 1 && segs[1] == "":
		g.kind, g.lit = globPrefix, segs[0]
	case stars == 1 && segs[0] == "":
		g.kind, g.lit = globSuffix, segs[1]
	case stars == 2 && segs[0] == "" && segs[2] == "":
		g.kind, g.lit = globContains, segs[1]
	}
	return g
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

// match reports whether the pattern matches all of s.
func (g *glob) match(s string) bool {
	if g.simple && !g.lower {
		switch g.kind {
		case globAll:
			return true
		case globExact:
			return s == g.lit
		case globPrefix:
			return strings.HasPrefix(s, g.lit)
		case globSuffix:
			return strings.HasSuffix(s, g.lit)
		case globContains:
			return strings.Contains(s, g.lit)
		}
		return matchSegments(g.segs, s)
	}
	if g.kind == globAll {
		return true
	}
	return g.matchRunes(s)
}

// matchSegments matches a*b*c: prefix a, suffix c and the middle parts in
// order between them.
func matchSegments(segs []string, s string) bool {
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// matchRunes matches code point by code point with the single-backtrack
// algorithm: O(len(s)·len(pattern)) at worst.
func (g *glob) matchRunes(s string) bool {
	p := g.elems
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch e := p[px]; e {
			case anyRun:
				nextPx, nextSx = px, sx
				px++
				continue
			case anyOne:
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += n
					continue
				}
			default:
				if sx < len(s) {
					r, n := utf8.DecodeRuneInString(s[sx:])
					if g.runeEq(r, e) {
						px++
						sx += n
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

func (g *glob) runeEq(r, e rune) bool {
	if g.lower {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		} else {
			r = unicode.ToLower(r)
		}
	}
	return r == e || g.fold && foldRune(r) == foldRune(e)
}

// foldRune returns the smallest member of r's simple case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if m < utf8.RuneSelf && 'A' <= m && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
}

// luceneWildcard parses Lucene's wildcard syntax: * and ? are wildcards, a
// backslash makes the next character literal (a trailing backslash stands
// for itself).
func luceneWildcard(p string) []rune {
	var out []rune
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		switch r {
		case '*':
			out = append(out, anyRun)
		case '?':
			out = append(out, anyOne)
		case '\\':
			if i+n < len(p) {
				r2, n2 := utf8.DecodeRuneInString(p[i+n:])
				out = append(out, r2)
				i += n + n2
				continue
			}
			out = append(out, r)
		default:
			out = append(out, r)
		}
		i += n
	}
	return out
}

// starParts builds a pattern from literal parts with a * between each two:
// KQL's wildcards ("a*b" is {"a", "b"}; ? is literal).
func starParts(parts []string) []rune {
	var out []rune
	for i, p := range parts {
		if i > 0 {
			out = append(out, anyRun)
		}
		out = append(out, []rune(p)...)
	}
	return out
}

// eqlPattern returns the pattern in the syntax of match.Wildcard (* and ?
// wildcards, everything else literal) when it can be written so: when no
// literal * or ? would have to be.
func eqlPattern(elems []rune) (string, bool) {
	var b strings.Builder
	for _, e := range elems {
		switch e {
		case anyRun:
			b.WriteByte('*')
		case anyOne:
			b.WriteByte('?')
		case '*', '?':
			return "", false
		default:
			b.WriteRune(e)
		}
	}
	return b.String(), true
}

// lowerElems lowercases the literal runes of a pattern.
func lowerElems(elems []rune) []rune {
	out := make([]rune, len(elems))
	for i, e := range elems {
		if e >= 0 {
			e = unicode.ToLower(e)
		}
		out[i] = e
	}
	return out
}

// Needs implements match.Needer: a value the pattern matches holds one of its
// literal runs (begins with the first, ends with the last), and a value
// at all. Runs that the text of a number could hold are not used, as the
// index renders floating-point numbers differently from this package.
func (p *globPred) Needs(score func(match.Need) int) ([]match.Need, bool) {
	best := match.Need{Slot: p.slot, Op: match.NeedExists}
	bestScore := score(best)
	consider := func(op match.NeedOp, run []rune) {
		lit := match.FoldKeyword(string(run))
		if len(run) == 0 || !strings.ContainsFunc(lit, notInNumber) {
			return
		}
		n := match.Need{Slot: p.slot, Op: op, Lit: lit}
		if s := score(n); s < bestScore {
			best, bestScore = n, s
		}
	}
	elems := p.g.elems
	start := 0
	for i := 0; i <= len(elems); i++ {
		if i < len(elems) && elems[i] != anyRun && elems[i] != anyOne {
			continue
		}
		op := match.NeedContains
		switch {
		case start == 0 && i == len(elems):
			op = match.NeedEqual
		case start == 0:
			op = match.NeedPrefix
		case i == len(elems):
			op = match.NeedSuffix
		}
		consider(op, elems[start:i])
		start = i + 1
	}
	return []match.Need{best}, true
}

// notInNumber reports whether r can occur in no folded text of a number
// or boolean, in Go's or Java's notation (NaN, Infinity, 1e+21, 1.0E21).
func notInNumber(r rune) bool { return !strings.ContainsRune("0123456789.e+-naifty", r) }
