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

// runRulesTest runs "vigil rules test" with args and returns its output.
func runRulesTest(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	old := stdout
	stdout = &out
	defer func() { stdout = old }()
	err := run(context.Background(), append([]string{"rules", "test"}, args...))
	return out.String(), err
}

// TestRulesTestBuiltin is what CI runs as "vigil rules test builtin":
// every case of every built-in rule holds, and every rule has tests.
func TestRulesTestBuiltin(t *testing.T) {
	out, err := runRulesTest(t, filepath.Join(testenv.Root(t), "builtin"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, " 0 failed, 0 rules without tests\n") {
		t.Errorf("summary:\n%s", out)
	}
}

// TestRulesTestEmbedded runs the tests of the pack built into the binary,
// as "vigil rules test" without a path does: the same cases as on disk.
func TestRulesTestEmbedded(t *testing.T) {
	out, err := runRulesTest(t)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	disk, err := runRulesTest(t, filepath.Join(testenv.Root(t), "builtin"))
	if err != nil {
		t.Fatalf("%v\n%s", err, disk)
	}
	if out != disk || !strings.Contains(out, " 0 failed, 0 rules without tests\n") {
		t.Errorf("embedded:\n%s\non disk:\n%s", out, disk)
	}
}

func TestRulesTestFailures(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(testenv.Root(t), "builtin", "rules", "services_spawning_shell.toml")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shell.toml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	test := `[[test]]
name = "wrong count"
events = '''
{"@timestamp":"2026-11-20T10:00:01Z","event":{"category":["process"],"type":["start"]},"host":{"name":"FS02","os":{"type":"windows"}},"process":{"name":"cmd.exe","parent":{"name":"services.exe"}}}
'''
alerts = 0
`
	if err := os.WriteFile(filepath.Join(dir, "shell.test.toml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runRulesTest(t, dir)
	if exitCodeOf(err) != 2 {
		t.Errorf("exit %d (%v), want 2", exitCodeOf(err), err)
	}
	want := `FAIL  ` + filepath.Join(dir, "shell.test.toml") + `: Service Control Manager Spawned a Shell: "wrong count"
      want 0 alerts, got 1, on events [1]
1 test files, 1 cases, 1 failed, 0 rules without tests
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	out, err = runRulesTest(t, "--format", "json", dir)
	var rep struct {
		Results []struct {
			Case     string
			Want     int
			Got      int
			Problems []string
		}
		Summary struct{ Files, Cases, Failed int }
	}
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil || exitCodeOf(err) != 2 {
		t.Fatalf("json: exit %d, %v\n%s", exitCodeOf(err), jerr, out)
	}
	if len(rep.Results) != 1 || rep.Results[0].Got != 1 || len(rep.Results[0].Problems) != 1 ||
		rep.Summary.Failed != 1 || rep.Summary.Cases != 1 {
		t.Errorf("json report: %+v", rep)
	}

	// A test file that does not parse is an error too, named by position.
	if err := os.WriteFile(filepath.Join(dir, "shell.test.toml"), []byte("[[test]]\nnmae = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runRulesTest(t, dir)
	if exitCodeOf(err) != 2 || !strings.Contains(out, "shell.test.toml:2:1: unknown key test.nmae") {
		t.Errorf("exit %d, output:\n%s", exitCodeOf(err), out)
	}

	// -run selects cases by name; no case selected is a failure too.
	if err := os.WriteFile(filepath.Join(dir, "shell.test.toml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runRulesTest(t, "-run", "^right", dir)
	if exitCodeOf(err) != 2 || !strings.Contains(out, "0 test files, 0 cases, 0 failed") {
		t.Errorf("-run selecting nothing: exit %d\n%s", exitCodeOf(err), out)
	}
	if _, err := runRulesTest(t, "-run", "(", dir); exitCodeOf(err) != 1 {
		t.Errorf("bad -run: exit %d, want 1", exitCodeOf(err))
	}

	if _, err := runRulesTest(t, "--format", "yaml"); exitCodeOf(err) != 1 {
		t.Errorf("bad format: exit %d, want 1", exitCodeOf(err))
	}
}

// TestRuleLoadingSkipsTests checks that the test files beside rules are
// not loaded as rules when a folder is given to --rules or rules check.
func TestRuleLoadingSkipsTests(t *testing.T) {
	var out bytes.Buffer
	old := stdout
	stdout = &out
	err := run(context.Background(), []string{"rules", "check", filepath.Join(testenv.Root(t), "builtin", "rules")})
	stdout = old
	if err != nil || !strings.Contains(out.String(), "\n16 rules: 16 ok, 0 unsupported, 0 errors") {
		t.Errorf("%v\n%s", err, out.String())
	}
}
