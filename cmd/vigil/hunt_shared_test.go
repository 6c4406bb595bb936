package main

import (
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
