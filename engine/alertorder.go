package engine

import (
	"slices"

	"github.com/vigilsec/vigil/alert"
)

// The order of alerts is defined so that it does not depend on how the
// rules are spread over engines: alerts come in the order of the event
// whose processing raised them (then those an Advance raised after it,
// then those of Flush), and alerts of one such step in the order of their
// rules in the rule set Compile made; a rule's alerts of one step keep
// the order it raised them in. A single engine puts each step's alerts in
// that order before they reach the sink; Parallel merges its engines'
// steps into the same order.

// emitted is an alert on its way out of an engine: the rule's place in
// the rule set (compiled.order) and the event time its max_signals budget
// was charged at.
type emitted struct {
	order int
	t     int64
	a     *alert.Alert
}

// send queues an alert of rule l until the step raising it ends.
func (e *Engine) send(l *live, t int64, a *alert.Alert) {
	e.pend = append(e.pend, emitted{order: l.c.order, t: t, a: a})
}

// release ends a step: its alerts go out in rule order.
func (e *Engine) release() {
	if len(e.pend) == 0 {
		return
	}
	if len(e.pend) > 1 {
		slices.SortStableFunc(e.pend, func(a, b emitted) int { return a.order - b.order })
	}
	if e.collect != nil {
		e.collect(e.pend)
	} else {
		for _, p := range e.pend {
			e.sink.Alert(p.a)
		}
	}
	clear(e.pend)
	e.pend = e.pend[:0]
}
