package builtin

import (
	"io/fs"
	"testing"

	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/ruletest"
)

func TestRulesLoad(t *testing.T) {
	names, err := fs.Glob(Rules(), "*.toml")
	if err != nil || len(names) < 16 {
		t.Fatalf("rules: %v %v", names, err)
	}
	ids := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(Rules(), name)
		if err != nil {
			t.Fatal(err)
		}
		r, warns, err := rule.Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(warns) > 0 {
			t.Errorf("%s: warnings %v", name, warns)
		}
		if prev, dup := ids[r.ID]; dup {
			t.Errorf("%s and %s share rule_id %s", prev, name, r.ID)
		}
		ids[r.ID] = name
		if r.Note == "" || len(r.Threat) == 0 || r.Severity == "" || r.RiskScore == 0 {
			t.Errorf("%s: every built-in rule needs a guide, ATT&CK mapping, severity and risk score", name)
		}
	}
}

// TestEveryRuleHasPositiveAndNegativeCases holds the pack to its own
// standard: each rule has a test file with a case that must alert and one
// that must not.
func TestEveryRuleHasPositiveAndNegativeCases(t *testing.T) {
	found, errs := ruletest.Discover([]string{"rules"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(found.Untested) > 0 {
		t.Errorf("rules without tests: %v", found.Untested)
	}
	names, _ := fs.Glob(Rules(), "*.toml")
	if len(found.Tests) != len(names) {
		t.Errorf("%d test files for %d rules", len(found.Tests), len(names))
	}
	for _, path := range found.Tests {
		f, err := ruletest.Load(path)
		if err != nil {
			t.Error(err)
			continue
		}
		var pos, neg int
		for _, c := range f.Cases {
			if c.Want() > 0 {
				pos++
			} else {
				neg++
			}
		}
		if pos == 0 || neg == 0 {
			t.Errorf("%s: %d positive and %d negative cases, want at least one of each", path, pos, neg)
		}
	}
}
