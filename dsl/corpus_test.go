package dsl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// sharedDir returns $VIGIL_SHARED, resolved against the repository root
// when relative, or skips the test when it is not set.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		tb.Skip("VIGIL_SHARED not set")
	}
	if !filepath.IsAbs(dir) {
		root, err := os.Getwd()
		if err != nil {
			tb.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				tb.Fatal("no go.mod above the test's directory")
			}
			root = parent
		}
		dir = filepath.Join(root, dir)
	}
	return dir
}

// TestCorpusFilters compiles the filters and threat filters of every rule
// of Elastic's detection rules, whatever the rule's language.
func TestCorpusFilters(t *testing.T) {
	base := filepath.Join(sharedDir(t), "corpus", "detection-rules")
	dirs := []string{filepath.Join(base, "rules"), filepath.Join(base, "rules_building_block")}
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("corpus missing: %v", err)
		}
	}
	all, _, errs := rule.LoadPaths(dirs...)
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
