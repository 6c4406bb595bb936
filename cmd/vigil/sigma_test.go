package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestHuntSigmaMixed hunts with a folder of TOML rules and a Sigma rule
// together: both load, the Sigma rule alerts like an Elastic rule (level
// as severity and risk score, rule type query, language sigma), and a
// deprecated Sigma rule does not run unless --sigma-status asks for it.
func TestHuntSigmaMixed(t *testing.T) {
	sigmaRule := testenv.Path(t, "corpus", "sigma", "rules", "windows", "process_creation", "proc_creation_win_amsi_registry_tampering.yml")
	evtx := testenv.Path(t, "data", "sigma-regression_data", "regression_data", "rules", "windows", "process_creation",
		"proc_creation_win_amsi_registry_tampering", "7dbbcac2-57a0-45ac-b306-ff30a8bd2981.evtx")
	data, err := os.ReadFile(sigmaRule)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The same rule again, deprecated and under another id and title.
	dep := strings.Replace(string(data), "status: experimental", "status: deprecated", 1)
	dep = strings.Replace(dep, "id: 7dbbcac2-57a0-45ac-b306-ff30a8bd2981", "id: 00000000-0000-0000-0000-00000000dead", 1)
	dep = strings.Replace(dep, "title: ", "title: Deprecated copy of ", 1)
	if dep == string(data) || !strings.Contains(dep, "status: deprecated") {
		t.Fatal("the corpus rule changed: cannot derive the deprecated copy")
	}
	depPath := filepath.Join(dir, "deprecated.yaml")
	if err := os.WriteFile(depPath, []byte(dep), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		extra []string
		want  []string // rule names that alert
	}{
		{"default statuses", nil, []string{"Windows AMSI Related Registry Tampering Via CommandLine"}},
		{"deprecated asked for", []string{"--sigma-status", "experimental,deprecated"},
			[]string{"Deprecated copy of Windows AMSI Related Registry Tampering Via CommandLine", "Windows AMSI Related Registry Tampering Via CommandLine"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--quiet", "--format", "jsonl", "--rules", "../../builtin/rules", "--rules", sigmaRule, "--rules", depPath}, tc.extra...)
			out, errOut, err := runHunt(t, append(args, evtx)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var names []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var a map[string]any
				if err := json.Unmarshal([]byte(line), &a); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				names = append(names, a["kibana.alert.rule.name"].(string))
				if a["kibana.alert.rule.name"] == tc.want[len(tc.want)-1] {
					if a["kibana.alert.severity"] != "high" || a["kibana.alert.risk_score"] != float64(73) ||
						a["kibana.alert.rule.type"] != "query" || a["kibana.alert.rule.rule_id"] != "7dbbcac2-57a0-45ac-b306-ff30a8bd2981" {
						t.Errorf("alert fields: severity %v, risk %v, type %v, rule_id %v", a["kibana.alert.severity"],
							a["kibana.alert.risk_score"], a["kibana.alert.rule.type"], a["kibana.alert.rule.rule_id"])
					}
				}
			}
			sort.Strings(names)
			if strings.Join(names, "|") != strings.Join(tc.want, "|") {
				t.Errorf("alerts of %q, want %q", names, tc.want)
			}
		})
	}
}

// TestRulesCheckSigma reports Sigma rules as TOML ones: language sigma,
// positioned errors.
func TestRulesCheckSigma(t *testing.T) {
	dir := t.TempDir()
	good := "title: t\nid: 1\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: a.exe}\n  condition: sel\n"
	bad := "title: t\nid: 2\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswth: a.exe}\n  condition: sel\n"
	os.WriteFile(filepath.Join(dir, "good.yml"), []byte(good), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.yml"), []byte(bad), 0o644)
	out, _, _ := runRules(t, "check", "--format", "json", dir)
	var rep struct {
		Rules []struct{ Path, Language, Status, Error string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]string{}
	for _, r := range rep.Rules {
		got[filepath.Base(r.Path)] = r.Status + " " + r.Language + " " + r.Error
	}
	if g := got["good.yml"]; g != "ok sigma " {
		t.Errorf("good.yml: %q", g)
	}
	if g := got["bad.yml"]; !strings.Contains(g, `bad.yml:5:9: sigma: field "Image": unknown modifier "endswth"`) {
		t.Errorf("bad.yml: %q", g)
	}
}
