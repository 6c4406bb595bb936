package esql

import (
	"regexp/syntax"
	"unicode/utf8"

	"github.com/vigilsec/vigil/match"
)

// regexGate answers, before a regular expression runs over a text, whether
// it certainly cannot match there: every match holds one of a set of
// literals (found in the pattern's syntax tree), and the text holds none
// of them, case ignored. Rules run REPLACE's regexps over whole script
// blocks, most of which hold none of the pattern's words. A regexGate is
// immutable and safe for concurrent use.
type regexGate struct {
	strs []string        // folded ASCII literals
	lits *match.Literals // their automaton
}

// newRegexGate returns the gate of a parsed, simplified pattern, or nil
// when no literal is needed by every match (one may be empty, or match
// only classes of characters) or a needed literal is not ASCII.
func newRegexGate(re *syntax.Regexp) *regexGate {
	lits, ok := neededLiterals(re)
	if !ok || len(lits) == 0 {
		return nil
	}
	folded := make([]string, 0, len(lits))
	seen := map[string]bool{}
	for _, l := range lits {
		if !match.IsASCII(l) {
			return nil
		}
		f := match.FoldKeyword(l)
		if !seen[f] {
			seen[f] = true
			folded = append(folded, f)
		}
	}
	return &regexGate{strs: folded, lits: match.NewLiterals(folded)}
}

// mayMatch reports false only when the text holds none of the literals.
func (g *regexGate) mayMatch(s string) bool {
	if g == nil {
		return true
	}
	var buf [1]match.LiteralHit
	hits, ok := g.lits.FindFolded(s, buf[:0])
	// A byte from 0x80 stops FindFolded: the regexp decides.
	return !ok || len(hits) > 0
}

// maxGateLits bounds the literals a gate tests: an alternation of more
// is left to the regexp.
const maxGateLits = 64

// neededLiterals returns literals one of which every match of re holds
// (ok false: none known). Case folding in the pattern is ignored: the gate
// compares folded, which only widens what it lets through.
func neededLiterals(re *syntax.Regexp) (lits []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, false
		}
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return nil, false
			}
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture, syntax.OpPlus:
		return neededLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return neededLiterals(re.Sub[0])
	case syntax.OpConcat:
		// The member whose literals are the longest (the shortest of
		// them counts) tells the most.
		best, bestLen := []string(nil), 0
		for _, sub := range re.Sub {
			l, ok := neededLiterals(sub)
			if !ok {
				continue
			}
			if n := shortest(l); n > bestLen || n == bestLen && len(l) < len(best) {
				best, bestLen = l, n
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l, ok := neededLiterals(sub)
			if !ok {
				return nil, false
			}
			all = append(all, l...)
		}
		if len(all) > maxGateLits {
			return nil, false
		}
		return all, true
	}
	return nil, false
}

// shortest returns the length of the shortest string of l.
func shortest(l []string) int {
	n := -1
	for _, s := range l {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}
