//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestMain runs vigil's main instead of the tests when VIGIL_TEST_MAIN is
// set, so that tests can run the command as a process (signals, exit
// status) without building it.
func TestMain(m *testing.M) {
	if os.Getenv("VIGIL_TEST_MAIN") == "1" {
		if n, err := strconv.ParseUint(os.Getenv("VIGIL_TEST_NOFILE"), 10, 64); err == nil {
			// A descriptor limit as `ulimit -n` sets it.
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(3)
			}
		}
		os.Args = append([]string{"vigil"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// vigilProcess returns the command that runs vigil with args.
func vigilProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "VIGIL_TEST_MAIN=1")
	return cmd
}

// TestManyFilesBoundedOpen: with more inputs than may be open at once
// (a file descriptor limit of 4,096 and 10,000 files) every file is read;
// an unreadable one makes the exit status non-zero.
func TestManyFilesBoundedOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 files")
	}
	dir := t.TempDir()
	for i := range 10000 {
		line := fmt.Sprintf(`{"@timestamp":"2026-01-01T00:00:%02d.%03dZ","n":%d}`+"\n", i/1000, i%1000, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.ndjson", i)), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func() (string, error) {
		cmd := vigilProcess(t, "eql", "--size", "0", "any where true", dir)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		// The child lowers its own limit (see TestMain).
		cmd.Env = append(cmd.Env, "VIGIL_TEST_NOFILE=4096")
		err := cmd.Run()
		if errOut.Len() > 0 && err == nil {
			t.Logf("stderr: %s", errOut.String()[:min(errOut.Len(), 500)])
		}
		return out.String(), err
	}
	out, err := run()
	if err != nil {
		t.Fatalf("%v", err)
	}
	if n := strings.Count(out, "\n"); n != 10000 {
		t.Errorf("%d events, want 10000", n)
	}
	// One file that cannot be read (not EVTX, gzip or JSON).
	os.WriteFile(filepath.Join(dir, "f00007.ndjson"), []byte("garbage\n"), 0o644)
	if out, err := run(); err == nil {
		t.Errorf("exit status 0 with an unreadable file")
	} else if n := strings.Count(out, "\n"); n != 9999 {
		t.Errorf("%d events, want 9999", n)
	}
}

// TestInterruptFlushesAndExits130: the first Ctrl-C stops reading (here
// from a pipe that never ends), judges the events already read, prints the
// summary and exits with status 130.
func TestInterruptFlushesAndExits130(t *testing.T) {
	// -v: each warning as it comes (they are otherwise grouped at the end).
	cmd := vigilProcess(t, "hunt", "--format", "jsonl", "--progress", "never", "-v", "-")
	stdinW, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	errR, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The events, then one with a bad timestamp: its warning on stderr
	// says that everything before it has been read.
	stdinW.Write(exampleEvents(t))
	stdinW.Write([]byte(`{"@timestamp":"not a time","event":{"category":"process"}}` + "\n"))
	sc := bufio.NewScanner(errR)
	var stderrText strings.Builder
	// A hang guard, not a timing assertion: a child that never warns is
	// killed, which ends the scan below.
	watchdog := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer watchdog.Stop()
	for sc.Scan() {
		stderrText.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "is not a time") {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		for sc.Scan() {
			stderrText.WriteString(sc.Text() + "\n")
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute): // a hang, not a timing assertion
		t.Fatalf("vigil did not end after SIGINT:\n%s", stderrText.String())
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d (%v), want 130\n%s", code, err, stderrText.String())
	}
	// The events read give the alerts of a hunt that reads them to the end.
	full, _, err := runHunt(t, "--format", "jsonl", "--progress", "never", filepath.Join(testenv.Root(t), "examples"))
	if err != nil {
		t.Fatal(err)
	}
	want := len(alertDocs(t, full))
	if !strings.Contains(stderrText.String(), fmt.Sprintf("alerts: %d ", want)) {
		t.Errorf("no summary with the %d alerts of the events read:\n%s", want, stderrText.String())
	}
	if n := len(alertDocs(t, out.String())); n != want || n == 0 {
		t.Errorf("%d alerts written, want %d", n, want)
	}
	stdinW.Close()
}
