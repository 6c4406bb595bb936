package engine

import (
	"strings"

	"github.com/vigilsec/vigil/match"
)

// plainLits is how a litIndex with few ASCII "contains" literals matches an
// ASCII value without folding it first: prefixes and suffixes are
// compared at the value's ends, and each contained literal is found by
// searching the value for one of its bytes (its anchor, the rarest by
// anchorRank), with IndexByte, many bytes at a step, and comparing the
// rest ignoring case there. Folding an ASCII value only lowers its
// letters, in place, so a folded literal (lower case, or bytes from 0x80
// that no ASCII value holds) is in the folded value where this finds it.
// Long values (command lines, call traces) are then read once, by
// IndexByte, instead of folded into a copy and run through the automaton.
type plainLits struct {
	anchor []int // per literal of a litIndex: the place of its anchor (contains only)
	// pre are the literals (indices into the litIndex's) a value must
	// begin with, by first byte: those whose first byte is c are
	// pre[preAt[c]:preAt[c+1]], the only ones a value beginning with c
	// (lowered) may hold; suf and sufAt the same for those it must end
	// with, by last byte. A field such as registry.path has dozens of
	// them; a value is compared with a few.
	pre, suf     []int32
	preAt, sufAt [257]int32
	contains     []int32 // the literals it must contain
	always       []int32 // empty literals: every value holds them
}

// maxPlainContains is the most ASCII "contains" literals a field may
// have for plainLits: each is one IndexByte pass over the value.
const maxPlainContains = 6

// newPlainLits returns the plain matcher of x, or nil when x has too
// many contained literals for it.
func newPlainLits(x *litIndex) *plainLits {
	p := &plainLits{anchor: make([]int, len(x.strs))}
	var pre, suf [256][]int32
	n := 0
	for i, l := range x.strs {
		switch op := x.lits[i].op; {
		case l == "":
			p.always = append(p.always, int32(i))
			continue
		case op == match.NeedPrefix:
			pre[l[0]] = append(pre[l[0]], int32(i))
			continue
		case op == match.NeedSuffix:
			suf[l[len(l)-1]] = append(suf[l[len(l)-1]], int32(i))
			continue
		case !match.IsASCII(l):
			// Never in the ASCII values plainLits reads: a pass over
			// each for nothing (the right-to-left override, U+202E, is
			// among many rules' name and path literals).
			continue
		}
		if n++; n > maxPlainContains {
			return nil
		}
		p.contains = append(p.contains, int32(i))
		best := 0
		for j := 1; j < len(l); j++ {
			if anchorRank(l[j]) < anchorRank(l[best]) {
				best = j
			}
		}
		p.anchor[i] = best
	}
	for c := range 256 {
		p.pre = append(p.pre, pre[c]...)
		p.preAt[c+1] = int32(len(p.pre))
		p.suf = append(p.suf, suf[c]...)
		p.sufAt[c+1] = int32(len(p.suf))
	}
	return p
}

// anchorRank orders bytes by how often they occur in the values rules
// test (paths, command lines, names): lower is rarer, so a better
// anchor. Letters come last: they must be searched in both cases.
func anchorRank(c byte) int {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return 6
	case c >= '0' && c <= '9':
		return 4
	case c == ' ', c == '\\':
		return 3
	case c == '.', c == '/', c == '-', c == ':':
		return 2
	case c == '_', c == '=', c == '"':
		return 1
	}
	return 0
}

// match appends to hits the literals of x that ASCII text (not folded)
// holds, each once, as indices into x.lits.
func (p *plainLits) match(x *litIndex, text string, hits []match.LiteralHit) []match.LiteralHit {
	for _, i := range p.always {
		hits = append(hits, match.LiteralHit{Lit: i})
	}
	if text != "" {
		c := match.LowerASCII(text[0])
		for _, i := range p.pre[p.preAt[c]:p.preAt[int(c)+1]] {
			if l := x.strs[i]; len(text) >= len(l) && equalLower(text[:len(l)], l) {
				hits = append(hits, match.LiteralHit{Lit: i})
			}
		}
		c = match.LowerASCII(text[len(text)-1])
		for _, i := range p.suf[p.sufAt[c]:p.sufAt[int(c)+1]] {
			if l := x.strs[i]; len(text) >= len(l) && equalLower(text[len(text)-len(l):], l) {
				hits = append(hits, match.LiteralHit{Lit: i})
			}
		}
	}
	for _, i := range p.contains {
		if containsLower(text, x.strs[i], p.anchor[i]) {
			hits = append(hits, match.LiteralHit{Lit: i})
		}
	}
	return hits
}

// equalLower reports whether s, its ASCII letters lowered, is lit; s and
// lit have the same length.
func equalLower(s, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if match.LowerASCII(s[i]) != lit[i] {
			return false
		}
	}
	return true
}

// containsLower reports whether text, its ASCII letters lowered, holds
// lit, searching for lit[at] (in both cases if it is a letter).
func containsLower(text, lit string, at int) bool {
	n := len(lit)
	if len(text) < n {
		return false
	}
	a := lit[at]
	other := -1 // the upper case of a, when a is a lower-case letter
	if a >= 'a' && a <= 'z' {
		other = int(a - ('a' - 'A'))
	}
	// Candidates for lit[at] lie in text[at : len(text)-(n-1-at)].
	end := len(text) - (n - 1 - at)
	nextA, nextO := -1, -1 // the next places of a and other from i (end+1: none)
	for i := at; i < end; {
		if nextA < i {
			nextA = indexFrom(text[:end], a, i)
		}
		j := nextA
		if other >= 0 {
			if nextO < i {
				nextO = indexFrom(text[:end], byte(other), i)
			}
			j = min(j, nextO)
		}
		if j >= end {
			return false
		}
		if equalLower(text[j-at:j-at+n], lit) {
			return true
		}
		i = j + 1
	}
	return false
}

// indexFrom returns the place of the first c in s from i, or len(s)+1
// (past every candidate) when there is none.
func indexFrom(s string, c byte, i int) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return len(s) + 1
}
