package esql

import (
	"regexp"
	"regexp/syntax"
	"slices"

	"github.com/vigilsec/vigil/match"
)

// regexGate answers, before a regular expression runs over a text, whether
// it certainly cannot match there: every match holds one of a set of
// literals (found in the pattern's syntax tree), and the text holds none
// of them, case ignored. A pattern that is a sequence of parts has such a
// set for each part that needs one, and the text must hold one literal of
// each: the pattern the PowerShell rules find ${a`b`c} with needs "${" and
// a backquote, and most scripts with "${" hold no backquote. Rules run
// REPLACE's regexps over whole script blocks, most of which hold none of
// the pattern's words. A regexGate is immutable and safe for concurrent
// use.
type regexGate struct {
	lits *match.Literals // gateLiterals' automaton
	// parts are the automatons of the other sets of the parts of a
	// sequence, each also needed.
	parts []*match.Literals
}

// newRegexGate returns the gate of a parsed, simplified pattern, or nil
// when gateLiterals finds none.
func newRegexGate(re *syntax.Regexp) *regexGate {
	lits := gateLiterals(re)
	if lits == nil {
		return nil
	}
	g := &regexGate{lits: match.NewLiterals(lits)}
	if re.Op != syntax.OpConcat {
		return g
	}
	seen := [][]string{lits}
	for _, sub := range re.Sub {
		pl := gateLiterals(sub)
		if pl == nil || slices.ContainsFunc(seen, func(o []string) bool { return slices.Equal(o, pl) }) {
			continue
		}
		seen = append(seen, pl)
		g.parts = append(g.parts, match.NewLiterals(pl))
	}
	return g
}

// gateLiterals returns the folded literals, sorted and distinct, one of
// which every match of a parsed, simplified pattern holds (see
// match.RegexLiterals); nil when no literal is needed by every match (one
// may be empty, or match only classes of characters) or there are more
// than maxGateLits.
func gateLiterals(re *syntax.Regexp) []string {
	lits, ok := match.RegexLiterals(re)
	if !ok || len(lits) == 0 || len(lits) > maxGateLits {
		return nil
	}
	return slices.Compact(slices.Sorted(slices.Values(lits)))
}

// maxGateLits bounds the literals a gate looks for: an alternation of
// more is left to the regexp.
const maxGateLits = 64

// mayMatch reports false only when the text holds none of the literals
// of one of the gate's sets.
func (g *regexGate) mayMatch(s string) bool {
	if g == nil {
		return true
	}
	if !holdsOne(g.lits, s) {
		return false
	}
	for _, p := range g.parts {
		if !holdsOne(p, s) {
			return false
		}
	}
	return true
}

// holdsOne reports false only when s holds none of the literals.
func holdsOne(lits *match.Literals, s string) bool {
	var buf [1]match.LiteralHit
	hits, ok := lits.FindFolded(s, buf[:0])
	// A byte from 0x80 stops FindFolded: the regexp decides.
	return !ok || len(hits) > 0
}

// gatedMatch returns re.MatchString behind re's gate: RLIKE runs whole
// command lines through regexps whose every match needs one of a few
// words, and most lines hold none of them.
func gatedMatch(re *regexp.Regexp) func(string) bool {
	p, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return re.MatchString
	}
	gate := newRegexGate(p.Simplify())
	if gate == nil {
		return re.MatchString
	}
	return func(s string) bool { return gate.mayMatch(s) && re.MatchString(s) }
}
