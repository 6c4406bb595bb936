package engine

import (
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/rule"
)

// JoinsBy reports whether a rule groups events by field: an EQL sequence
// or sample joined by it (for the whole query or in a stage), or a
// threshold rule counting per value of it. Such a rule cannot match input
// whose events lack the field: EVTX records carry no host.id (no shipper
// added one), so "sequence by host.id" rules never fire on EVTX files, and
// the hunt says so once per rule.
func JoinsBy(r *rule.Rule, field string) bool {
	switch {
	case r.Type == "threshold" && r.Threshold != nil:
		for _, f := range r.Threshold.Field {
			if f == field {
				return true
			}
		}
		return false
	case r.Type != "eql":
		return false
	}
	q, err := eql.Parse(r.Query)
	if err != nil {
		return false
	}
	var by [][]eql.Expr
	var stages []*eql.Stage
	switch {
	case q.Sequence != nil:
		by = append(by, q.Sequence.By)
		stages = q.Sequence.Stages
		if q.Sequence.Until != nil {
			stages = append(stages, q.Sequence.Until)
		}
	case q.Sample != nil:
		by = append(by, q.Sample.By)
		stages = q.Sample.Stages
	}
	for _, s := range stages {
		by = append(by, s.By)
	}
	for _, keys := range by {
		for _, k := range keys {
			if f, ok := k.(*eql.Field); ok && f.Name == field {
				return true
			}
		}
	}
	return false
}
