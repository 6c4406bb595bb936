package engine

import "sync"

// Evaluation on arrival: a rule that judges each event alone, keeping no
// state between events, raises the same alerts whatever order its events
// come in; only max_signals, which keeps the first alerts of an interval,
// sees the order. A service can run such rules on each event as it
// arrives and hold back, within its lateness window, only the events the
// other rules need in event-time order.

// Stateless reports whether a compiled rule judges each event alone: an
// event query (KQL, EQL, Sigma) without alert suppression. Sequences,
// samples, thresholds, new terms, threat matches, ES|QL rules and Sigma
// correlations keep state, or decide by time.
func (c *compiled) stateless() bool {
	if c.rule.AlertSuppression != nil {
		return false
	}
	_, ok := c.kind.(*eventKind)
	return ok
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
