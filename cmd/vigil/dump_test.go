package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

func runDump(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	err := (&dumpCmd{}).Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// TestDumpRawWinlog maps raw winlog records to ECS and reports a bad line
// by file and line, going on with the rest.
func TestDumpRawWinlog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sec.ndjson")
	os.WriteFile(path, []byte(`{"@timestamp":"2021-04-27T04:07:34.160Z","winlog":{"channel":"Security","event_id":"4624","computer_name":"DC01.corp.local","provider_name":"Microsoft-Windows-Security-Auditing","event_data":{"LogonType":"3","TargetUserName":"alice","TargetDomainName":"CORP","IpAddress":"10.0.0.7"}}}
{not json
{"@timestamp":"2021-04-27T04:07:35.000Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","provider_name":"Microsoft-Windows-Sysmon","computer_name":"WKS-1","event_data":{"UtcTime":"2021-04-27 04:07:35.000","ProcessGuid":"{AB12CD34-0000-0000-0000-000000000001}","Image":"C:\\Windows\\System32\\sc.exe","CommandLine":"sc.exe  \\\\FS02 create x binPath= y","User":"CORP\\alice"}}}
`), 0o644)
	out, errOut, err := runDump(t, path)
	if err == nil || !strings.Contains(errOut, "sec.ndjson:line 2: invalid JSON") {
		t.Errorf("the bad line is not reported: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d documents, want 2:\n%s", len(lines), out)
	}
	var logon, proc map[string]any
	json.Unmarshal([]byte(lines[0]), &logon)
	json.Unmarshal([]byte(lines[1]), &proc)
	get := func(m map[string]any, path string) any {
		var v any = m
		for _, p := range strings.Split(path, ".") {
			mm, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = mm[p]
		}
		return v
	}
	checks := []struct {
		doc  map[string]any
		path string
		want any
	}{
		{logon, "event.code", "4624"},
		{logon, "host.os.type", "windows"},
		{logon, "user.name", "alice"},
		{logon, "source.ip", "10.0.0.7"},
		{proc, "process.name", "sc.exe"},
		{proc, "process.entity_id", "{ab12cd34-0000-0000-0000-000000000001}"},
		{proc, "event.category", []any{"process"}},
	}
	for _, c := range checks {
		got := get(c.doc, c.path)
		if g, _ := json.Marshal(got); string(g) != func() string { w, _ := json.Marshal(c.want); return string(w) }() {
			t.Errorf("%s = %v, want %v", c.path, got, c.want)
		}
	}
	if args := get(proc, "process.args"); args == nil || len(args.([]any)) != 6 {
		t.Errorf("process.args = %v (double spaces must not make empty arguments)", args)
	}
}

// TestDumpEVTX reads every shared EVTX file of one attack folder: one
// document per record, each with a channel and an event code.
func TestDumpEVTX(t *testing.T) {
	dir := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES", "Lateral Movement")
	out, errOut, err := runDump(t, dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad document: %v", err)
		}
		ev, _ := m["event"].(map[string]any)
		wl, _ := m["winlog"].(map[string]any)
		if ev["code"] == nil || wl["channel"] == nil {
			t.Errorf("document without event.code or winlog.channel: %s", l[:min(len(l), 200)])
		}
		n++
	}
	if n < 100 {
		t.Errorf("only %d documents", n)
	}
	t.Logf("%d documents", n)
}
