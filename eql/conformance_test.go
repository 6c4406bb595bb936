package eql_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/eql/internal/conformance"
)

// conformanceFloor is the number of Elasticsearch QA cases that must pass.
// It only goes up: raise it when more pass.
const conformanceFloor = 162

// sharedDir resolves VIGIL_SHARED (relative to the repository root) or
// skips the test.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	if !filepath.IsAbs(dir) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, dir)
				break
			}
			if filepath.Dir(d) == d {
				t.Fatalf("VIGIL_SHARED=%s is relative, but no go.mod above %s", dir, wd)
			}
		}
	}
	return dir
}

func TestConformance(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance", "eql", "elasticsearch")
	sum, err := conformance.Run(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range sum.Breakdown() {
		t.Log(line)
	}
	for _, r := range sum.Results {
		if r.Status != conformance.Pass {
			t.Logf("%s %s/%s: %s", r.Status, r.Case.File, r.Case.Name, r.Reason)
		}
	}
	t.Log(sum.Line())
	println(sum.Line())
	if sum.Total() != 301 {
		t.Errorf("the suite has %d cases, want 301", sum.Total())
	}
	if sum.Passed() < conformanceFloor {
		t.Errorf("%s: below the floor of %d", sum.Line(), conformanceFloor)
	}
}
