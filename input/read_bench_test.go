package input_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/winlog"
)

var (
	ecsOnce sync.Once
	ecsFile []byte
)

// ecsSample is a slice of the winlog corpus (about n records) mapped to
// ECS NDJSON, as vigil dump writes it.
func ecsSample(tb testing.TB, n int) []byte {
	ecsOnce.Do(func() {
		var rec winlog.Record
		var doc event.Doc
		norm := winlog.NewNormalizer()
		for _, l := range testenv.WinlogSample(tb, n) {
			if winlog.DecodeJSON(l, &rec) != nil {
				continue
			}
			if _, err := norm.Normalize(&rec, &doc); err != nil {
				continue
			}
			ecsFile = append(doc.AppendJSON(ecsFile), '\n')
		}
	})
	return ecsFile
}

// BenchmarkReadECSPooled reads an ECS NDJSON file as a 1-core hunt does:
// each record framed, made its event's (copied or borrowed) and decoded,
// into events taken in rotation from a pool of the merge's size (each
// recycled only when its turn comes again, so that what it holds stays
// pinned that long), one in eleven fresh (the one it replaces recycled
// first, as the merge's pool does not: a chunk borrowed by an event let
// go without Recycle is reused only after a collection).
func BenchmarkReadECSPooled(b *testing.B) {
	benchReadECSPooled(b, []string{
		"@timestamp", "event.category", "event.type", "event.action", "event.code", "host.name", "user.name",
		"process.name", "process.executable", "process.args", "process.command_line", "process.parent.name",
		"file.path", "registry.path", "message", "winlog.event_data.CallTrace", "winlog.channel",
	})
}

// BenchmarkReadECSPooledHunt is BenchmarkReadECSPooled with the schema of
// a hunt with every Windows rule (event/testdata/huntfields.txt), which
// knows most keys of a document.
func BenchmarkReadECSPooledHunt(b *testing.B) {
	benchReadECSPooled(b, huntFields(b))
}

// huntFields returns the fields of event/testdata/huntfields.txt, those
// a hunt with every Windows rule gives slots.
func huntFields(tb testing.TB) []string {
	data, err := os.ReadFile(filepath.Join("..", "event", "testdata", "huntfields.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var fields []string
	for f := range strings.Lines(string(data)) {
		if f = strings.TrimSpace(f); f != "" && !strings.HasPrefix(f, "#") {
			fields = append(fields, f)
		}
	}
	return fields
}

func benchReadECSPooled(b *testing.B, fields []string) {
	data := ecsSample(b, 20000)
	path := filepath.Join(b.TempDir(), "ecs.ndjson")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	benchReadPooled(b, path, len(data), fields)
}

// benchReadPooled reads the file at path (size bytes) over and over with a
// schema of fields, into a pool of 2,048 events of which one in 11 is
// fresh, as a hunt's merge hands them out; it reports events per
// CPU-second and the storage the events hold (Footprint) on average.
func benchReadPooled(b *testing.B, path string, size int, fields []string) {
	s := event.NewSchema()
	for _, f := range fields {
		s.Slot(f)
	}
	op := input.NewOpener(input.Options{Schema: s})
	pool := make([]*event.Event, 2048)
	for i := range pool {
		pool[i] = new(event.Event)
	}
	b.SetBytes(int64(size))
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
