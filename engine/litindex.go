package engine

import (
	"strings"

	"github.com/vigilsec/vigil/match"
)

// litIndex finds the literals a folded value begins with, ends with or
// contains, in one pass (match.Literals).
type litIndex struct {
	set   *match.Literals // nil: few literals, tested one by one
	lits  []litEntry
	strs  []string
	plain *plainLits // matches ASCII values unfolded; nil: too many contained literals
}

// fewLits is the number of literals up to which testing each is cheaper
// than a pass of the automaton.
const fewLits = 3

// litEntry is one literal and how a value must hold it.
type litEntry struct {
	op   match.NeedOp // NeedPrefix, NeedSuffix or NeedContains
	n    int          // its length in bytes
	ents []entry
}

// litBuilder collects the literals of one field.
type litBuilder struct {
	idx  map[litKey]int
	keys []litKey
	ents [][]entry
}

type litKey struct {
	op match.NeedOp
	s  string
}

func (b *litBuilder) add(op match.NeedOp, s string, en entry) {
	if b.idx == nil {
		b.idx = map[litKey]int{}
	}
	k := litKey{op, s}
	i, ok := b.idx[k]
	if !ok {
		i = len(b.keys)
		b.idx[k] = i
		b.keys = append(b.keys, k)
		b.ents = append(b.ents, nil)
	}
	b.ents[i] = appendEntry(b.ents[i], en)
}

// build compiles the automaton.
func (b *litBuilder) build() *litIndex {
	x := &litIndex{}
	for i, k := range b.keys {
		x.strs = append(x.strs, k.s)
		x.lits = append(x.lits, litEntry{op: k.op, n: len(k.s), ents: b.ents[i]})
	}
	if len(x.strs) > fewLits {
		x.set = match.NewLiterals(x.strs)
	}
	x.plain = newPlainLits(x)
	return x
}

// match appends to hits the literals v meets, as indices into x.lits.
func (x *litIndex) match(text string, hits []match.LiteralHit) []match.LiteralHit {
	if x.set == nil {
		for i, l := range x.strs {
			var ok bool
			switch x.lits[i].op {
			case match.NeedPrefix:
				ok = strings.HasPrefix(text, l)
			case match.NeedSuffix:
				ok = strings.HasSuffix(text, l)
			default:
				ok = strings.Contains(text, l)
			}
			if ok {
				hits = append(hits, match.LiteralHit{Lit: int32(i)})
			}
		}
		return hits
	}
	start := len(hits)
	hits = x.set.Find(text, hits)
	keep := hits[:start]
	for _, h := range hits[start:] {
		switch l := &x.lits[h.Lit]; l.op {
		case match.NeedPrefix:
			if int(h.End) != l.n {
				continue
			}
		case match.NeedSuffix:
			if int(h.End) != len(text) {
				continue
			}
		}
		keep = append(keep, h)
	}
	return keep
}
