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
// host), and with each file's records decoded on several goroutines: the
// output must be the same bytes, in every format, and the late events the
// same. Over the EVTX attack samples and a slice of the winlog corpus.
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
	// Each variant is compared with one engine decoding each file on one
	// goroutine: the alerts, and the counts of late and early-released
	// events in the summary, must be the same.
	tests := []struct {
		name     string
		format   string
		paths    []string
		variants [][]string
	}{
		{"evtx attack samples jsonl", "jsonl", []string{samples}, [][]string{{"--engines", "2"}, {"--engines", "5"}}},
		{"evtx attack samples csv", "csv", []string{filepath.Join(samples, "Lateral Movement"), filepath.Join(samples, "Execution")}, [][]string{{"--engines", "3"}}},
		{"winlog jsonl", "jsonl", slice, [][]string{{"--engines", "3", "--decoders", "3"}, {"--engines", "1", "--decoders", "4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(variant []string) (out, counts string) {
				args := append([]string{"--format", tt.format}, variant...)
				args = append(args, rules...)
				out, errOut, err := runHunt(t, append(args, tt.paths...)...)
				if err != nil {
					t.Fatalf("%v: %v\n%s", variant, err, errOut)
				}
				for _, line := range strings.Split(errOut, "\n") {
					if strings.Contains(line, "events out of time order") || strings.Contains(line, "released before") {
						counts += line + "\n"
					}
				}
				return out, counts
			}
			want, wantCounts := run([]string{"--engines", "1", "--decoders", "1"})
			if strings.Count(want, "\n") < 20 {
				t.Fatalf("only %d alert lines: the comparison would prove little", strings.Count(want, "\n"))
			}
			for _, v := range tt.variants {
				got, counts := run(v)
				if got != want {
					t.Errorf("%v: output differs from one engine (%d vs %d bytes)", v, len(got), len(want))
					if dir := os.Getenv("VIGIL_DIFF_DIR"); dir != "" {
						os.WriteFile(filepath.Join(dir, "single."+tt.format), []byte(want), 0o644)
						os.WriteFile(filepath.Join(dir, "parallel"+strings.Join(v, "")+"."+tt.format), []byte(got), 0o644)
					}
				}
				if counts != wantCounts {
					t.Errorf("%v: summary counts\n%s, want\n%s", v, counts, wantCounts)
				}
			}
			t.Logf("%d lines identical", strings.Count(want, "\n"))
		})
	}
}
