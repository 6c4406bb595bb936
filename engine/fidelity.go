package engine

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/suppress"
)

// applyExceptions compiles the exception lists a rule references
// (Options.Exceptions) and adds their items to its query as Kibana adds
// them to the rule's search: a negated filter on every event the query
// considers, so an excepted event is invisible to the rule, to each stage
// of a sequence (and its until), to a threshold's count and to a new terms
// history. Items with value list entries are kept for the results
// (compiled.exc.After, see exceptedAlert).
func (rs *RuleSet) applyExceptions(c *compiled, q *query) error {
	// Fields the rule's alerts read: suppression's group_by and the
	// investigation fields the output shows.
	if as := c.rule.AlertSuppression; as != nil {
		if err := checkSuppression(c.rule); err != nil {
			return err
		}
		rs.fields.Add(as.GroupBy...)
	}
	rs.fields.Add(c.rule.InvestigationFields...)
	store := rs.opt.Exceptions
	if store == nil || len(c.rule.ExceptionsList) == 0 {
		return nil
	}
	f, err := store.Compile(c.rule.ExceptionsList, rs.schema)
	if err != nil {
		return err
	}
	c.exc = f
	if f.Search == nil {
		return nil
	}
	keep := match.Not(f.Search)
	if q.prog == nil || q.prog.Kind() == eql.EventQuery {
		q.pred = match.And(q.pred, keep)
		if q.prog != nil {
			q.prog.Pred = q.pred
		}
		return nil
	}
	for _, st := range q.prog.Stages {
		st.Pred = match.And(st.Pred, keep)
	}
	if u := q.prog.Until; u != nil {
		u.Pred = match.And(u.Pred, keep)
	}
	return nil
}

// Exceptions returns what a running rule's exceptions compiled to: nil
// when it refers to no list, or the rule set was compiled without
// Options.Exceptions, or r does not run.
func (rs *RuleSet) Exceptions(r *rule.Rule) *exception.Filter {
	for _, c := range rs.rules {
		if c.rule == r {
			return c.exc
		}
	}
	return nil
}

// exceptedAlert reports whether an item with a value list entry excepts
// one of the alert's events: Kibana checks value lists on the search's
// results, after the search.
func exceptedAlert(f *exception.Filter, a *alert.Alert) bool {
	for _, ev := range a.Events {
		if ev != nil && f.After.Match(ev) {
			return true
		}
	}
	return false
}

// newSuppressor makes a rule's alert suppression state in one engine, or
// nil: kept alerts go to the sink when their window closes, and only
// alerts that open a group count against max_signals.
func (e *Engine) newSuppressor(l *live) *suppress.Suppressor {
	s := suppress.New(l.c.rule, e.rs.schema, e.rs.opt.MaxSuppressionGroups, func(a *alert.Alert) { e.send(l, a.OriginalTime, a) })
	if s == nil {
		return nil
	}
	s.Admit = func(a *alert.Alert) bool {
		if !l.limit.allow(a.OriginalTime) {
			return false
		}
		l.alerts++
		return true
	}
	return s
}

// deliver takes an alert the rule raised at event time t past its value
// list exceptions, its suppression and its max_signals budget to the
// sink; build runs only when the alert can go out.
func (e *Engine) deliver(l *live, t int64, build func() *alert.Alert) {
	exc := l.c.exc
	if l.sup == nil && (exc == nil || exc.After == nil) {
		if !l.limit.allow(t) {
			return
		}
		l.alerts++
		e.send(l, t, build())
		return
	}
	a := build()
	if exc != nil && exc.After != nil && exceptedAlert(exc, a) {
		l.excepted++
		return
	}
	if l.sup != nil {
		l.sup.Add(a)
		return
	}
	if !l.limit.allow(t) {
		return
	}
	l.alerts++
	e.send(l, t, a)
}

// checkSuppression validates a rule's alert_suppression as Kibana does:
// 1 to 5 group_by fields (threshold rules group by their threshold
// fields and may name none), a duration in s, m or h, a known
// missing_fields_strategy.
func checkSuppression(r *rule.Rule) error {
	as := r.AlertSuppression
	n := len(as.GroupBy)
	switch {
	case r.Type != "threshold" && (n < 1 || n > 5):
		return fmt.Errorf("%s:%d: alert_suppression.group_by has %d fields (want 1 to 5)", r.Path, r.Line, n)
	case as.Duration != nil && (as.Duration.Value <= 0 || !strings.Contains("smh", as.Duration.Unit) || len(as.Duration.Unit) != 1):
		return fmt.Errorf("%s:%d: alert_suppression.duration %d%q (want a positive count of s, m or h)", r.Path, r.Line, as.Duration.Value, as.Duration.Unit)
	case as.MissingFieldsStrategy != "" && as.MissingFieldsStrategy != "suppress" && as.MissingFieldsStrategy != "doNotSuppress":
		return fmt.Errorf("%s:%d: alert_suppression.missing_fields_strategy %q (want suppress or doNotSuppress)", r.Path, r.Line, as.MissingFieldsStrategy)
	}
	return nil
}
