package engine

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/order"
	"github.com/vigilsec/vigil/rule"
)

// BenchmarkESQLWindowsRules hunts the winlog corpus (real Sysmon,
// Security and PowerShell records, mapped to ECS) once with the corpus's
// ES|QL Windows rules, once with its EQL and KQL Windows rules and once
// with both, in the same run over the same events: the cost per event of
// each set, per event and rule, and what an ES|QL rule adds per event
// beside the others (per rule, the ES|QL set alone also carries the
// engine's fixed per-event cost, shared by 34 rules instead of 576). CPU
// time of the hunting thread; decoding is not counted (events are read
// once, before). VIGIL_BENCH_EVENTS caps the events
// (default 50,000). Each set runs on fresh copies of the events (an event
// memoises its case-folded values for the rules after). Run with
// -benchtime=1x.
func BenchmarkESQLWindowsRules(b *testing.B) {
	var esqlRules, others []*rule.Rule
	for _, r := range windowsRules(b) {
		if r.Type == "esql" {
			esqlRules = append(esqlRules, r)
		} else {
			others = append(others, r)
		}
	}
	n := sampleSize()
	s := event.NewSchema()
	opt := Options{Schema: s, Now: func() time.Time { return time.Unix(0, 0) }}
	rsE, _ := Compile(esqlRules, opt)
	rsO, _ := Compile(others, opt)
	rsA, _ := Compile(append(slices.Clone(others), esqlRules...), opt)
	evs := readCorpus(b, s, n)
	run := func(rs *RuleSet) (time.Duration, int) {
		// each run its own copies: an event memoises its case-folded
		// values, and the set run second must not find them made
		fresh := make([]*event.Event, len(evs))
		for i, ev := range evs {
			fresh[i] = ev.Clone()
		}
		alerts := 0
		eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) { alerts++ }))
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := cputime.Thread()
		for _, ev := range fresh {
			eng.Process(ev)
		}
		eng.Flush()
		return cputime.Thread() - start, alerts
	}
	b.ResetTimer()
	var tE, tO, tA time.Duration
	var aE, aO int
	for b.Loop() {
		t, a := run(rsE)
		tE, aE = tE+t, a
		t, a = run(rsO)
		tO, aO = tO+t, a
		t, _ = run(rsA)
		tA += t
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(len(evs)) }
	b.ReportMetric(per(tE), "esql-ns/event")
	b.ReportMetric(per(tO), "eql+kql-ns/event")
	b.ReportMetric(per(tE)/float64(rsE.Len()), "esql-ns/event/rule")
	b.ReportMetric(per(tO)/float64(rsO.Len()), "eql+kql-ns/event/rule")
	// what an ES|QL rule adds beside the others, the engine's fixed
	// per-event cost (the rule index, case folding) shared
	b.ReportMetric((per(tA)-per(tO))/float64(rsE.Len()), "esql-added-ns/event/rule")
	b.ReportMetric(float64(rsE.Len()), "esql-rules")
	b.ReportMetric(float64(rsO.Len()), "eql+kql-rules")
	b.ReportMetric(float64(aE), "esql-alerts")
	b.ReportMetric(float64(aO), "eql+kql-alerts")
	b.ReportMetric(float64(len(evs)), "events")
}

// readCorpus reads up to n events of the winlog corpus in time order,
// decoded with s.
func readCorpus(tb testing.TB, s *event.Schema, n int) []*event.Event {
	files, errs := input.Expand([]string{testenv.Path(tb, "data", "winlog")})
	if len(errs) > 0 {
		tb.Fatal(errs[0])
	}
	var evs []*event.Event
	var rp order.Progress
	op := input.NewOpener(input.Options{Schema: s, TimeField: "@timestamp", Warn: func(error) {}, Counters: &rp.Counters})
	enough := errors.New("enough")
	err := order.Read(context.Background(), files, op, order.Options{Lateness: 5 * time.Second, Report: func(error) {}}, &rp, func(ev *event.Event) error {
		evs = append(evs, ev.Clone())
		if len(evs) >= n {
			return enough
		}
		return nil
	})
	if err != nil && !errors.Is(err, enough) {
		tb.Fatal(err)
	}
	return evs
}
