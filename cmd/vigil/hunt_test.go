package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

func runHunt(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	err := (&huntCmd{}).Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// alertDocs parses JSONL alerts, leaving out the building-block alerts
// of sequences (those with kibana.alert.group.index): one document per
// alert, as the table shows them.
func alertDocs(t *testing.T, out string) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad alert line %q: %v", l, err)
		}
		if _, ok := m["kibana.alert.group.index"]; ok {
			continue
		}
		docs = append(docs, m)
	}
	return docs
}

func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

// TestHuntExamples runs the built-in pack over the bundled sample: every
// positive of the scenario fires and no near miss does.
func TestHuntExamples(t *testing.T) {
	out, errOut, err := runHunt(t, "--format", "jsonl", filepath.Join(testenv.Root(t), "examples"))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	byRule := map[string][]string{}
	for _, a := range alertDocs(t, out) {
		name := a["kibana.alert.rule.name"].(string)
		var ids []string
		for _, anc := range a["kibana.alert.ancestors"].([]any) {
			if anc := anc.(map[string]any); anc["type"] == "event" {
				ids = append(ids, anc["id"].(string))
			}
		}
		byRule[name] = append(byRule[name], strings.Join(ids, "+"))
	}
	want := map[string][]string{
		"Remote Service Created with sc.exe":                       {"ev-0005+ev-0006", "ev-0010+ev-0011"},
		"Service Created or Started on a Remote Host with sc.exe":  {"ev-0005", "ev-0010"},
		"Service Installed with a Suspicious Image Path":           {"ev-0008"},
		"Service Control Manager Spawned a Shell":                  {"ev-0012"},
		"Service Control Tool Run by a User Account":               {"ev-0005", "ev-0010", "ev-0013", "ev-0016"},
		"Service ImagePath, FailureCommand or ServiceDll Modified": {"ev-0009", "ev-0015"},
		"Remote Execution Tool Service Installed or Started":       {"ev-0017"},
	}
	for name, ids := range want {
		got := byRule[name]
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(ids, " ") {
			t.Errorf("%s: got %v, want %v", name, got, ids)
		}
	}
	for name := range byRule {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected alerts from %s: %v", name, byRule[name])
		}
	}
}

// TestHuntSeedRule runs Elastic's "Service Command Lateral Movement" rule,
// verbatim from the corpus, over a scenario of positives and near misses.
func TestHuntSeedRule(t *testing.T) {
	rulePath := testenv.Path(t, "corpus", "detection-rules", "rules", "windows", "lateral_movement_cmd_service.toml")
	out, errOut, err := runHunt(t, "--format", "jsonl", "--rules", rulePath, filepath.Join("testdata", "seed-scenario.ndjson"))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var cases []string
	for _, a := range alertDocs(t, out) {
		if a["kibana.alert.rule.rule_id"] != "d61cbcf8-1bc1-4cff-85ba-e7b21c5beedc" {
			t.Errorf("rule id %v", a["kibana.alert.rule.rule_id"])
		}
		evs := a["vigil.group.events"].([]any)
		if len(evs) != 2 {
			t.Fatalf("sequence alert with %d events", len(evs))
		}
		first := evs[0].(map[string]any)
		second := evs[1].(map[string]any)
		if first["event"].(map[string]any)["category"].([]any)[0] != "process" || second["event"].(map[string]any)["category"].([]any)[0] != "network" {
			t.Errorf("events out of sequence order: %v", evs)
		}
		cases = append(cases, first["labels"].(map[string]any)["case"].(string))
	}
	want := "P1-remote-create P2-uppercase P3-failure-twice"
	if got := strings.Join(cases, " "); got != want {
		t.Errorf("alerts for %q, want %q", got, want)
	}
}

func TestHuntExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[rule]\nrule_id = \"x\"\nname = \"bad\"\ntype = \"eql\"\nlanguage = \"eql\"\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\nquery = 'process where startswth(process.name, \"a\")'\n"), 0o644)
	good := filepath.Join(testenv.Root(t), "builtin", "rules")
	events := filepath.Join(testenv.Root(t), "examples")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no input", []string{filepath.Join(dir, "nothing.ndjson")}, 1, "no readable input"},
		{"no path", nil, 1, "no PATH"},
		{"bad format", []string{"--format", "xml", events}, 1, "unknown format"},
		{"rule error ok without strict", []string{"--rules", good, "--rules", bad, events}, 0, ""},
		{"rule error with strict", []string{"--strict", "--rules", good, "--rules", bad, events}, 2, "failed to load"},
		{"min severity", []string{"--min-severity", "urgent", events}, 1, "unknown severity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, err := runHunt(t, tc.args...)
			if code := exitCodeOf(err); code != tc.code {
				t.Errorf("exit %d, want %d (%v)\n%s", code, tc.code, err, errOut)
			}
			if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("error %v, want it to mention %q", err, tc.msg)
			}
		})
	}
	// The rule error names the file, line and column of the fault.
	_, errOut, _ := runHunt(t, "--rules", bad, events)
	if !strings.Contains(errOut, "bad.toml:9:24: eql: unknown function") {
		t.Errorf("rule error not positioned:\n%s", errOut)
	}
}

func TestHuntFilters(t *testing.T) {
	events := filepath.Join(testenv.Root(t), "examples")
	out, _, err := runHunt(t, "--format", "csv", "--min-severity", "high", events)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 { // header + 3 high alerts
		t.Errorf("min-severity high: %d lines\n%s", len(lines), out)
	}
	out, _, err = runHunt(t, "--format", "csv", "--rule-id", "c5d08e4a-2f9b-4a71-8e36-91b7f0c2d5e8", "--to", "2026-11-20T09:14:20.400Z", events)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 1 {
		t.Errorf("--to before the shell: %d lines\n%s", n, out)
	}
}

// TestHuntSysmonNetworkDelay: Sysmon stamped the connection 1.5 s before
// the start of the process that made it. Strict time order (Elasticsearch)
// misses the sequence; --sysmon-network-delay 2s finds it.
func TestHuntSysmonNetworkDelay(t *testing.T) {
	file := filepath.Join("testdata", "sysmon-skew.ndjson")
	rule := "--rule-id=7a3c1f0e-5d2b-4c8e-9f61-0b2d4e6a8c10"
	out, _, err := runHunt(t, "--format", "jsonl", rule, file)
	if err != nil || len(alertDocs(t, out)) != 0 {
		t.Errorf("strict order: %v, %d alerts", err, len(alertDocs(t, out)))
	}
	out, _, err = runHunt(t, "--format", "jsonl", "--sysmon-network-delay", "2s", rule, file)
	if err != nil {
		t.Fatal(err)
	}
	docs := alertDocs(t, out)
	if len(docs) != 1 || len(docs[0]["vigil.group.events"].([]any)) != 2 {
		t.Fatalf("with the delay: %d alerts\n%s", len(docs), out)
	}
	anc := docs[0]["kibana.alert.ancestors"].([]any)
	if anc[0].(map[string]any)["id"] != "skew-p" || anc[1].(map[string]any)["id"] != "skew-n" {
		t.Errorf("events out of sequence order: %v", anc)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	events := filepath.Join(testenv.Root(t), "examples")
	out, _, err := runHunt(t, events, "--format", "csv", "--min-severity", "high")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 4 {
		t.Errorf("flags after the path were not applied: %d lines\n%s", n, out)
	}
	// After "--", everything is an argument.
	_, _, err = runHunt(t, "--", "--format")
	if err == nil || !strings.Contains(err.Error(), "no readable input") {
		t.Errorf("\"--format\" after -- must be a path: %v", err)
	}
}
