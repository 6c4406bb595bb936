package builtin

import (
	"io/fs"
	"testing"

	"github.com/vigilsec/vigil/rule"
)

func TestRulesLoad(t *testing.T) {
	names, err := fs.Glob(Rules(), "*.toml")
	if err != nil || len(names) < 6 {
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
