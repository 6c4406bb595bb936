package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// lateralHunt is Elastic's Windows rules over the EVTX attack samples of
// lateral movement: 25 alerts of 15 rules on 7 hosts.
func lateralHunt(t *testing.T) (rules, data string) {
	return testenv.Path(t, "corpus", "detection-rules", "rules", "windows"),
		testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES", "Lateral Movement")
}

func ruleNames(t *testing.T, out string) []string {
	var names []string
	for _, a := range alertDocs(t, out) {
		names = append(names, a["kibana.alert.rule.name"].(string))
	}
	return names
}

// TestHuntTableGolden prints the lateral movement hunt as a table at 80
// and 200 columns ($COLUMNS, as standard output is not a terminal here):
// every line fits, and the layout is the golden one (go test -update
// rewrites testdata/table-*.golden).
func TestHuntTableGolden(t *testing.T) {
	rules, data := lateralHunt(t)
	for _, width := range []string{"80", "200"} {
		t.Run(width, func(t *testing.T) {
			t.Setenv("COLUMNS", width)
			out, errOut, err := runHunt(t, "--quiet", "--rules", rules, data)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if n := runeLen(l); width == "80" && n > 80 || n > 200 {
					t.Errorf("line of %d columns: %q", n, l)
				}
			}
			golden := filepath.Join("testdata", "table-"+width+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("table differs from %s (go test -update rewrites it):\n%s", golden, out)
			}
		})
	}
}

