package server

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
)

// BenchmarkPipeline measures the service's evaluation path without HTTP
// or the log: raw winlog records (a real-data sample from the shared
// corpus) decoded, ordered per source and evaluated by every Windows rule
// of Elastic's corpus, alerts stored. Records are taken in batches of 500,
// as a bulk request brings them.
func BenchmarkPipeline(b *testing.B) {
	lines := lateralMovement(b, 50_000)
	dir := testenv.Path(b, "corpus", "detection-rules")
	rules, _, _ := rule.LoadPaths(dir+"/rules", dir+"/rules_building_block")
	var win []*rule.Rule
	for _, r := range rules {
		for _, t := range r.Tags {
			if t == "OS: Windows" {
				win = append(win, r)
				break
			}
		}
	}
	cfg := Config{DataDir: b.TempDir()}
	cfg.Defaults()
	alerts, err := store.OpenAlerts(filepath.Join(cfg.DataDir, "alerts.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer alerts.Close()
	srv, err := New(cfg, win, testOptions, testLog())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	rs, _ := srv.RuleSet()
	b.ResetTimer()
	var bytesIn int64
	for i := 0; i < b.N; i++ {
		p := newPipeline(&cfg, testLog(), srv.wal, srv.carryWAL, alerts, rs)
		lsn := uint64(0)
		for start := 0; start < len(lines); start += 500 {
			var docs []doc
			for _, l := range lines[start:min(start+500, len(lines))] {
				docs = append(docs, doc{index: "winlogbeat-8.17.0", source: l})
				bytesIn += int64(len(l))
			}
			lsn++
			p.handle(job{lsn: lsn, docs: docs})
		}
		p.handle(job{refresh: make(chan struct{})})
	}
	b.SetBytes(bytesIn / int64(b.N))
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// lateralMovement returns up to n raw winlog records of the shared
// corpus' lateral movement datasets, in file order.
func lateralMovement(t testing.TB, n int) [][]byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testenv.Path(t, "data", "winlog", "security-datasets"), "lateral_movement", "*.ndjson.gz"))
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	var lines [][]byte
	for _, f := range files {
		testenv.EachLine(t, f, func(line []byte, _ int) {
			if len(lines) < n {
				lines = append(lines, bytes.Clone(line))
			}
		})
	}
	return lines
}
