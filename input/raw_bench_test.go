package input_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkReadRawPooled is BenchmarkReadECSPooledHunt over raw winlog
// JSON (a sample of about 20,000 records of the shared corpus, as
// Winlogbeat ships them): each record copied into its event, decoded and
// normalised into a lazy document. storage-B/event is the events'
// Footprint after decoding: how much a pooled event holds, which decides
// how many events the merge's pool keeps and how often a recycled one
// must grow.
func BenchmarkReadRawPooled(b *testing.B) {
	var raw []byte
	for _, l := range testenv.WinlogSample(b, 20000) {
		raw = append(append(raw, l...), '\n')
	}
	path := filepath.Join(b.TempDir(), "raw.ndjson")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	fields, err := os.ReadFile(filepath.Join("..", "event", "testdata", "huntfields.txt"))
	if err != nil {
		b.Fatal(err)
	}
	s := event.NewSchema()
	for f := range strings.Lines(string(fields)) {
		if f = strings.TrimSpace(f); f != "" && !strings.HasPrefix(f, "#") {
			s.Slot(f)
		}
	}
	op := input.NewOpener(input.Options{Schema: s})
	pool := make([]*event.Event, 2048)
	for i := range pool {
		pool[i] = new(event.Event)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	n, footprint := 0, 0
	for b.Loop() {
		r, err := op.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			n++
			if n%11 == 0 {
				pool[n%len(pool)].Recycle()
				pool[n%len(pool)] = new(event.Event)
			}
			ev := pool[n%len(pool)]
			ev.Recycle()
			if err := r.Next(ev); err != nil {
				break
			}
			footprint += ev.Footprint()
		}
		r.Close()
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(footprint)/float64(n), "storage-B/event")
}
