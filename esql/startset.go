package esql

import (
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// startSkipper runs a regexp only where a match can begin. Go's regexp
// looks for an unanchored pattern without a literal prefix by running its
// machine over every byte of the text; the PowerShell rules' REPLACE
// patterns (`\$(?:\w+|\w+\:\w+)\[\d++\]...|\.name\[...`) begin with one
// of a few ASCII characters, and a script block of tens of KB holds a few
// thousand of them: the anchored pattern tried at each is several times
// faster. Only patterns whose matches are never empty and that hold no
// assertion (^, $, \b, \A, \z: their answer may depend on the text before
// the match) are run so; the matches are then the regexp's own, leftmost
// first, without overlap.
type startSkipper struct {
	starts   asciiSet       // the bytes a match may begin with
	anchored *regexp.Regexp // the pattern, anchored at the start of the text
}

// maxStarts bounds the bytes a match may begin with for the skipping to
// pay: with more, the candidates come too often.
const maxStarts = 4

// newStartSkipper returns the skipper of goPattern (p its parsed,
// simplified form), or nil when the pattern's matches may be empty, it
// holds an assertion, or may begin with more than maxStarts bytes or a
// byte from 0x80.
func newStartSkipper(p *syntax.Regexp, goPattern string) *startSkipper {
	var sk startSkipper
	nullable, ok := firstBytes(p, &sk.starts)
	if !ok || nullable || !noAssertions(p) {
		return nil
	}
	n := 0
	for c := range utf8.RuneSelf {
		if sk.starts.has(byte(c)) {
			n++
		}
	}
	if n == 0 || n > maxStarts {
		return nil
	}
	re, err := regexp.Compile(`^(?:` + goPattern + `)`)
	if err != nil {
		return nil
	}
	sk.anchored = re
	return &sk
}

// replaceAll replaces each match in s with repl, taken literally, as
// regexp.ReplaceAllLiteralString does.
func (sk *startSkipper) replaceAll(s, repl string) string {
	sp := splicer{s: s}
	for i := 0; i < len(s); {
		at := sk.next(s, i)
		if at < 0 {
			break
		}
		loc := sk.anchored.FindStringIndex(s[at:])
		if loc == nil {
			i = at + 1 // an ASCII byte is one rune
			continue
		}
		end := at + loc[1] // loc[1] > 0: no match is empty
		sp.replace(at, end, repl)
		i = end
	}
	return sp.String()
}

// next returns the index of the first byte of s from i a match may begin
// with, -1 if none.
func (sk *startSkipper) next(s string, i int) int {
	for ; i < len(s); i++ {
		if sk.starts.has(s[i]) {
			return i
		}
	}
	return -1
}

// firstBytes adds to set the first bytes of the non-empty strings p
// matches, and reports whether p matches the empty string; false when
// the first bytes are not all ASCII, or not known.
func firstBytes(p *syntax.Regexp, set *asciiSet) (nullable, ok bool) {
	switch p.Op {
	case syntax.OpNoMatch:
		return false, true
	case syntax.OpEmptyMatch:
		return true, true
	case syntax.OpLiteral:
		if len(p.Rune) == 0 {
			return true, true
		}
		r := p.Rune[0]
		if p.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if !addASCII(set, f, f) {
					return false, false
				}
			}
		}
		return false, addASCII(set, r, r)
	case syntax.OpCharClass:
		for i := 0; i+1 < len(p.Rune); i += 2 {
			if !addASCII(set, p.Rune[i], p.Rune[i+1]) {
				return false, false
			}
		}
		return false, true
	case syntax.OpCapture:
		return firstBytes(p.Sub[0], set)
	case syntax.OpStar, syntax.OpQuest:
		_, ok := firstBytes(p.Sub[0], set)
		return true, ok
	case syntax.OpPlus:
		return firstBytes(p.Sub[0], set)
	case syntax.OpRepeat:
		nullable, ok := firstBytes(p.Sub[0], set)
		return nullable || p.Min == 0, ok
	case syntax.OpConcat:
		for _, sub := range p.Sub {
			nullable, ok := firstBytes(sub, set)
			if !ok {
				return false, false
			}
			if !nullable {
				return false, true
			}
		}
		return true, true
	case syntax.OpAlternate:
		any := false
		for _, sub := range p.Sub {
			nullable, ok := firstBytes(sub, set)
			if !ok {
				return false, false
			}
			any = any || nullable
		}
		return any, true
	}
	return false, false // any character, assertions
}

// addASCII adds the runes lo..hi to set, false when one is not ASCII.
func addASCII(set *asciiSet, lo, hi rune) bool {
	if lo < 0 || hi >= utf8.RuneSelf {
		return false
	}
	for r := lo; r <= hi; r++ {
		set[r>>6] |= 1 << (r & 63)
	}
	return true
}

// noAssertions reports whether p holds no empty-width assertion.
func noAssertions(p *syntax.Regexp) bool {
	switch p.Op {
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return false
	}
	for _, sub := range p.Sub {
		if !noAssertions(sub) {
			return false
		}
	}
	return true
}
