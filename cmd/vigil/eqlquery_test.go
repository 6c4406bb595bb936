package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEQLKQLAndQueryFile(t *testing.T) {
	dir := t.TempDir()
	// A query longer than the 128 KiB a single argument may have: 20000
	// process names in an in~ list, the one that matters last.
	var names []string
	for i := range 20000 {
		names = append(names, `"tool-`+strings.Repeat("x", i%7)+string(rune('a'+i%26))+`.exe"`)
	}
	names = append(names, `"sc.exe"`)
	long := filepath.Join(dir, "long.eql")
	os.WriteFile(long, []byte("process where process.name in~ ("+strings.Join(names, ", ")+")\n"), 0o644)
	if fi, _ := os.Stat(long); fi.Size() <= 128<<10 {
		t.Fatalf("query of %d bytes is not over 128 KiB", fi.Size())
	}
	kqlFile := filepath.Join(dir, "q.kql")
	os.WriteFile(kqlFile, []byte(`process.name : "sc.exe" and not destination.ip : *`), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		// KQL on a keyword is case-sensitive: SC.exe (2) does not match.
		{"kql", []string{"--kql", `process.name : sc.exe`, "FILE"}, "1 3"},
		{"kql wildcard on an array", []string{"--kql", `process.args : \\\\*`, "FILE"}, "2"},
		{"kql and category", []string{"--kql", `event.category : network and destination.ip : "10.0.0.0/8"`, "FILE"}, "3"},
		{"query file", []string{"--query-file", long, "FILE"}, "1 2"},
		{"kql query file", []string{"--kql", "--query-file", kqlFile, "FILE"}, "1"},
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
		})
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--query-file", filepath.Join(dir, "none.eql"), "FILE"}, "eql: --query-file: open "},
		{[]string{"--kql", `process.name :`, "FILE"}, "eql: kql: 1:15: "},
		{nil, "eql: a QUERY is required (or --query-file)"},
	} {
		_, _, err := runEQL(t, tc.args...)
		if exitCodeOf(err) != 1 || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q...", tc.args, err, tc.want)
		}
	}
}
