package kql

import (
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
)

// corpusQueries returns the KQL queries of the active detection rules
// (query, threat_query), keyed by "path" or "path (threat_query)".
func corpusQueries(tb testing.TB) (paths, queries []string, rules []*rule.Rule) {
	tb.Helper()
	all, _, errs := rule.LoadPaths(testenv.DetectionRules(tb)...)
	if len(errs) > 0 {
		tb.Fatalf("loading rules: %v", errs[0])
	}
	for _, r := range all {
		if r.Language == "kuery" {
			paths = append(paths, r.Path)
			queries = append(queries, r.Query)
			rules = append(rules, r)
		}
		if r.ThreatQuery != "" && r.ThreatLanguage == "kuery" {
			paths = append(paths, r.Path+" (threat_query)")
			queries = append(queries, r.ThreatQuery)
			rules = append(rules, nil)
		}
	}
	return paths, queries, rules
}

// TestCorpus parses every KQL query of Elastic's detection rules, checks
// that each prints back to the same tree, and logs values that look like
// mistakes in the rules (a line break inside an unquoted value usually
// means a missing "or"; ? is no wildcard in KQL).
func TestCorpus(t *testing.T) {
	paths, queries, rules := corpusQueries(t)
	ruleQueries := 0
	kinds := map[string]int{}
	for i, q := range queries {
		n, err := Parse(q)
		if err != nil {
			var list srcpos.ErrorList
			if r := rules[i]; r != nil && errorsAs(err, &list) {
				for _, e := range list {
					l, c := r.QueryPos(e.Pos.Line, e.Pos.Col)
					t.Errorf("%s:%d:%d: %s\n%s", paths[i], l, c, e.Msg, e.Snippet())
				}
				continue
			}
			t.Errorf("%s: %v", paths[i], err)
			continue
		}
		if rules[i] != nil {
			ruleQueries++
		}
		checkRoundTrip(t, q, n)
		Walk(n, func(x Node) bool {
			switch x := x.(type) {
			case *Value:
				if !x.Quoted && strings.Contains(x.Text, "\n") {
					l, c := x.Start.Line, x.Start.Col
					if r := rules[i]; r != nil {
						l, c = r.QueryPos(l, c)
					}
					t.Logf("%s:%d:%d: unquoted value spans lines (missing \"or\"?): %q", paths[i], l, c, x.Text)
				}
				if !x.Quoted && x.Wildcard && strings.Contains(x.Text, "?") {
					kinds["wildcard value with ?"]++
				}
			case *FreeText:
				kinds["free text"]++
			}
			kinds[strings.TrimPrefix(strings.TrimPrefix(typeName(x), "*"), "kql.")]++
			return true
		})
	}
	if ruleQueries != 729 {
		t.Errorf("%d rule queries in KQL, want 729", ruleQueries)
	}
	t.Logf("parsed %d KQL queries (%d rule queries, %d threat queries); nodes: %v", len(queries), ruleQueries, len(queries)-ruleQueries, kinds)
}

func BenchmarkParseCorpus(b *testing.B) {
	_, queries, _ := corpusQueries(b)
	size := 0
	for _, q := range queries {
		size += len(q)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range queries {
			if _, err := Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	}
}
