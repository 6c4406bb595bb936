package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

const eqlTestEvents = `{"@timestamp":"2024-01-01T00:00:02Z","event":{"category":["process"]},"process":{"name":"SC.exe","args":["sc.exe","\\\\host","create"]},"id":2}
{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"process"},"process":{"name":"sc.exe","args":["sc.exe","query"]},"id":1}
not json
{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"network"},"process":{"name":"sc.exe"},"destination":{"ip":"10.1.2.3"},"id":3}
`

func runEQL(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(path, []byte(eqlTestEvents), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	for i, a := range args {
		if a == "FILE" {
			args[i] = path
		}
	}
	err := (&eqlCmd{}).Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// ids returns the "id" of each output line, in order.
func ids(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if i := strings.Index(l, `"id":`); i >= 0 {
			b.WriteString(strings.TrimRight(l[i+5:], "}"))
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

func TestEQLCommand(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"case-insensitive match in time order", []string{`process where process.name : "sc.exe"`, "FILE"}, "1 2"},
		{"array any element", []string{`process where process.args : "\\\\*"`, "FILE"}, "2"},
		{"any category and tail", []string{`any where true | tail 2`, "FILE"}, "3 2"},
		{"size", []string{"--size", "1", `any where true`, "FILE"}, "1"},
		{"ip field", []string{`network where cidrMatch(destination.ip, "10.0.0.0/8")`, "FILE"}, "3"},
		{"tiebreaker", []string{"--tiebreaker-field", "id", "--size", "0", `any where true`, "FILE"}, "1 3 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runEQL(t, tt.args...)
			if err != nil {
				t.Fatalf("Run: %v (stderr %q)", err, errOut)
			}
			if got := ids(out); got != tt.want {
				t.Errorf("ids = %q, want %q\n%s", got, tt.want, out)
			}
			if !strings.Contains(errOut, "events.ndjson:line 3: invalid JSON") {
				t.Errorf("stderr %q does not report the bad line", errOut)
			}
		})
	}
}

func TestEQLCommandErrors(t *testing.T) {
	_, errOut, err := runEQL(t, "--strict", `process where startswth(process.name, "sc") and proces.nme == 1`, "FILE")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`query:1:15: eql: unknown function "startswth" (did you mean "startsWith"?)`, `query:1:49: eql: unknown field "proces.nme"`, "   |               ^"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestEQLSequenceAndSample(t *testing.T) {
	out, errOut, err := runEQL(t, `sequence by process.name with maxspan=1m [process where true] [network where true]`, "FILE")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := `{"join_keys":["sc.exe"],"events":[{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"process"},"process":{"name":"sc.exe","args":["sc.exe","query"]},"id":1},{"@timestamp":"2024-01-01T00:00:01Z","event":{"category":"network"},"process":{"name":"sc.exe"},"destination":{"ip":"10.1.2.3"},"id":3}]}` + "\n"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	// A trailing missing event: no network event follows either process
	// event (the network event 3 has the same time as 1, and a trailing
	// missing event must come strictly later, as in Elasticsearch).
	out, _, err = runEQL(t, `sequence with maxspan=1h [process where process.name : "SC.exe"] ![network where true]`, "FILE")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.Contains(lines[0], `"id":1},{"missing":true}`) || !strings.Contains(lines[1], `"id":2},{"missing":true}`) {
		t.Errorf("missing-event sequence: %v %q", err, out)
	}
	out, _, err = runEQL(t, `sample by process.name [process where true] [network where true]`, "FILE")
	if err != nil || !strings.HasPrefix(out, `{"join_keys":["sc.exe"]`) {
		t.Errorf("sample: %v %q", err, out)
	}
}

// TestEQLReadsEVTX: vigil eql reads EVTX files (it used to take NDJSON
// only), mapped to ECS as hunt maps them.
func TestEQLReadsEVTX(t *testing.T) {
	dir := testenv.Path(t, "data", "evtx", "EVTX-to-MITRE-Attack", "TA0008-Lateral Movement", "T1021.002-SMB Windows Admin Shares")
	var out, errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	err := (&eqlCmd{}).Run(context.Background(), []string{"--size", "0", `any where host.os.type == "windows" and event.code != null`, dir})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if n := strings.Count(out.String(), "\n"); n < 10 {
		t.Errorf("%d events from the EVTX files\n%s", n, errOut.String())
	}
}
