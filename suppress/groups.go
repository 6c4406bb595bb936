package suppress

import (
	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
)

// maxCombos bounds the groups one alert's arrays can put it in.
const maxCombos = 100

// groupsOf returns the groups an alert belongs to, each as its terms; a
// nil entry means the alert is not suppressed (doNotSuppress with a
// missing field).
func (s *Suppressor) groupsOf(a *alert.Alert) [][]alert.Term {
	switch {
	case s.kind == threshold:
		if a.Threshold == nil {
			return [][]alert.Term{nil}
		}
		return [][]alert.Term{append([]alert.Term(nil), a.Threshold.Terms...)}
	case len(a.Events) > 1:
		return [][]alert.Term{s.sequenceTerms(a)}
	}
	ev := firstEvent(a)
	if ev == nil {
		return [][]alert.Term{nil}
	}
	vals := make([][]event.Value, len(s.slots))
	for i, slot := range s.slots {
		v := ev.Get(slot)
		switch {
		case v.IsNull() || v.Kind() == event.KindArray && len(v.Array()) == 0:
			if !s.suppress {
				return [][]alert.Term{nil}
			}
			vals[i] = []event.Value{event.Null()}
		case v.Kind() == event.KindArray && s.kind == perElement:
			vals[i] = v.Array()
		default:
			vals[i] = []event.Value{v}
		}
	}
	// Every combination of the fields' values, in order.
	var out [][]alert.Term
	pick := make([]int, len(vals))
	for len(out) < maxCombos {
		terms := make([]alert.Term, len(vals))
		for i, p := range pick {
			terms[i] = alert.Term{Field: s.fields[i], Value: own(vals[i][p])}
		}
		out = append(out, terms)
		i := len(pick) - 1
		for ; i >= 0; i-- {
			pick[i]++
			if pick[i] < len(vals[i]) {
				break
			}
			pick[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return out
}

// sequenceTerms returns a sequence's group: for each group_by field, the
// values of every event in order (an ordered tuple, arrays whole).
func (s *Suppressor) sequenceTerms(a *alert.Alert) []alert.Term {
	terms := make([]alert.Term, len(s.slots))
	for i, slot := range s.slots {
		var tuple []event.Value
		for _, ev := range a.Events {
			if ev == nil {
				continue
			}
			v := ev.Get(slot)
			if v.IsNull() {
				if !s.suppress {
					return nil
				}
				v = event.Null()
			}
			tuple = append(tuple, own(v))
		}
		terms[i] = alert.Term{Field: s.fields[i], Value: event.Array(tuple...)}
	}
	return terms
}

// own copies a value out of an event's buffers.
func own(v event.Value) event.Value {
	switch v.Kind() {
	case event.KindString:
		return event.Str(string([]byte(v.Str())))
	case event.KindArray:
		vs := make([]event.Value, len(v.Array()))
		for i, e := range v.Array() {
			vs[i] = own(e)
		}
		return event.Array(vs...)
	}
	return v
}
