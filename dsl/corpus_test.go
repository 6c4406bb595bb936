package dsl

import (
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
)

// TestCorpusFilters compiles the filters and threat filters of every rule
// of Elastic's detection rules, whatever the rule's language.
func TestCorpusFilters(t *testing.T) {
	all, _, errs := rule.LoadPaths(testenv.DetectionRules(t)...)
	if len(errs) > 0 {
		t.Fatalf("loading rules: %v", errs[0])
	}
	c := New(event.NewSchema(), Options{})
	rules, filters, threatFilters := 0, 0, 0
	for _, r := range all {
		if len(r.Filters) == 0 && len(r.ThreatFilters) == 0 {
			continue
		}
		rules++
		if _, err := c.Filters(r.Filters); err != nil {
			t.Errorf("%s: %v", r.Path, err)
		}
		if _, err := c.Filters(r.ThreatFilters); err != nil {
			t.Errorf("%s: threat_%v", r.Path, err)
		}
		filters += len(r.Filters)
		threatFilters += len(r.ThreatFilters)
	}
	if filters != 42 {
		t.Errorf("%d filters, want 42", filters)
	}
	t.Logf("compiled the filters of %d rules: %d filters, %d threat filters", rules, filters, threatFilters)
}
