package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// runCmd runs a command with stdout and stderr captured.
func runCmd(t *testing.T, c command, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	err := c.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func runRules(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return runCmd(t, &rulesCmd{}, args...)
}

// navLayer is the part of a Navigator layer the tests read.
type navLayer struct {
	Versions   struct{ Layer string }
	Techniques []struct {
		TechniqueID, Tactic, Comment string
		Score                        int
	}
}

func readLayer(t *testing.T, path string) navLayer {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var l navLayer
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRulesListJSON lists Elastic's Windows rules: one object per rule,
// with the fields the table shows, and "unsupported" for rule types vigil
// does not run (machine learning).
func TestRulesListJSON(t *testing.T) {
	dir := testenv.Path(t, "corpus", "detection-rules", "rules", "windows")
	out, errOut, err := runRules(t, "list", "--rules", dir, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 100 {
		t.Fatalf("%d rules listed", len(lines))
	}
	seen := map[string]int{}
	for _, l := range lines {
		var r ruleRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if r.Name == "" || r.RuleID == "" || r.Type == "" || r.Severity == "" || r.Path == "" {
			t.Errorf("incomplete row %q", l)
		}
		seen[r.Enabled]++
		if r.Type == "machine_learning" && r.Enabled != "unsupported" {
			t.Errorf("%s: machine learning rule enabled %q", r.Name, r.Enabled)
		}
	}
	if seen["yes"] == 0 {
		t.Errorf("no rule runnable: %v", seen)
	}
}

func TestRulesListTable(t *testing.T) {
	rules := filepath.Join(testenv.Root(t), "builtin", "rules")
	out, errOut, err := runRules(t, "list", "--rules", rules)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	all, _ := filepath.Glob(filepath.Join(rules, "*.toml"))
	var names []string
	for _, n := range all {
		if !strings.HasSuffix(n, ".test.toml") {
			names = append(names, n)
		}
	}
	if len(lines) != len(names)+1 {
		t.Errorf("%d lines for %d rules:\n%s", len(lines), len(names), out)
	}
	if got := strings.Join(strings.Fields(lines[0]), " "); got != "NAME RULE ID TYPE LANGUAGE SEVERITY TACTICS TECHNIQUES ENABLED" {
		t.Errorf("header %q", lines[0])
	}
	techRE := regexp.MustCompile(`\bT\d{4}(\.\d{3})?\b`)
	for _, l := range lines[1:] {
		ids := techRE.FindAllString(l, -1)
		if len(ids) == 0 {
			t.Errorf("row without a technique: %q", l)
		}
		for _, id := range ids {
			if !strings.Contains(id, ".") && strings.Contains(l, id+".") {
				t.Errorf("row lists %s beside its sub-technique: %q", id, l)
			}
		}
	}
}

func TestFitColumns(t *testing.T) {
	header := []string{"NAME", "ID", "TACTICS"}
	rows := [][]string{{"Service Installed with a Suspicious Image Path", "3e9b5a27", "Execution, Persistence"}}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{0, "NAME                                            ID        TACTICS\nService Installed with a Suspicious Image Path  3e9b5a27  Execution, Persistence\n"},
		{60, "NAME                        ID        TACTICS\nService Installed with a …  3e9b5a27  Execution, Persistence\n"},
		{50, "NAME                      ID        TACTICS\nService Installed with …  3e9b5a27  Execution, Pe…\n"},
	} {
		var b bytes.Buffer
		w := fitColumns(header, rows, tc.width, []int{0, 2}, []int{24, 12})
		if err := writeColumns(&b, header, rows, w); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("width %d:\n%s\nwant:\n%s", tc.width, b.String(), tc.want)
		}
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			if tc.width > 0 && runeLen(l) > tc.width {
				t.Errorf("width %d: line of %d: %q", tc.width, runeLen(l), l)
			}
		}
	}
}

// TestRulesCoverageNavigator writes the coverage layer of the built-in
// pack: the seed's technique is there with every rule that maps to it.
func TestRulesCoverageNavigator(t *testing.T) {
	layer := filepath.Join(t.TempDir(), "layer.json")
	out, errOut, err := runRules(t, "coverage", "--navigator", layer)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Execution ") || !strings.Contains(out, "T1569.002") {
		t.Errorf("matrix without the seed's technique:\n%s", out)
	}
	l := readLayer(t, layer)
	if l.Versions.Layer != "4.5" {
		t.Errorf("layer version %q", l.Versions.Layer)
	}
	list, _, err := runRules(t, "list", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Count(list, `"T1569.002"`)
	found := false
	for _, te := range l.Techniques {
		if te.TechniqueID == "T1569.002" && te.Tactic == "execution" {
			found = true
			if te.Score != want || len(strings.Split(te.Comment, "; ")) != want {
				t.Errorf("T1569.002: score %d, comment %q; want %d rules", te.Score, te.Comment, want)
			}
		}
	}
	if !found {
		t.Errorf("no execution/T1569.002 in %+v", l)
	}
}

func TestRulesBadSubcommand(t *testing.T) {
	_, _, err := runRules(t, "lst")
	if exitCodeOf(err) != 1 || !strings.Contains(err.Error(), "check|test|list|coverage") {
		t.Errorf("err %v", err)
	}
}

// TestRulesTableNarrow: below 120 columns the list leaves out LANGUAGE and
// TACTICS and shortens rule ids, and every line fits.
func TestRulesTableNarrow(t *testing.T) {
	rows := []ruleRow{{Name: "Binary Copied into the Windows Folder over SMB then Installed as a Service",
		RuleID: "e3d4f3af-bbb8-4469-ae6b-de110b21807b", Type: "eql", Language: "eql", Severity: "high",
		Tactics: []string{"Lateral Movement", "Execution"}, Techniques: []string{"T1570", "T1021", "T1021.002", "T1569", "T1569.002"}, Enabled: "yes"}}
	var out bytes.Buffer
	old := stdout
	stdout = &out
	defer func() { stdout = old }()
	if err := writeRulesTable(rows, 80); err != nil {
		t.Fatal(err)
	}
	want := "NAME                               RULE ID   TYPE  SEVERITY  TECHNIQUES  ENABLED\n" +
		"Binary Copied into the Windows F…  e3d4f3af  eql   high      T1570 T10…  yes\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if runeLen(l) > 80 {
			t.Errorf("line of %d", runeLen(l))
		}
	}
}
