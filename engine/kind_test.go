package engine

import (
	"testing"

	"github.com/vigilsec/vigil/rule"
)

func TestSupport(t *testing.T) {
	for _, tc := range []struct {
		typ, lang string
		ok        bool
		reason    string
	}{
		{"eql", "eql", true, ""},
		{"query", "kuery", true, ""},
		{"threshold", "kuery", true, ""},
		{"query", "lucene", false, "query rule in Lucene query syntax is not supported (only KQL)"},
		{"new_terms", "kuery", true, ""},
		{"new_terms", "lucene", false, "new_terms rule in Lucene query syntax is not supported (only KQL)"},
		{"esql", "esql", true, ""},
		{"machine_learning", "", false, "machine learning rules read anomaly detection job results; not supported"},
		{"threat_match", "kuery", true, ""},
		{"saved_query", "kuery", false, `unknown rule type "saved_query"`},
	} {
		r := &rule.Rule{Type: tc.typ, Language: tc.lang}
		ok, reason := Supported(r)
		if ok != tc.ok || reason != tc.reason {
			t.Errorf("%s/%s: Supported = %v, %q; want %v, %q", tc.typ, tc.lang, ok, reason, tc.ok, tc.reason)
		}
	}
}
