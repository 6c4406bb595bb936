// Package testenv locates the shared test data (Elastic's rules, the EQL
// conformance suite, EVTX and winlog corpora) for tests that need it.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Shared returns $VIGIL_SHARED, resolved against the repository root when
// relative. It skips the test when the variable is not set, and fails it
// when the variable is set but the folder is missing: with VIGIL_SHARED set
// (as CI sets it), missing data is a failure, never a silent skip.
func Shared(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		tb.Skip("VIGIL_SHARED not set")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(Root(tb), dir)
	}
	if _, err := os.Stat(dir); err != nil {
		tb.Fatalf("VIGIL_SHARED: %v", err)
	}
	return dir
}

// Path returns a path below the shared folder and fails the test when it
// does not exist.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Shared(tb)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared data missing: %v", err)
	}
	return p
}

// Root returns the repository root: the nearest folder above the test's
// working directory that holds go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for root := wd; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root
		}
		parent := filepath.Dir(root)
		if parent == root {
			tb.Fatalf("no go.mod above %s", wd)
		}
		root = parent
	}
}

// DetectionRules returns the rule folders of Elastic's detection-rules
// corpus (rules and rules_building_block) and fails the test when one is
// missing.
func DetectionRules(tb testing.TB) []string {
	tb.Helper()
	return []string{
		Path(tb, "corpus", "detection-rules", "rules"),
		Path(tb, "corpus", "detection-rules", "rules_building_block"),
	}
}
