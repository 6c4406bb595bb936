package esql

import (
	"strings"
	"testing"
)

// TestLikePatternConstants checks that a LIKE/RLIKE pattern may name a
// column that ROW or EVAL set to a constant (Elasticsearch propagates
// foldable EVAL values), and that a ROW column or a column set from a
// field, shadowed or renamed away is not taken for a constant.
func TestLikePatternConstants(t *testing.T) {
	tests := []struct {
		query   string
		pattern string // the folded pattern; "" when Parse must fail
	}{
		{`row a = "x" | eval p = "x*" | where a like p`, "x*"},
		{`row a = "x" | eval s = "*", p = concat("x", s) | where a like p`, "x*"},
		{`row a = "x" | eval s = ".*" | eval p = concat("x", s) | where a rlike p`, "x.*"},
		{`row a = "x", p = "x?" | where a like p`, ""},
		{`row a = "x" | eval q = "x*" | rename q as p | where a like p`, "x*"},
		{`row a = "x" | eval p = "x*" | rename p as q | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | eval p = a | where a like p`, ""},
		{`row a = "x" | eval p = a | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | stats c = count(*) by a | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | keep a | where a like p`, ""},
		{`row a = "x" | eval p = 1 | where a like p`, ""},
	}
	for _, tc := range tests {
		q, err := Parse(tc.query)
		if tc.pattern == "" {
			if err == nil {
				t.Errorf("%s: parsed, want an error", tc.query)
			} else if !strings.Contains(err.Error(), "must be a constant string") {
				t.Errorf("%s: error %v, want a constant-pattern error", tc.query, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		w, ok := q.Commands[len(q.Commands)-1].(*Where)
		if !ok {
			t.Errorf("%s: last command is %T", tc.query, q.Commands[len(q.Commands)-1])
			continue
		}
		l, ok := w.Cond.(*Like)
		if !ok || len(l.Patterns) != 1 || l.Patterns[0] != tc.pattern {
			t.Errorf("%s: condition %#v, want pattern %q", tc.query, w.Cond, tc.pattern)
		}
	}
}
