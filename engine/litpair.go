package engine

import (
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Rules with two requirements. Most Sigma rules (and many Elastic ones)
// are a conjunction of selections on different fields — an image and a
// command line, a target object and its details — and the index files
// a rule under one of them only: every event of that image then reaches
// the rule, which fails on the other. A rule whose query has a second
// selective requirement (RuleSet.secondRequirement) is filed under both:
// its first requirement's entries (pairFirst) offer it, its second's
// (pairSecond) only mark that the event meets that requirement. The
// index walks an event's fields in its own order, so a first entry met
// before the mark waits in the engine's list until the walk ends. The
// second requirement is necessary like the first, so no match is lost.

// Entry kinds of rules filed under two requirements (entry.pair).
const (
	pairFirst  = 1 // offers the rule, once the second requirement is met
	pairSecond = 2 // marks that the event meets the second requirement
)

// pairState is an engine's per-event record of rules with two
// requirements: by rule (compiled.idx), the Process call (Engine.gen)
// that last met the second requirement and that last met the first
// without it, and the rules waiting for the second.
type pairState struct {
	met     []uint64
	wait    []uint64
	waiting []int
}

// offerPair handles one entry of a rule filed under two requirements.
func (e *Engine) offerPair(en entry, ev *event.Event, mask uint64) {
	p := &e.pairs
	if len(p.met) != len(e.live) {
		p.met = make([]uint64, len(e.live))
		p.wait = make([]uint64, len(e.live))
	}
	if en.unless != 0 && ev.Get(int(en.unless-1)).Kind() != event.KindMissing {
		return // a fallback's need, for events without the field read first
	}
	if en.pair == pairSecond {
		p.met[en.r] = e.gen
		return
	}
	if e.seen[en.r] == e.gen || p.wait[en.r] == e.gen || !en.wants(mask) {
		return
	}
	if p.met[en.r] == e.gen {
		e.offerBoth(e.live[en.r], ev)
		return
	}
	p.wait[en.r] = e.gen
	p.waiting = append(p.waiting, en.r)
}

// offerBoth offers ev to a rule filed under two requirements, which ev
// meets both of; a Judge records the offer (recordRule).
func (e *Engine) offerBoth(l *live, ev *event.Event) {
	if e.judging != nil {
		e.recordRule(l, ev)
		return
	}
	e.seen[l.c.idx] = e.gen
	e.offer(l, ev)
}

// offerWaiting offers ev to the rules that met their first requirement
// before their second was met, if it was, once the index's walk is done.
func (e *Engine) offerWaiting(ev *event.Event) {
	p := &e.pairs
	for _, r := range p.waiting {
		if p.met[r] == e.gen && e.seen[r] != e.gen {
			e.offerBoth(e.live[r], ev)
		}
	}
	p.waiting = p.waiting[:0]
}

// routeShape is what a route's index holds of each field (by slot) under
// the rules' first requirements: whether a value is looked up whole or by
// number, and how many literals it is searched for. A second requirement
// is filed where checking it adds no pass over a value: its fields are
// searched already, and in the same way (see cheap).
type routeShape map[int]*fieldShape

type fieldShape struct {
	exact, nums bool
	contains    int // "contains" literals
	affixes     int // prefixes and suffixes
}

// shapeOf returns the shape of a route's index over rules.
func shapeOf(rules []*compiled) routeShape {
	sh := routeShape{}
	for _, r := range rules {
		for _, f := range r.filings {
			for _, n := range f.req {
				fs := sh[n.Slot]
				if fs == nil {
					fs = &fieldShape{}
					sh[n.Slot] = fs
				}
				switch n.Op {
				case match.NeedEqual:
					fs.exact = true
				case match.NeedNumber:
					fs.nums = true
				case match.NeedContains:
					fs.contains++
				case match.NeedPrefix, match.NeedSuffix:
					fs.affixes++
				}
			}
		}
	}
	return sh
}

// second returns the first of a rule's second requirements whose needs
// the route checks cheaply, or nil.
func (sh routeShape) second(reqs []requirement) requirement {
	for _, r := range reqs {
		if sh.cheap(r) {
			return r
		}
	}
	return nil
}

// cheap reports whether the index finds the needs of r as it looks up
// its fields' values for first requirements: a value looked up whole
// already (or searched for literals, which folds it), a number looked up
// already, a prefix or suffix of a field searched for literals (compared
// at the value's ends, or found by the automaton), a contained literal of
// a field whose literals the automaton finds already (plainLits would
// search the value once more for it). A fallback's presence (Sigma's ECS
// fields) costs nothing on records that hold the field read first.
func (sh routeShape) cheap(r requirement) bool {
	for _, n := range r {
		if n.Op == match.NeedExists {
			continue // a fallback's (see secondRequirements)
		}
		fs := sh[n.Slot]
		if fs == nil {
			return false
		}
		lits := fs.contains+fs.affixes > 0
		switch n.Op {
		case match.NeedEqual:
			if !fs.exact && !lits {
				return false
			}
		case match.NeedNumber:
			if !fs.nums {
				return false
			}
		case match.NeedPrefix, match.NeedSuffix:
			if !lits {
				return false
			}
		case match.NeedContains:
			if fs.contains <= maxPlainContains {
				return false
			}
		}
	}
	return true
}
