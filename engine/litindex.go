package engine

import (
	"github.com/vigilsec/vigil/eql"
)

// litIndex finds, in one pass over a folded value, the literals it begins
// with, ends with or contains: an Aho-Corasick automaton over the
// literals' bytes, with a dense transition table whose columns are the
// bytes the literals use (any other byte leads back to the start).
type litIndex struct {
	class  [256]uint16 // byte → column; 0 for bytes no literal holds
	cols   int
	next   []int32   // state*cols + column → state
	out    [][]int32 // per state: the literals that end there
	lits   []litEntry
	minLen int // the shortest literal: shorter values cannot meet any
}

// litEntry is one literal and how a value must hold it.
type litEntry struct {
	op   eql.NeedOp // NeedPrefix, NeedSuffix or NeedContains
	n    int        // its length in bytes
	ents []entry
}

// litBuilder collects the literals of one field.
type litBuilder struct {
	idx  map[litKey]int
	keys []litKey
	ents [][]entry
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
		i = len(b.keys)
		b.idx[k] = i
		b.keys = append(b.keys, k)
		b.ents = append(b.ents, nil)
	}
	b.ents[i] = appendEntry(b.ents[i], en)
}

// build compiles the automaton.
func (b *litBuilder) build() *litIndex {
	x := &litIndex{cols: 1, minLen: 1 << 30}
	for _, k := range b.keys {
		for i := 0; i < len(k.s); i++ {
			if x.class[k.s[i]] == 0 {
				x.class[k.s[i]] = uint16(x.cols)
				x.cols++
			}
		}
	}
	// The trie, with -1 for missing edges.
	x.next = make([]int32, x.cols)
	x.out = [][]int32{nil}
	for i := range x.next {
		x.next[i] = -1
	}
	for li, k := range b.keys {
		x.lits = append(x.lits, litEntry{op: k.op, n: len(k.s), ents: b.ents[li]})
		x.minLen = min(x.minLen, len(k.s))
		s := int32(0)
		for i := 0; i < len(k.s); i++ {
			c := int32(x.class[k.s[i]])
			t := x.next[s*int32(x.cols)+c]
			if t < 0 {
				t = int32(len(x.out))
				x.out = append(x.out, nil)
				for range x.cols {
					x.next = append(x.next, -1)
				}
				x.next[s*int32(x.cols)+c] = t
			}
			s = t
		}
		x.out[s] = append(x.out[s], int32(li))
	}
	// Breadth first: failure links become transitions, and each state
	// inherits the outputs of its failure state.
	fail := make([]int32, len(x.out))
	queue := []int32{}
	for c := range x.cols {
		t := x.next[c]
		if t < 0 {
			x.next[c] = 0
			continue
		}
		fail[t] = 0
		queue = append(queue, t)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := range x.cols {
			i := s*int32(x.cols) + int32(c)
			t := x.next[i]
			f := x.next[fail[s]*int32(x.cols)+int32(c)]
			if t < 0 {
				x.next[i] = f
				continue
			}
			fail[t] = f
			if len(x.out[f]) > 0 {
				x.out[t] = append(x.out[t][:len(x.out[t]):len(x.out[t])], x.out[f]...)
			}
			queue = append(queue, t)
		}
	}
	return x
}

// match appends to hits the literals v meets, as indices into x.lits.
func (x *litIndex) match(v []byte, hits []int32) []int32 {
	if len(v) < x.minLen {
		return hits
	}
	s, cols := int32(0), int32(x.cols)
	for i := 0; i < len(v); i++ {
		s = x.next[s*cols+int32(x.class[v[i]])]
		for _, li := range x.out[s] {
			l := &x.lits[li]
			switch l.op {
			case eql.NeedPrefix:
				if i+1 != l.n {
					continue
				}
			case eql.NeedSuffix:
				if i != len(v)-1 {
					continue
				}
			}
			hits = append(hits, li)
		}
	}
	return hits
}
