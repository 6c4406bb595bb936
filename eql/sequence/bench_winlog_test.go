package sequence_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkSequenceWinlog runs `sequence by process.entity_id with
// maxspan=1m [process where true] [any where event.category in
// ("network", "file", "registry")]` over real recorded
// telemetry: a slice of the winlog corpus (VIGIL_BENCH_EVENTS records,
// default 50,000, in time order) as ECS documents, decoded once, pushed in
// a loop with times shifted. "reused" pushes the decoded events as a
// caller that reuses its events would (the matcher keeps copies), "owned"
// hands a fresh event over for each one a stage matches. Events per
// CPU-second of the pushing thread and of the process.
func BenchmarkSequenceWinlog(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	schema := event.NewSchema()
	cat, key := schema.Slot("event.category"), schema.Slot("process.entity_id")
	for _, f := range []string{"host.name", "user.name", "process.name", "process.executable", "destination.ip", "file.path", "registry.path"} {
		schema.Slot(f)
	}
	evs := winlogEvents(b, schema, n)
	has := func(slot int, want ...string) func(*event.Event) bool {
		return func(e *event.Event) bool {
			found := false
			e.Get(slot).Each(func(v event.Value) bool {
				found = v.Kind() == event.KindString && slices.Contains(want, v.Str())
				return !found
			})
			return found
		}
	}
	isProc, isOther := has(cat, "process"), has(cat, "network", "file", "registry")
	keys := []sequence.Key{{Get: func(e *event.Event) event.Value { return e.Get(key) }}}
	spec := &sequence.Spec{
		Stages:  []sequence.Stage{{Match: isProc, Keys: keys}, {Match: isOther, Keys: keys}},
		MaxSpan: time.Minute,
	}
	first, span := evs[0].Time, evs[len(evs)-1].Time-evs[0].Time+int64(time.Hour)
	for _, owned := range []bool{false, true} {
		name := "reused"
		if owned {
			name = "owned"
		}
		b.Run(name, func(b *testing.B) {
			m, err := sequence.NewMatcher(spec, sequence.Options{Owned: owned})
			if err != nil {
				b.Fatal(err)
			}
			results := 0
			emit := func(sequence.Result) { results++ }
			times := make([]int64, len(evs))
			staged := make([]bool, len(evs))
			for i, e := range evs {
				times[i] = e.Time - first
				staged[i] = isProc(e) || isOther(e)
			}
			b.ReportAllocs()
			meter := cputime.Start()
			i := 0
			for b.Loop() {
				j := i % len(evs)
				e := evs[j]
				e.Time = first + int64(i/len(evs))*span + times[j]
				if owned && staged[j] {
					c := new(event.Event)
					*c = *e
					e = c
				}
				m.Push(e, emit)
				i++
			}
			meter.Report(b, b.N, "events")
			b.ReportMetric(float64(results)/float64(b.N), "results/event")
			b.ReportMetric(float64(m.Stats().Keys), "keys")
		})
	}
}

// winlogEvents decodes up to n records of the winlog corpus (a few
// tactics' datasets) with schema, in order of time.
func winlogEvents(b *testing.B, schema *event.Schema, n int) []*event.Event {
	dir := testenv.Path(b, "data", "winlog", "security-datasets")
	var files []string
	for _, tactic := range []string{"execution", "privilege_escalation", "defense_evasion", "discovery", "lateral_movement"} {
		fs, _ := filepath.Glob(filepath.Join(dir, tactic, "*.ndjson.gz"))
		files = append(files, fs...)
	}
	if len(files) == 0 {
		b.Skipf("no winlog datasets under %s", dir)
	}
	raw := true
	op := input.NewOpener(input.Options{RawWinlog: &raw})
	var out []*event.Event
	var rec event.Event
	for _, f := range files {
		r, err := op.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		for len(out) < n {
			rec.Recycle()
			err := r.Next(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatalf("%s: %v", f, err)
			}
			e := &event.Event{}
			if err := schema.Decode(rec.AppendJSON(nil), e); err != nil {
				b.Fatal(err)
			}
			e.Time = rec.Time
			out = append(out, e)
		}
		r.Close()
	}
	if len(out) == 0 {
		b.Fatal("no winlog events")
	}
	slices.SortStableFunc(out, func(x, y *event.Event) int {
		switch {
		case x.Time < y.Time:
			return -1
		case x.Time > y.Time:
			return 1
		}
		return 0
	})
	return out
}
