package eql

import (
	"cmp"
	"slices"
)

// Reorder returns p with the members of every conjunction rearranged so
// that tests of fields for which broad reports true run after the others.
// Rules begin with conditions such as host.os.type == "windows" or
// event.type == "start" that hold for most events; testing the selective
// conditions first lets a conjunction fail sooner. Predicates have no side
// effects, so the order does not change the result.
func Reorder(p Pred, broad func(slot int) bool) Pred {
	switch x := p.(type) {
	case andPred:
		out := make(andPred, len(x))
		for i, c := range x {
			out[i] = Reorder(c, broad)
		}
		slices.SortStableFunc(out, func(a, b Pred) int { return rank(a, broad) - rank(b, broad) })
		return out
	case and2:
		a, b := Reorder(x.a, broad), Reorder(x.b, broad)
		if rank(a, broad) > rank(b, broad) {
			a, b = b, a
		}
		return and2{a, b}
	case orPred:
		out := make(orPred, len(x))
		for i, c := range x {
			out[i] = Reorder(c, broad)
		}
		return out
	case notPred:
		return notPred{Reorder(x.p, broad)}
	}
	return p
}

// rank is 1 for a test of a broad field, 0 otherwise.
func rank(p Pred, broad func(int) bool) int {
	if slot, ok := fieldOf(p); ok && broad(slot) {
		return 1
	}
	return 0
}

// fieldOf returns the field a leaf predicate tests.
func fieldOf(p Pred) (int, bool) {
	switch x := p.(type) {
	case *strPred:
		return x.slot, true
	case *eqPred:
		return x.slot, true
	case *eqFoldPred:
		return x.slot, true
	case existsPred:
		return x.slot, true
	case *cmpPred:
		return x.slot, true
	case *rangePred:
		return x.slot, true
	}
	return 0, false
}

// ReorderBy returns p with the members of every conjunction sorted by
// rank, lowest first (stably): a caller that can estimate how often each
// member holds puts the ones that most often fail first. Predicates have
// no side effects, so the order does not change the result.
func ReorderBy(p Pred, rank func(Pred) int) Pred {
	switch x := p.(type) {
	case andPred:
		type ranked struct {
			p Pred
			r int
		}
		rs := make([]ranked, len(x))
		for i, c := range x {
			c = ReorderBy(c, rank)
			rs[i] = ranked{c, rank(c)}
		}
		slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(a.r, b.r) })
		out := make(andPred, len(x))
		for i, r := range rs {
			out[i] = r.p
		}
		return out
	case and2:
		a, b := ReorderBy(x.a, rank), ReorderBy(x.b, rank)
		if rank(a) > rank(b) {
			a, b = b, a
		}
		return and2{a, b}
	case orPred:
		out := make(orPred, len(x))
		for i, c := range x {
			out[i] = ReorderBy(c, rank)
		}
		return out
	case notPred:
		return notPred{ReorderBy(x.p, rank)}
	}
	return p
}
