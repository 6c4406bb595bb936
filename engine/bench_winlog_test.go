package engine

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/winlog"
)

// winlogSample returns up to n records of the winlog corpus (the
// datasets of a few tactics, in file order) as the ECS documents vigil
// dump prints, each with the index its channel gives.
// sampleSize is the size of the corpus slice the winlog benchmarks
// read: VIGIL_BENCH_EVENTS, default 50,000.
func sampleSize() int {
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_EVENTS")); err == nil && v > 0 {
		return v
	}
	return 50_000
}

// windowsSample returns the benchmarks' corpus slice (sampleSize) and
// the corpus' Windows rules compiled for it.
func windowsSample(b *testing.B) ([]benchEvent, *RuleSet) {
	evs := winlogSample(b, sampleSize())
	rs, _ := Compile(windowsRules(b), Options{Aliases: winlog.Aliases, Now: func() time.Time { return time.Unix(0, 0) }})
	return evs, rs
}

func winlogSample(tb testing.TB, n int) []benchEvent {
	dir := testenv.Path(tb, "data", "winlog", "security-datasets")
	var files []string
	for _, tactic := range []string{"execution", "privilege_escalation", "defense_evasion", "discovery", "lateral_movement"} {
		fs, _ := filepath.Glob(filepath.Join(dir, tactic, "*.ndjson.gz"))
		files = append(files, fs...)
	}
	if len(files) == 0 {
		tb.Fatalf("no winlog datasets under %s", dir)
	}
	raw := true
	op := input.NewOpener(input.Options{RawWinlog: &raw})
	var out []benchEvent
	var ev event.Event
	for _, f := range files {
		r, err := op.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		for len(out) < n {
			ev.Recycle()
			err := r.Next(&ev)
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
			out = append(out, benchEvent{line: ev.AppendJSON(nil), index: ev.Index})
		}
		r.Close()
	}
	return out
}

// BenchmarkHuntWinlogSample hunts with every Windows rule of the corpus
// over real recorded telemetry (the ECS form of a slice of the winlog
// corpus), decoding included, next to BenchmarkHuntWindowsRules' synthetic
// events: the corpus' events are larger and match more. Events per
// CPU-second of the hunting thread; VIGIL_BENCH_EVENTS sets the slice
// (default 50,000).
func BenchmarkHuntWinlogSample(b *testing.B) {
	evs, rs := windowsSample(b)
	var bytes int64
	for _, e := range evs {
		bytes += int64(len(e.line))
	}
	b.ResetTimer()
	var took time.Duration
	var alerts int
	for b.Loop() {
		alerts = 0
		eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) { alerts++ }))
		runtime.LockOSThread()
		start := cputime.Thread()
		feed(b, eng, evs)
		took += cputime.Thread() - start
		runtime.UnlockOSThread()
	}
	iters := float64(b.N)
	b.ReportMetric(float64(len(evs))*iters/took.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(bytes)*iters/took.Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(alerts), "alerts")
	b.ReportMetric(float64(len(evs)), "events")
}

// BenchmarkParallelWinlogSample is BenchmarkHuntWinlogSample's hunt with
// the rules' evaluation spread over GOMAXPROCS partition engines and the
// shared engine (decoding stays on the caller's goroutine): wall-clock
// events per second, to compare with -cpu 1.
func BenchmarkParallelWinlogSample(b *testing.B) {
	evs, rs := windowsSample(b)
	probe := rs.NewEngine(nil)
	free := make(chan *event.Event, 4096)
	b.ResetTimer()
	for b.Loop() {
		p := rs.NewParallel(runtime.GOMAXPROCS(0), nil, func(ev *event.Event) {
			select {
			case free <- ev:
			default:
			}
		})
		for i, be := range evs {
			var ev *event.Event
			select {
			case ev = <-free:
				ev.Recycle()
			default:
				ev = new(event.Event)
			}
			decodeInto(b, probe, be, int64(i), ev)
			p.Process(ev)
		}
		p.Flush()
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkProcessWinlogSample is BenchmarkHuntWinlogSample without the
// decoding: events are decoded a batch at a time outside the timed part,
// and only Engine.Process is timed (CPU of the hunting thread). It also
// reports the offers (rule evaluations the index chose) and matches per
// pass, so that the index's selectivity can be reproduced.
func BenchmarkProcessWinlogSample(b *testing.B) {
	evs, rs := windowsSample(b)
	// In a hunt, events wait in reordering windows (1,024 per input,
	// a few inputs at once) between decoding and Process, so they are
	// out of the nearest caches; VIGIL_BENCH_BATCH sets how many are
	// decoded ahead (default 4,096).
	ahead := 4096
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_BATCH")); err == nil && v > 0 {
		ahead = v
	}
	batch := make([]event.Event, ahead)
	var took time.Duration
	var offers, matches int64
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for b.Loop() {
		eng := rs.NewEngine(nil)
		for at := 0; at < len(evs); at += len(batch) {
			part := evs[at:min(at+len(batch), len(evs))]
			for i, be := range part {
				decodeInto(b, eng, be, int64(at+i), &batch[i])
			}
			start := cputime.Thread()
			for i := range part {
				eng.Process(&batch[i])
			}
			took += cputime.Thread() - start
		}
		eng.Flush()
		offers, matches = 0, 0
		for _, st := range eng.Stats() {
			offers += st.Offered
			matches += st.Matched
		}
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/took.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(offers), "offers")
	b.ReportMetric(float64(matches), "matches")
	b.ReportMetric(float64(len(evs)), "events")
}
