package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestHuntParallelMatchesSingle hunts with every Windows rule of the
// corpus once with one engine and once with several (events partitioned by
// host): the output must be the same bytes, in every format. Over the EVTX
// attack samples and a slice of the winlog corpus.
func TestHuntParallelMatchesSingle(t *testing.T) {
	corpus := testenv.Path(t, "corpus", "detection-rules")
	samples := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES")
	winlog := testenv.Path(t, "data", "winlog", "security-datasets")
	old := huntNow
	huntNow = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	defer func() { huntNow = old }()

	// A slice of the winlog corpus (31,574 of its 200,806 records);
	// bench/hunt.sh compares the whole of it.
	var slice []string
	for _, tactic := range []string{"defense_evasion", "discovery", "execution", "privilege_escalation", "credential_access"} {
		slice = append(slice, filepath.Join(winlog, tactic))
	}
	rules := []string{"--tag", "OS: Windows",
		"--rules", filepath.Join(corpus, "rules"), "--rules", filepath.Join(corpus, "rules_building_block")}
	tests := []struct {
		name    string
		format  string
		paths   []string
		engines []string
	}{
		{"evtx attack samples jsonl", "jsonl", []string{samples}, []string{"2", "5"}},
		{"evtx attack samples csv", "csv", []string{filepath.Join(samples, "Lateral Movement"), filepath.Join(samples, "Execution")}, []string{"3"}},
		{"winlog jsonl", "jsonl", slice, []string{"3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(engines string) string {
				args := append([]string{"--format", tt.format, "--quiet", "--engines", engines}, rules...)
				out, errOut, err := runHunt(t, append(args, tt.paths...)...)
				if err != nil {
					t.Fatalf("--engines %s: %v\n%s", engines, err, errOut)
				}
				return out
			}
			want := run("1")
			if strings.Count(want, "\n") < 20 {
				t.Fatalf("only %d alert lines: the comparison would prove little", strings.Count(want, "\n"))
			}
			for _, n := range tt.engines {
				if got := run(n); got != want {
					t.Errorf("--engines %s: output differs from one engine (%d vs %d bytes)", n, len(got), len(want))
					if dir := os.Getenv("VIGIL_DIFF_DIR"); dir != "" {
						os.WriteFile(filepath.Join(dir, "single."+tt.format), []byte(want), 0o644)
						os.WriteFile(filepath.Join(dir, "parallel"+n+"."+tt.format), []byte(got), 0o644)
					}
				}
			}
			t.Logf("%d lines identical", strings.Count(want, "\n"))
		})
	}
}
