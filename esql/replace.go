package esql

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// replacer returns REPLACE's function for a constant pattern: a pattern
// that is one character class (or one character) with a replacement
// holding no group reference is applied rune by rune, which the
// PowerShell-obfuscation rules' counting replaces over whole script
// blocks make worth it; any other through the regexp, unless the text
// holds none of the literals every match needs (regexGate).
func replacer(re *regexp.Regexp, goPattern string) func(s, repl string) string {
	p, err := syntax.Parse(goPattern, syntax.Perl)
	if err != nil {
		return func(s, repl string) string { return re.ReplaceAllString(s, javaReplacement(repl)) }
	}
	p = p.Simplify()
	gate := newRegexGate(p)
	general := func(s, repl string) string {
		if !gate.mayMatch(s) {
			return s // no match: nothing replaced
		}
		return re.ReplaceAllString(s, javaReplacement(repl))
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
	in := func(r rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if r < ranges[i] {
				return false
			}
			if r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	return func(s, repl string) string {
		if strings.ContainsAny(repl, `$\`) {
			return general(s, repl)
		}
		var b strings.Builder
		last := 0 // s[last:i] is not yet written
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			if in(r) {
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
