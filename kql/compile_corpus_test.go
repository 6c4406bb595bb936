package kql

import (
	"sort"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
)

// TestCompileCorpus compiles the condition (query and filters) of every
// KQL rule of Elastic's detection rules, and the threat query of every
// indicator match rule, and logs the warnings and counts.
func TestCompileCorpus(t *testing.T) {
	all, _, errs := rule.LoadPaths(testenv.DetectionRules(t)...)
	if len(errs) > 0 {
		t.Fatalf("loading rules: %v", errs[0])
	}
	s := event.NewSchema()
	var warnings []string
	opt := Options{Warn: func(e *srcpos.Error) { warnings = append(warnings, e.Error()) }}
	byType := map[string]int{}
	compiled, threats, filters := 0, 0, 0
	for _, r := range all {
		if r.Language != "kuery" {
			continue
		}
		before := len(warnings)
		if _, err := CompileFiltered(r.Query, r.Filters, s, opt); err != nil {
			t.Errorf("%s: %v", r.Path, err)
			continue
		}
		for i := before; i < len(warnings); i++ {
			warnings[i] = r.Path + ":" + warnings[i]
		}
		compiled++
		byType[r.Type]++
		filters += len(r.Filters)
		if r.Type == "threat_match" && r.ThreatQuery != "" {
			if _, err := CompileFiltered(r.ThreatQuery, r.ThreatFilters, s, opt); err != nil {
				t.Errorf("%s: threat: %v", r.Path, err)
				continue
			}
			threats++
			filters += len(r.ThreatFilters)
		}
	}
	if compiled != 729 {
		t.Errorf("compiled %d KQL rules, want 729", compiled)
	}
	sort.Strings(warnings)
	for _, w := range warnings {
		t.Log("warning: ", w)
	}
	t.Logf("compiled %d KQL rules (%v), %d threat queries, %d filters; %d fields in the schema; %d warnings",
		compiled, byType, threats, filters, s.Len(), len(warnings))
}