func TestHuntMuting(t *testing.T) {
	rules, data := lateralHunt(t)
	out, errOut, err := runHunt(t, "--format", "jsonl", "--rules", rules, data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	all := ruleNames(t, out)
	count := func(names []string, name string) int {
		n := 0
		for _, x := range names {
			if x == name {
				n++
			}
		}
		return n
	}
	const cleared = "Windows Event Logs Cleared"
	const wmi = "Suspicious Cmd Execution via WMI"
	if count(all, cleared) == 0 || count(all, wmi) == 0 {
		t.Fatalf("the hunt no longer raises %q and %q: %v", cleared, wmi, all)
	}
	excl := filepath.Join(t.TempDir(), "mute.txt")
	os.WriteFile(excl, []byte("# noisy on our domain controllers\n\n"+strings.ToLower(cleared)+"  # by name, any case\n"), 0o644)
	var wmiID string
	for _, a := range alertDocs(t, out) {
		if a["kibana.alert.rule.name"] == wmi {
			wmiID = a["kibana.alert.rule.rule_id"].(string)
		}
	}
	for _, tc := range []struct {
		name  string
		args  []string
		gone  []string
		fewer int
	}{
		{"rule by name", []string{"--exclude-rule", cleared}, []string{cleared}, count(all, cleared)},
		{"rule by id", []string{"--exclude-rule", wmiID}, []string{wmi}, count(all, wmi)},
		{"both, repeated", []string{"--exclude-rule", wmiID, "--exclude-rule", cleared}, []string{wmi, cleared}, count(all, wmi) + count(all, cleared)},
		{"file", []string{"--exclude-file", excl}, []string{cleared}, count(all, cleared)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runHunt(t, append([]string{"--format", "jsonl", "--rules", rules, data}, tc.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			got := ruleNames(t, out)
			for _, g := range tc.gone {
				if count(got, g) > 0 {
					t.Errorf("%q still alerts", g)
				}
			}
			if len(got) != len(all)-tc.fewer {
				t.Errorf("%d alerts, want %d", len(got), len(all)-tc.fewer)
			}
		})
	}
	// A tag: every rule tagged "Tactic: Defense Evasion" goes, by the part
	// after ": " in any case.
	out2, _, err := runHunt(t, "--format", "jsonl", "--rules", rules, "--exclude-tag", "defense evasion", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alertDocs(t, out2) {
		for _, tag := range a["kibana.alert.rule.tags"].([]any) {
			if tag == "Tactic: Defense Evasion" {
				t.Errorf("%s (tagged %q) not excluded", a["kibana.alert.rule.name"], tag)
			}
		}
	}
	if n := len(alertDocs(t, out2)); n == 0 || n >= len(all) {
		t.Errorf("--exclude-tag left %d of %d alerts", n, len(all))
	}
	_, _, err = runHunt(t, "--rules", rules, "--exclude-rule", "Windows Event Logs Clearde", data)
	if err == nil || !strings.Contains(err.Error(), `"Windows Event Logs Clearde": no loaded rule`) {
		t.Errorf("a misspelt exclusion: err %v", err)
	}
}

func TestTagMatches(t *testing.T) {
	for _, tc := range []struct {
		tag, want string
		ok        bool
	}{
		{"Tactic: Execution", "Execution", true},
		{"Tactic: Execution", "execution", true},
		{"Tactic: Execution", "tactic: execution", true},
		{"Tactic: Execution", "Tactic", false},
		{"Tactic: Execution", "Exec", false},
		{"Domain: Endpoint", "endpoint", true},
		{"Windows", "windows", true},
	} {
		if got := tagMatches(tc.tag, tc.want); got != tc.ok {
			t.Errorf("tagMatches(%q, %q) = %v", tc.tag, tc.want, got)
		}
	}
}

func TestHuntTagSelects(t *testing.T) {
	rules, data := lateralHunt(t)
	out, errOut, err := runHunt(t, "--format", "jsonl", "--rules", rules, "--tag", "LATERAL MOVEMENT", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	docs := alertDocs(t, out)
	if len(docs) == 0 {
		t.Fatal("--tag 'LATERAL MOVEMENT' selected no rule that alerts")
	}
	for _, a := range docs {
		if !slices.Contains(a["kibana.alert.rule.tags"].([]any), any("Tactic: Lateral Movement")) {
			t.Errorf("%s is not tagged Tactic: Lateral Movement", a["kibana.alert.rule.name"])
		}
	}
}

func TestHuntCSVColumnsAndTimezone(t *testing.T) {
	rules, data := lateralHunt(t)
	out, errOut, err := runHunt(t, "--format", "csv", "--columns", "time,host,rule,detail", "--timezone", "Asia/Kolkata", "--rules", rules, data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "original_time,host,rule_name,detail" {
		t.Errorf("header %q", got)
	}
	if len(recs) != 26 {
		t.Errorf("%d records, want 25 alerts and the header", len(recs))
	}
	// The first alert is at 2019-03-03T09:20:28Z: 14:50:28 in India.
	if !strings.HasPrefix(recs[1][0], "2019-03-03T14:50:28") || !strings.HasSuffix(recs[1][0], "+05:30") {
		t.Errorf("time %q not in +05:30", recs[1][0])
	}
	details := 0
	for _, r := range recs[1:] {
		if r[3] != "" {
			details++
		}
	}
	if details < 15 {
		t.Errorf("%d of 25 alerts have a detail", details)
	}
	for _, bad := range [][]string{{"--columns", "time,colour"}, {"--timezone", "Mars/Olympus"}, {"--format", "jsonl", "--columns", "time"}} {
		_, _, err := runHunt(t, append(bad, "--rules", rules, data)...)
		if exitCodeOf(err) != 1 {
			t.Errorf("%v: err %v", bad, err)
		}
	}
}

func TestHuntTimesketch(t *testing.T) {
	rules, data := lateralHunt(t)
	out, errOut, err := runHunt(t, "--format", "timesketch", "--rules", rules, data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 25 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		msg, _ := m["message"].(string)
		dt, _ := m["datetime"].(string)
		if !strings.HasPrefix(msg, "["+m["kibana.alert.severity"].(string)+"] "+m["kibana.alert.rule.name"].(string)) {
			t.Errorf("message %q", msg)
		}
		if dt != m["kibana.alert.original_time"] {
			t.Errorf("datetime %q, original time %v", dt, m["kibana.alert.original_time"])
		}
		if m["timestamp_desc"] != timestampDescForTest || m["kibana.alert.uuid"] == nil {
			t.Errorf("timestamp_desc %v, uuid %v", m["timestamp_desc"], m["kibana.alert.uuid"])
		}
	}
}

const timestampDescForTest = "Event Time (vigil alert)"

// TestHuntNavigator writes the layer of the techniques that alerted:
// scores add up to the alerts of mapped rules.
func TestHuntNavigator(t *testing.T) {
	rules, data := lateralHunt(t)
	layer := filepath.Join(t.TempDir(), "hunt.json")
	out, errOut, err := runHunt(t, "--format", "jsonl", "--navigator", layer, "--rules", rules, data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	l := readLayer(t, layer)
	want := map[string]int{}
	for _, a := range alertDocs(t, out) {
		seen := map[string]bool{}
		for _, th := range a["kibana.alert.rule.threat"].([]any) {
			th := th.(map[string]any)
			tac := strings.ToLower(strings.ReplaceAll(th["tactic"].(map[string]any)["name"].(string), " ", "-"))
			techs, _ := th["technique"].([]any)
			for _, te := range techs {
				k := tac + "/" + te.(map[string]any)["id"].(string)
				if !seen[k] {
					seen[k] = true
					want[k]++
				}
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no mapped alerts")
	}
	for _, te := range l.Techniques {
		k := te.Tactic + "/" + te.TechniqueID
		if _, parent := want[k]; parent && te.Score != want[k] {
			t.Errorf("%s: score %d, want %d alerts", k, te.Score, want[k])
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("techniques missing from the layer: %v", want)
	}
}

// TestHuntSummary: hosts with most alerts, the alerts' time span, rules
// that could not match (Elastic's PowerShell script rules need
// powershell.file.script_block_text and its DNS rules dns.question.name,
// which no Security or Sysmon event of these samples has), and grouped
// warnings.
func TestHuntSummary(t *testing.T) {
	rules, data := lateralHunt(t)
	_, errOut, err := runHunt(t, "--format", "jsonl", "--rules", rules, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  first alert: 2019-03-03 09:20:28 UTC  last alert: 2020-12-09 22:45:33 UTC\n",
		"  computers with most alerts:\n         8  IEWIN7\n",
		"  rules that could not match the input (they need fields no event had): ",
		"    fields most missed: powershell.file.script_block_text; dns.question.name;",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	_, errOut, _ = runHunt(t, "--format", "jsonl", "--rules", rules, "-v", data)
	if !strings.Contains(errOut, "needs dns.question.name\n") {
		t.Errorf("-v does not list the rules that could not match:\n%s", errOut)
	}
	if !regexp.MustCompile(`rule evaluations \(events the rule index offered rules\): [1-9][0-9]*, matches: [1-9]`).MatchString(errOut) {
		t.Errorf("-v does not count the rule evaluations and matches:\n%s", errOut)
	}
}

func TestHuntWarningsGrouped(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 30 {
		b.WriteString(fmt.Sprintf(`{"@timestamp":"2026-11-20T10:%02d:00Z","event":{"category":["process"]}}`, i) + "\n")
		b.WriteString("{not json " + strings.Repeat("x", i) + "\n")
	}
	// 12 events far older than the ones before them.
	for range 12 {
		b.WriteString(`{"@timestamp":"2026-11-20T09:00:00Z","event":{"category":["process"]}}` + "\n")
	}
	os.WriteFile(filepath.Join(dir, "mixed.ndjson"), []byte(b.String()), 0o644)
	_, errOut, err := runHunt(t, "--quiet", "--format", "jsonl", filepath.Join(dir, "mixed.ndjson"))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	want := []string{
		"vigil: warning: 30 × invalid JSON at byte N: expected a string key (first: ",
		"vigil: warning: 12 events arrived later than the 5s ordering window",
		"vigil: run with -v to see each warning",
	}
	if len(lines) != len(want) {
		t.Fatalf("stderr:\n%s", errOut)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d %q, want %q...", i, lines[i], w)
		}
	}
	_, errOut, _ = runHunt(t, "--quiet", "-v", "--format", "jsonl", filepath.Join(dir, "mixed.ndjson"))
	// Each unreadable line, and the first late event (the others are counted).
	if n := strings.Count(errOut, "\n"); n != 31 {
		t.Errorf("-v printed %d lines, want 31:\n%s", n, errOut)
	}
}

func TestHuntMissingPath(t *testing.T) {
	events := filepath.Join(testenv.Root(t), "examples")
	out, errOut, err := runHunt(t, "--format", "jsonl", events, filepath.Join(t.TempDir(), "no-such-dir"))
	if exitCodeOf(err) != 1 || !strings.Contains(err.Error(), "1 path could not be read") {
		t.Errorf("exit %d (%v)", exitCodeOf(err), err)
	}
	if len(alertDocs(t, out)) == 0 || !strings.Contains(errOut, "no-such-dir") {
		t.Errorf("the readable path was not hunted, or the missing one not named:\n%s", errOut)
	}
}

func TestBadFlagOneHint(t *testing.T) {
	_, errOut, err := runHunt(t, "--colums", "time")
	if exitCodeOf(err) != 1 {
		t.Errorf("exit %d", exitCodeOf(err))
	}
	want := "vigil hunt: flag provided but not defined: -colums\nRun 'vigil hunt -h' for the flags.\n"
	if errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}
