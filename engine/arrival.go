package engine

import (
	"sync"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Evaluation on arrival: a rule that judges each event alone, keeping no
// state between events, raises the same alerts whatever order its events
// come in; only max_signals, which keeps the first alerts of an interval,
// sees the order. A service can run such rules on each event as it
// arrives and hold back, within its lateness window, only the events the
// other rules need in event-time order.

// Stateless reports whether a compiled rule judges each event alone: an
// event query (KQL, EQL, Sigma) or an ES|QL query whose commands all work
// row by row (one alert per source document), without alert suppression.
// Sequences, samples, thresholds, new terms, threat matches, ES|QL rules
// with STATS or another blocking command and Sigma correlations keep
// state, or decide by time.
func (c *compiled) stateless() bool {
	if c.rule.AlertSuppression != nil {
		return false
	}
	switch k := c.kind.(type) {
	case *eventKind:
		return true
	case *esqlKind:
		return k.mode == esqlEvents
	}
	return false
}

// SplitArrival divides the rule set into the rules that judge each event
// alone (see the note above), which may run on events in arrival order,
// and the others, which need them in event-time order. Both are rule sets
// over the same schema and options, the rules in their original order
// (numbered from 0 in each: they are run as rule sets of their own).
// The split is computed once; later calls return the same rule sets.
func (rs *RuleSet) SplitArrival() (arrival, ordered *RuleSet) {
	rs.arrivalOnce.Do(func() {
		var a, o []*compiled
		for _, c := range rs.rules {
			if c.stateless() {
				a = append(a, c)
			} else {
				o = append(o, c)
			}
		}
		rs.arrival, rs.ordered = rs.subset(a), rs.subset(o)
		// Each is a rule set of its own (an engine.Parallel may run
		// it, which places rules by compiled.order): the rules are
		// numbered afresh, keeping their relative order.
		for _, sub := range []*RuleSet{rs.arrival, rs.ordered} {
			for i, c := range sub.rules {
				c.order = i
			}
		}
	})
	return rs.arrival, rs.ordered
}

// arrivalState is what SplitArrival computes once.
type arrivalState struct {
	arrivalOnce      sync.Once
	arrival, ordered *RuleSet
}

// Filter tells, for a rule set, whether an event could reach any of its
// rules: the rule index's answer (index patterns, field needs, category
// prefilter), without running a rule. An event no rule is filed for
// changes no rule's state, so a service ordering events for stateful
// rules needs to hold only the events Wants accepts; the others only move
// event time on. A Filter is used by one goroutine.
type Filter struct {
	rs     *RuleSet
	index  string
	route  *routeSet
	keyBuf []byte
	hits   []match.LiteralHit
}

// NewFilter returns a Filter for the rule set.
func (rs *RuleSet) NewFilter() *Filter { return &Filter{rs: rs} }

// Wants reports whether the engine would offer ev to some rule, taking
// every filing (also a sequence's later stages, whichever state it is
// in) and every indicator of a threat_match rule.
func (f *Filter) Wants(ev *event.Event) bool {
	if f.rs.opt.NoIndex {
		return len(f.rs.rules) > 0
	}
	if f.route == nil || f.index != ev.Index {
		f.route, f.index = f.rs.routeOf(ev.Index), ev.Index
	}
	rs := f.route
	if len(rs.threats) > 0 || rs.sourced {
		// Rules routed by channel and event id (Sigma) are taken to
		// want the event: their routes are not consulted here.
		return true
	}
	mask := f.rs.cats.mask(ev.Get(f.rs.catSlot))
	if f.any(rs.always, mask) {
		return true
	}
	// The event's few values find their fields in the index (as
	// Engine.process does); order does not matter here.
	if slots, vals, ok := ev.Filled(); ok {
		for j, slot := range slots {
			if uint(slot) < uint(len(rs.fieldOf)) {
				if i := rs.fieldOf[slot]; i > 0 && f.field(&rs.fields[i-1], vals[j], ev, mask) {
					return true
				}
			}
		}
		return false
	}
	for i := range rs.fields {
		if f.field(&rs.fields[i], ev.Get(rs.fields[i].slot), ev, mask) {
			return true
		}
	}
	return false
}

// field is Wants for one indexed field, whose value in ev is v.
func (f *Filter) field(fi *fieldIndex, v event.Value, ev *event.Event, mask uint64) bool {
	if v.Kind() == event.KindMissing || fi.skips(mask) {
		return false
	}
	if fi.exists != nil && v.Exists() && f.any(fi.exists, mask) {
		return true
	}
	if fi.exact == nil && fi.lits == nil && fi.nums == nil {
		return false
	}
	if v.Kind() == event.KindArray {
		for i, el := range v.Array() {
			if f.byValue(fi, i, el, ev, mask) {
				return true
			}
		}
		return false
	}
	return f.byValue(fi, 0, v, ev, mask)
}

// byValue is Wants for one value of a field (Engine.offerByValue).
func (f *Filter) byValue(fi *fieldIndex, elem int, v event.Value, ev *event.Event, mask uint64) bool {
	if fi.nums != nil {
		if n, ok := match.NumberKey(v); ok && f.any(fi.nums[n], mask) {
			return true
		}
	}
	if fi.exact == nil && fi.lits == nil {
		return false
	}
	key, ok := fi.key(elem, v, ev, &f.keyBuf)
	if !ok {
		return false
	}
	if fi.exact != nil && fi.lens.has(len(key)) && f.any(fi.exact[key], mask) {
		return true
	}
	if fi.lits != nil {
		f.hits = fi.lits.match(key, f.hits[:0])
		for _, h := range f.hits {
			if f.any(fi.lits.lits[h.Lit].ents, mask) {
				return true
			}
		}
	}
	return false
}

// any reports whether one of the entries' rules takes events of the
// categories in mask.
func (f *Filter) any(ents []entry, mask uint64) bool {
	for _, en := range ents {
		if en.wants(mask) {
			return true
		}
	}
	return false
}

// Held offers. A Judge records the rules the index offers an event to,
// to be offered it in order; an event with none travels on as a tick,
// its storage reused at once. Some offers are rarely made in order,
// yet a Judge cannot know they will not be:
//
//   - those of an event filed under a later stage of a sequence, made
//     only if the sequence then waits for that stage (runner.active):
//     over the ECS corpus with the Windows rules, 3 of the 6k events
//     kept for them alone were offered;
//   - those of an indicator match rule, which does nothing without an
//     indicator, and most hunts give it none (no --indicators, no event
//     of its threat_index); but an input not yet read, or the rest of
//     one being read, may hold one older than the event judged. 81k of
//     the 116k events kept whole over the ECS corpus were kept for two
//     such rules alone.
//
// So a Judge holds them (event.Verdict.Held): an event with no other
// use travels on as a held tick, which keeps only a snapshot of its
// record (order's held ticks, which share the record's chunk) and its
// offers, and in order, where it is known whether they are to be made,
// the event is decoded again only if one is.

// held reports whether a Judge's offer of a rule that is not filed by
// a later stage is held: an indicator match rule for which no engine
// has kept an indicator yet. A rule armed by another engine over the
// same rule set is only offered the whole event, as before.
func held(c *compiled) bool {
	k, ok := c.kind.(*threatKind)
	return ok && !k.armed.Load()
}

// offerHeld makes, in order, the offers of a held tick (see held) that
// are to be made: those of a later stage only while the sequence waits
// for one, as Arrived.Process makes them; those of an indicator match
// rule without an indicator are only counted, as threatState.offer
// would do nothing more. For the others the event is decoded again from
// the tick's snapshot, once. If that fails (it should not: the record
// was decoded before), the offers due are counted as lost, per rule.
func (e *Engine) offerHeld(snap *event.Event) {
	var ev *event.Event
	var err error
	for _, o := range snap.Verdict.Offers {
		l := e.due(o)
		if l == nil {
			continue
		}
		if ts, ok := l.run.(*threatState); ok && ts.indicators == 0 {
			l.offered++
			continue
		}
		if ev == nil && err == nil {
			ev, err = e.rs.schema.Restore(snap)
		}
		if err != nil {
			l.lost++
			continue
		}
		e.offer(l, ev)
	}
}
