package engine

import (
	"testing"

	"github.com/vigilsec/vigil/rule"
)

func TestJoinsBy(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    rule.Rule
		want bool
	}{
		{"sequence by", rule.Rule{Type: "eql", Query: `sequence by host.id [process where true] [network where true]`}, true},
		{"stage by", rule.Rule{Type: "eql", Query: `sequence [process where true] by host.id [network where true] by host.id`}, true},
		{"sample by", rule.Rule{Type: "eql", Query: `sample by host.id [process where true] [network where true]`}, true},
		{"other key", rule.Rule{Type: "eql", Query: `sequence by host.name [process where true] [network where true]`}, false},
		{"field in a condition", rule.Rule{Type: "eql", Query: `process where host.id == "x"`}, false},
		{"threshold", rule.Rule{Type: "threshold", Query: "a:b", Threshold: &rule.Threshold{Field: []string{"host.id", "user.name"}, Value: 5}}, true},
		{"threshold other", rule.Rule{Type: "threshold", Query: "a:b", Threshold: &rule.Threshold{Field: []string{"user.name"}, Value: 5}}, false},
		{"query", rule.Rule{Type: "query", Query: "host.id:x"}, false},
		{"bad eql", rule.Rule{Type: "eql", Query: `sequence by host.id [`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := JoinsBy(&tc.r, "host.id"); got != tc.want {
				t.Errorf("JoinsBy = %v, want %v", got, tc.want)
			}
		})
	}
}
