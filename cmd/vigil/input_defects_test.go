package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

func exampleEvents(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Root(t), "examples", "lateral-movement.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestOutputOverInputRefused: --output naming an input is refused and the
// input is left as it was (it used to be truncated before it was read).
func TestOutputOverInputRefused(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "events.ndjson")
	data := exampleEvents(t)
	os.WriteFile(in, data, 0o644)
	for _, args := range [][]string{
		{"--output", in, in},
		{"--output", in, dir},
	} {
		_, _, err := runHunt(t, args...)
		if code := exitCodeOf(err); code != 1 || err == nil || !strings.Contains(err.Error(), "is also an input") {
			t.Errorf("%v: exit %d, %v", args, code, err)
		}
		if got, _ := os.ReadFile(in); !bytes.Equal(got, data) {
			t.Fatalf("%v: the input was changed", args)
		}
	}
	// Nor is an output created when the rules fail.
	out := filepath.Join(dir, "alerts.jsonl")
	runHunt(t, "--rules", filepath.Join(dir, "missing.toml"), "--output", out, in)
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the output was created although no rule loaded")
	}
}

// TestDamagedGzipThenGoodFile: a damaged .gz used to make hunt loop
// forever on the same error; now it ends that input with one error and the
// file after it still produces its alerts.
func TestDamagedGzipThenGoodFile(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(exampleEvents(t))
	zw.Close()
	damaged := b.Bytes()[:b.Len()-20]
	os.WriteFile(filepath.Join(dir, "a-damaged.ndjson.gz"), damaged, 0o644)
	os.WriteFile(filepath.Join(dir, "b-good.ndjson"), exampleEvents(t), 0o644)
	out, errOut, err := runHunt(t, "--format", "jsonl", "--progress", "never", dir)
	if code := exitCodeOf(err); code != 1 {
		t.Errorf("exit %d, want 1 (an input could not be read to the end): %v", code, err)
	}
	if n := strings.Count(errOut, "damaged gzip data"); n != 1 {
		t.Errorf("%d errors for the damaged file, want 1:\n%s", n, errOut)
	}
	if n := len(alertDocs(t, out)); n < 10 {
		t.Errorf("%d alerts, want at least the good file's 10", n)
	}
}
