package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// alertsBySource maps each alert's first source file (base name) to the
// rules that fired on it.
func alertsBySource(t *testing.T, out string) map[string]map[string]bool {
	t.Helper()
	by := map[string]map[string]bool{}
	for _, a := range alertDocs(t, out) {
		srcs, _ := a["vigil.sources"].([]any)
		if len(srcs) == 0 {
			if a["kibana.alert.threshold_result"] == nil {
				t.Fatalf("alert without sources: %v", a["kibana.alert.uuid"])
			}
			continue // threshold alerts stand for groups, not events
		}
		file := filepath.Base(srcs[0].(map[string]any)["path"].(string))
		if by[file] == nil {
			by[file] = map[string]bool{}
		}
		by[file][a["kibana.alert.rule.name"].(string)] = true
	}
	return by
}

// TestHuntEVTXAttackSamples hunts with the corpus rules over the recorded
// lateral movement and execution attacks: EVTX read natively, mapped to ECS
// as Elastic's pipelines would, routed to Elastic's rules by index.
func TestHuntEVTXAttackSamples(t *testing.T) {
	corpus := testenv.Path(t, "corpus", "detection-rules")
	samples := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES")
	out, errOut, err := runHunt(t, "--format", "jsonl", "--quiet",
		"--rules", filepath.Join(corpus, "rules"), "--rules", filepath.Join(corpus, "rules_building_block"),
		filepath.Join(samples, "Lateral Movement"), filepath.Join(samples, "Execution"))
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	by := alertsBySource(t, out)
	want := map[string]string{
		"LM_Remote_Service02_7045.evtx":                        "Suspicious Service was Installed in the System",
		"LM_sysmon_psexec_smb_meterpreter.evtx":                "System Shells via Services",
		"LM_wmiexec_impacket_sysmon_whoami.evtx":               "Suspicious Cmd Execution via WMI",
		"Sysmon_Exec_CompiledHTML.evtx":                        "Process Activity via Compiled HTML File",
		"exec_sysmon_1_lolbin_pcalua.evtx":                     "Indirect Command Execution via Forfiles/Pcalua",
		"sysmon_mshta_sharpshooter_stageless_meterpreter.evtx": "Mshta Making Network Connections",
	}
	for file, rule := range want {
		if !by[file][rule] {
			t.Errorf("%s: %q did not fire (fired: %v)", file, rule, by[file])
		}
	}
	files := make([]string, 0, len(by))
	for f, rules := range by {
		var names []string
		for r := range rules {
			names = append(names, r)
		}
		files = append(files, f+": "+strings.Join(names, "; "))
	}
	t.Logf("%d files raised alerts:\n%s", len(by), strings.Join(files, "\n"))
}

// TestHuntWinlogCorpus hunts with every Windows rule of the corpus over the
// 200,806 raw winlog records: every record is read and normalised, and
// rules fire.
func TestHuntWinlogCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	corpus := testenv.Path(t, "corpus", "detection-rules")
	data := testenv.Path(t, "data", "winlog")
	out, errOut, err := runHunt(t, "--format", "csv", "--tag", "OS: Windows",
		"--rules", filepath.Join(corpus, "rules"), "--rules", filepath.Join(corpus, "rules_building_block"), data)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "34 files, 200806 events") || strings.Contains(errOut, "unreadable records") {
		t.Errorf("not every record was read:\n%s", errOut)
	}
	if n := strings.Count(out, "\n") - 1; n < 50 {
		t.Errorf("only %d alerts over the winlog corpus", n)
	}
	t.Log(errOut)
}

// TestHuntThreatMatch runs the corpus's hash indicator match rule,
// verbatim, with indicators given by --indicators and in the stream.
func TestHuntThreatMatch(t *testing.T) {
	ruleFile := testenv.Path(t, "corpus", "detection-rules", "rules", "threat_intel", "threat_intel_indicator_match_hash.toml")
	dir := t.TempDir()
	indicator := func(ts, id, sha string, extra string) string {
		return `{"@timestamp":"` + ts + `","_id":"` + id + `","data_stream":{"type":"logs","dataset":"ti_abusech.malware","namespace":"default"},` +
			`"event":{"kind":"enrichment","category":["threat"],"type":["indicator"],"module":"ti_abusech"},` +
			`"threat":{"indicator":{"type":"file","file":{"hash":{"sha256":"` + sha + `"}}}}` + extra + `}`
	}
	file := func(ts, id, sha string) string {
		return `{"@timestamp":"` + ts + `","event":{"id":"` + id + `","kind":"event","category":["file"],"type":["creation"],"ingested":"` + ts + `"},` +
			`"data_stream":{"type":"logs","dataset":"endpoint.events.file","namespace":"default"},"host":{"name":"wks1","os":{"type":"windows"}},` +
			`"file":{"path":"C:\\Users\\a\\x.exe","hash":{"sha256":"` + sha + `"}}}`
	}
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	iocs := write("iocs.ndjson",
		indicator("2024-05-01T00:00:00Z", "ioc-1", "aaaa", ""),
		indicator("2024-05-01T00:00:00Z", "ioc-2", "bbbb", `,"labels":{"is_ioc_transform_source":"true"}`), // excluded by the threat query
	)
	events := write("events.ndjson",
		file("2024-05-10T10:00:00Z", "f1", "aaaa"), // matches ioc-1
		file("2024-05-10T10:00:01Z", "f2", "bbbb"), // ioc-2 is not an indicator
		file("2024-05-10T10:00:02Z", "f3", "cccc"), // no indicator yet
		indicator("2024-05-10T10:00:03Z", "ioc-3", "cccc", ""),
		file("2024-05-10T10:00:04Z", "f4", "cccc"), // matches ioc-3, read from the stream
		file("2024-08-10T10:00:00Z", "f5", "aaaa"), // ioc-1 is older than now-30d/d
	)
	out, errOut, err := runHunt(t, "--format", "jsonl", "--rules", ruleFile, "--indicators", iocs, events)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	got := enrichments(t, out, true)
	want := "f1~ioc-1:file.hash.sha256 f4~ioc-3:file.hash.sha256"
	if strings.Join(got, " ") != want {
		t.Errorf("matches %v, want %s\n%s", got, want, errOut)
	}
	if !strings.Contains(errOut, "threat indicators kept: 2") {
		t.Errorf("summary lacks the indicator count:\n%s", errOut)
	}
}

// enrichments lists the indicator matches of the alerts in out as
// "event id~indicator id", with ":field" when withField.
func enrichments(t *testing.T, out string, withField bool) []string {
	t.Helper()
	var got []string
	for _, a := range alertDocs(t, out) {
		id := a["event"].(map[string]any)["id"].(string)
		for _, en := range a["threat.enrichments"].([]any) {
			m := en.(map[string]any)["matched"].(map[string]any)
			s := id + "~" + m["id"].(string)
			if withField {
				s += ":" + m["field"].(string)
			}
			got = append(got, s)
		}
	}
	return got
}
