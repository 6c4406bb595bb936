package esql

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/vigilsec/vigil/match"
)

// replacer returns REPLACE's function for a constant pattern: a pattern
// that is one character class (or one character) with a replacement
// holding no group reference is applied rune by rune, which the
// PowerShell-obfuscation rules' counting replaces over whole script
// blocks make worth it; any other through the regexp, unless the text
// holds none of the literals every match needs (regexGate), tried only
// where a match may begin when that is a few ASCII characters
// (startSkipper).
func replacer(re *regexp.Regexp, goPattern string) func(s, repl string) string {
	p, err := syntax.Parse(goPattern, syntax.Perl)
	if err != nil {
		return func(s, repl string) string { return re.ReplaceAllString(s, javaReplacement(repl)) }
	}
	p = p.Simplify()
	gate := newRegexGate(p)
	skip := newStartSkipper(p, goPattern)
	general := func(s, repl string) string {
		if !gate.mayMatch(s) {
			return s // no match: nothing replaced
		}
		if skip != nil && !strings.ContainsAny(repl, `$\`) {
			return skip.replaceAll(s, repl)
		}
		return re.ReplaceAllString(s, javaReplacement(repl))
	}
	if lit, ranges, ok := literalRun(p); ok {
		return func(s, repl string) string {
			if strings.ContainsAny(repl, `$\`) {
				return general(s, repl)
			}
			return replaceRuns(s, lit, ranges, repl)
		}
	}
	if before, lit, after, ok := classLiteralClass(p); ok {
		return func(s, repl string) string {
			if strings.ContainsAny(repl, `$\`) {
				return general(s, repl)
			}
			return replaceFlanked(s, before, lit, after, repl)
		}
	}
	var ranges []rune
	switch {
	case p.Op == syntax.OpCharClass:
		ranges = p.Rune
	case p.Op == syntax.OpLiteral && len(p.Rune) == 1 && p.Flags&syntax.FoldCase == 0:
		ranges = []rune{p.Rune[0], p.Rune[0]}
	default:
		return general
	}
	return func(s, repl string) string {
		if strings.ContainsAny(repl, `$\`) {
			return general(s, repl)
		}
		var b strings.Builder
		last := 0 // s[last:i] is not yet written
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			if match.InRanges(ranges, r) {
				if b.Len() == 0 {
					b.Grow(len(s))
				}
				b.WriteString(s[last:i])
				b.WriteString(repl)
				last = i + w
			}
			i += w
		}
		if last == 0 {
			return s
		}
		b.WriteString(s[last:])
		return b.String()
	}
}

// literalRun reports whether p is a literal followed by a greedy run of
// one character class (`\n\s+`, which the PowerShell rules use to
// squeeze indentation), and returns the literal and the class.
func literalRun(p *syntax.Regexp) (lit string, ranges []rune, ok bool) {
	if p.Op != syntax.OpConcat || len(p.Sub) != 2 {
		return "", nil, false
	}
	l, run := p.Sub[0], p.Sub[1]
	if l.Op != syntax.OpLiteral || l.Flags&syntax.FoldCase != 0 || run.Op != syntax.OpPlus ||
		run.Flags&syntax.NonGreedy != 0 || run.Sub[0].Op != syntax.OpCharClass {
		return "", nil, false
	}
	for _, r := range l.Rune {
		if r == utf8.RuneError {
			return "", nil, false // the regexp reads each invalid byte as one
		}
	}
	return string(l.Rune), run.Sub[0].Rune, true
}

// replaceRuns replaces in s each leftmost match of lit followed by one or
// more runes in ranges, taken greedily, with repl: what the regexp does,
// found with strings.Index instead of the regexp's machine over the
// whole text.
func replaceRuns(s, lit string, ranges []rune, repl string) string {
	sp := splicer{s: s}
	for i := 0; ; {
		k := strings.Index(s[i:], lit)
		if k < 0 {
			break
		}
		at := i + k
		end := at + len(lit)
		for end < len(s) {
			r, w := utf8.DecodeRuneInString(s[end:])
			if !match.InRanges(ranges, r) {
				break
			}
			end += w
		}
		if end == at+len(lit) {
			i = at + 1 // no run: the next match starts further on
			continue
		}
		sp.replace(at, end, repl)
		i = end
	}
	return sp.String()
}

// splicer writes s with spans replaced, left to right, and allocates only
// once one is.
type splicer struct {
	s    string
	b    strings.Builder
	done int  // s[done:] is not yet written
	any  bool // a span was replaced
}

// replace writes s up to from, then repl for s[from:to].
func (p *splicer) replace(from, to int, repl string) {
	if !p.any {
		p.b.Grow(len(p.s))
		p.any = true
	}
	p.b.WriteString(p.s[p.done:from])
	p.b.WriteString(repl)
	p.done = to
}

// String returns s with the spans replaced: s itself when none was.
func (p *splicer) String() string {
	if !p.any {
		return p.s
	}
	p.b.WriteString(p.s[p.done:])
	return p.b.String()
}

// classLiteralClass reports whether p is an ASCII literal between two
// classes of ASCII characters that hold none of its bytes (the
// PowerShell rules' backquote between word characters), and returns the
// classes as byte sets and the literal.
func classLiteralClass(p *syntax.Regexp) (before *asciiSet, lit string, after *asciiSet, ok bool) {
	if p.Op != syntax.OpConcat || len(p.Sub) != 3 {
		return nil, "", nil, false
	}
	l := p.Sub[1]
	if l.Op != syntax.OpLiteral || l.Flags&syntax.FoldCase != 0 {
		return nil, "", nil, false
	}
	before, ok1 := newASCIISet(p.Sub[0])
	after, ok2 := newASCIISet(p.Sub[2])
	if !ok1 || !ok2 {
		return nil, "", nil, false
	}
	for _, r := range l.Rune {
		if r >= utf8.RuneSelf || before.has(byte(r)) || after.has(byte(r)) {
			return nil, "", nil, false
		}
	}
	return before, string(l.Rune), after, true
}

// asciiSet is a set of ASCII bytes.
type asciiSet [2]uint64

// newASCIISet returns the set of a character class of ASCII characters
// only.
func newASCIISet(p *syntax.Regexp) (*asciiSet, bool) {
	if p.Op != syntax.OpCharClass {
		return nil, false
	}
	var set asciiSet
	for i := 0; i+1 < len(p.Rune); i += 2 {
		lo, hi := p.Rune[i], p.Rune[i+1]
		if hi >= utf8.RuneSelf {
			return nil, false
		}
		for r := lo; r <= hi; r++ {
			set[r>>6] |= 1 << (r & 63)
		}
	}
	return &set, true
}

func (s *asciiSet) has(c byte) bool { return c < utf8.RuneSelf && s[c>>6]&(1<<(c&63)) != 0 }

// replaceFlanked replaces in s each match of one byte of before, lit and
// one byte of after with repl, as the regexp does: leftmost first, not
// overlapping. No byte of lit is in either set, so each match is found
// from the one place of lit it holds; a byte from 0x80 is in neither set
// and never inside a rune the regexp would read across an ASCII byte.
func replaceFlanked(s string, before *asciiSet, lit string, after *asciiSet, repl string) string {
	sp := splicer{s: s}
	for i := 0; ; {
		k := strings.Index(s[i:], lit)
		if k < 0 {
			break
		}
		at := i + k
		start, end := at-1, at+len(lit)+1
		i = at + 1
		if start < sp.done || end > len(s) || !before.has(s[start]) || !after.has(s[end-1]) {
			continue
		}
		sp.replace(start, end, repl)
		i = end
	}
	return sp.String()
}
