package match

import (
	"cmp"
	"slices"
)

// Conjunct ordering. Predicates have no side effects, so the order of the
// members of a conjunction does not change its result, only how soon it
// fails: these rewrite a predicate so that the members that most often
// fail run first. (They are not event-time reordering, which belongs to
// the runtimes that buffer events.)

// SortConjuncts returns p with the members of every conjunction sorted by
// rank, lowest first (stably): a caller that can estimate how often each
// member holds puts the ones that most often fail first.
func SortConjuncts(p Pred, rank func(Pred) int) Pred {
	switch x := p.(type) {
	case andPred:
		type ranked struct {
			p Pred
			r int
		}
		rs := make([]ranked, len(x))
		for i, c := range x {
			c = SortConjuncts(c, rank)
			rs[i] = ranked{c, rank(c)}
		}
		slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(a.r, b.r) })
		out := make(andPred, len(x))
		for i, r := range rs {
			out[i] = r.p
		}
		return out
	case and2:
		a, b := SortConjuncts(x.a, rank), SortConjuncts(x.b, rank)
		if rank(a) > rank(b) {
			a, b = b, a
		}
		return and2{a, b}
	case orPred:
		out := make(orPred, len(x))
		for i, c := range x {
			out[i] = SortConjuncts(c, rank)
		}
		return out
	case notPred:
		return notPred{SortConjuncts(x.p, rank)}
	}
	return p
}

// BroadLast returns p with the tests of fields for which broad reports
// true moved after the other members of every conjunction. Rules begin
// with conditions such as host.os.type == "windows" or event.type ==
// "start" that hold for most events; testing the selective conditions
// first lets a conjunction fail sooner.
func BroadLast(p Pred, broad func(slot int) bool) Pred {
	return SortConjuncts(p, func(q Pred) int { return broadRank(q, broad) })
}

// broadRank is 1 for a test of a broad field, 0 otherwise.
func broadRank(p Pred, broad func(int) bool) int {
	if slot, ok := fieldOf(p); ok && broad(slot) {
		return 1
	}
	return 0
}

// fieldOf returns the field a leaf predicate tests; ok is false for
// conjunctions, disjunctions, negations, scripts and other packages'
// predicates.
func fieldOf(p Pred) (slot int, ok bool) {
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
