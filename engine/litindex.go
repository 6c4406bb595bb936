package engine

import (
	"bytes"

	"github.com/vigilsec/vigil/eql"
)

// litIndex finds, for a folded value, the rules filed under literals the
// value begins with, ends with or contains.
type litIndex struct {
	lits []litEntry
}

type litEntry struct {
	op   eql.NeedOp
	s    []byte
	ents []entry
}

// litBuilder collects the literals of one field.
type litBuilder struct {
	idx map[litKey]int
	x   litIndex
}

type litKey struct {
	op eql.NeedOp
	s  string
}

func (b *litBuilder) add(op eql.NeedOp, s string, en entry) {
	if b.idx == nil {
		b.idx = map[litKey]int{}
	}
	k := litKey{op, s}
	i, ok := b.idx[k]
	if !ok {
		i = len(b.x.lits)
		b.idx[k] = i
		b.x.lits = append(b.x.lits, litEntry{op: op, s: []byte(s)})
	}
	b.x.lits[i].ents = appendEntry(b.x.lits[i].ents, en)
}

func (b *litBuilder) build() *litIndex { return &b.x }

// match calls fn with the entries of every literal v meets.
func (x *litIndex) match(v []byte, fn func([]entry)) {
	for i := range x.lits {
		l := &x.lits[i]
		var ok bool
		switch l.op {
		case eql.NeedPrefix:
			ok = bytes.HasPrefix(v, l.s)
		case eql.NeedSuffix:
			ok = bytes.HasSuffix(v, l.s)
		default:
			ok = bytes.Contains(v, l.s)
		}
		if ok {
			fn(l.ents)
		}
	}
}
