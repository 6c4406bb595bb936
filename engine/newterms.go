package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// newTermsState runs a new_terms rule: an event matching the query alerts
// for each combination of its new_terms fields' values that no matching
// event showed within the rule's history window before it. Kibana asks, at
// each run, whether a term of the look-back window appears in the history
// window [history_window_start, from) and alerts on the first document of
// each new term; over a stream in time order that is "not seen since
// t - history", and a term that alerted counts as seen from then on.
//
// Fields holding arrays give every combination of their values (at most
// maxCombos per event), as Kibana does for multi-field new terms. An event
// that lacks one of the fields has no term.
type newTermsState struct {
	*newTermsKind
	e *Engine
	l *live
	// learnUntil, when set, is the end of the baseline: events before it
	// only record their terms (see Options.NewTermsBaseline).
	learnUntil int64
	seen       termStore
	overflow   int64
	key        []byte
	vals       [][]event.Value
	pick       []int
}

// maxCombos bounds the term combinations taken from one event.
const maxCombos = 100

// newTermsKind is a new_terms rule's compiled form.
type newTermsKind struct {
	r        *rule.Rule
	pred     match.Pred
	slots    []int
	history  int64 // ns
	baseline bool
	max      int
}

// compileNewTerms makes a new_terms rule (see newTermsState).
func compileNewTerms(rs *RuleSet, c *compiled, q *query) (kind, error) {
	r := c.rule
	nt := r.NewTerms
	if nt == nil {
		return nil, fmt.Errorf("%s:%d: new_terms rule without [rule.new_terms]", r.Path, r.Line)
	}
	pred, err := eventQuery(c, q)
	if err != nil {
		return nil, err
	}
	if len(nt.Value) == 0 || len(nt.Value) > 3 {
		return nil, fmt.Errorf("%s:%d: new_terms rule with %d fields (want 1 to 3)", r.Path, r.Line, len(nt.Value))
	}
	for _, f := range nt.Value {
		if f == "" {
			return nil, fmt.Errorf("%s:%d: new_terms rule with an empty field name", r.Path, r.Line)
		}
	}
	history, err := nt.HistoryWindow()
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", r.Path, r.Line, err)
	}
	k := &newTermsKind{r: r, pred: pred, history: int64(history), max: rs.opt.MaxTerms, baseline: rs.opt.NewTermsBaseline}
	for _, f := range nt.Value {
		k.slots = append(k.slots, rs.schema.Slot(f))
	}
	return k, nil
}

func (k *newTermsKind) horizon() time.Duration { return time.Duration(k.history) }

func (k *newTermsKind) newRunner(e *Engine, l *live) runner {
	st := &newTermsState{newTermsKind: k, e: e, l: l, seen: newTermStore()}
	st.vals = make([][]event.Value, len(k.slots))
	st.pick = make([]int, len(k.slots))
	return st
}

func (st *newTermsState) offer(ev *event.Event) {
	if st.pred.Match(ev) {
		st.l.matched++
		st.add(ev)
	}
}

func (st *newTermsState) advance(int64)       {}
func (st *newTermsState) flush()              {}
func (st *newTermsState) active() bool        { return true }
func (st *newTermsState) stats(rs *RuleStats) { rs.Overflow = st.overflow }

// raise emits the alert of one new combination of terms.
func (st *newTermsState) raise(ev *event.Event, terms []event.Value) {
	e := st.e
	e.emit(st.l, ev.Time, func() *alert.Alert {
		return alert.NewTermsAlert(e.rs.fields, st.r, ev.Clone(), terms, e.now())
	})
}

// add records the terms of a matching event and calls emit with each
// combination that is new; terms handed to emit are the caller's.
func (st *newTermsState) add(ev *event.Event) {
	if st.baseline && st.learnUntil == 0 {
		st.learnUntil = ev.Time + st.history
	}
	learning := st.baseline && ev.Time < st.learnUntil
	for i, slot := range st.slots {
		st.vals[i] = st.vals[i][:0]
		ev.Get(slot).Each(func(v event.Value) bool {
			if termValue(v) {
				st.vals[i] = append(st.vals[i], v)
			}
			return false
		})
		if len(st.vals[i]) == 0 {
			return
		}
	}
	clear(st.pick)
	for n := 0; n < maxCombos; n++ {
		if st.observe(ev.Time) && !learning {
			terms := make([]event.Value, len(st.slots))
			for i, p := range st.pick {
				terms[i] = ownValue(st.vals[i][p])
			}
			st.raise(ev, terms)
		}
		if !st.next() {
			return
		}
	}
}

// next advances pick to the next combination, false after the last.
func (st *newTermsState) next() bool {
	for i := len(st.pick) - 1; i >= 0; i-- {
		st.pick[i]++
		if st.pick[i] < len(st.vals[i]) {
			return true
		}
		st.pick[i] = 0
	}
	return false
}

// observe notes the current combination seen at t and reports whether it
// is new: not seen in the history window before t.
func (st *newTermsState) observe(t int64) bool {
	k := st.key[:0]
	for i, p := range st.pick {
		k = appendTermKey(k, st.vals[i][p])
	}
	st.key = k
	last, ok := st.seen.touch(k, t)
	if ok {
		return t-last > st.history
	}
	if st.seen.len() >= st.max {
		st.expire(t)
	}
	if st.seen.len() < st.max {
		st.seen.add(k, t)
	} else {
		st.overflow++ // cannot remember it: it will be new again
	}
	return true
}

// expire forgets terms last seen before the history window of t, oldest
// first, stopping at the first term still in the window: each call costs
// the terms it forgets plus one.
func (st *newTermsState) expire(t int64) {
	for {
		last, ok := st.seen.oldest()
		if !ok || t-last <= st.history {
			return
		}
		st.seen.removeOldest()
	}
}

// termValue reports whether a value can be a term: a scalar that exists.
func termValue(v event.Value) bool {
	switch v.Kind() {
	case event.KindMissing, event.KindNull, event.KindObject, event.KindArray:
		return false
	}
	return true
}

// appendTermKey appends a value to a term key: its kind, so that the
// string "1" and the number 1 differ (numbers are one kind), and its
// text.
func appendTermKey(dst []byte, v event.Value) []byte {
	k := byte(v.Kind())
	if v.Kind() == event.KindFloat {
		k = byte(event.KindInt) // 1 and 1.0 are one term
	}
	dst = append(dst, k)
	dst = append(dst, v.String()...)
	return append(dst, 0)
}

// ownValue copies a value out of the event's buffers.
func ownValue(v event.Value) event.Value {
	if v.Kind() == event.KindString {
		return event.Str(strings.Clone(v.Str()))
	}
	return v
}
