package sigma_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// benchSample is how many winlog corpus records the benchmark runs the
// rules over: an even share of every dataset's first records.
const benchSample = 40_000

// BenchmarkSigmaWinlog runs every Windows Sigma rule of SigmaHQ's corpus
// over a sample of the winlog corpus (real Sysmon, Security, PowerShell
// and System records), decoded beforehand: the engine's cost per event,
// routing and rule index included (the routes are built before the
// timer starts).
func BenchmarkSigmaWinlog(b *testing.B) {
	rules, _ := windowsRules(b)
	rs, _ := engine.Compile(rules, engine.Options{Aliases: winlog.Aliases})
	evs := winlogSample(b, rs.Schema(), benchSample)
	alerts := 0
	// A first pass builds the routes of the sample's indices (once per
	// rule set and index, shared by every engine).
	warm := rs.NewEngine(nil)
	for _, ev := range evs {
		warm.Process(ev)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	n := 0
	for b.Loop() {
		eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) { alerts++ }))
		for _, ev := range evs {
			ev.ForgetFolded() // folded afresh, as a reader's new record is
			eng.Process(ev)
		}
		eng.Flush()
		n += len(evs)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(rs.Len()), "rules")
	b.ReportMetric(float64(len(evs)), "events")
	b.ReportMetric(float64(alerts)/float64(b.N), "alerts")
}

// BenchmarkSigmaWithElastic is the cost of adding the Windows Sigma rules
// to Elastic's Windows rules (detection-rules, "OS: Windows"), per event:
// each round runs the Elastic set alone and both sets together over the
// same sample (one schema, decoded with the raw event data kept), and
// reports the CPU time per event of each and their difference.
func BenchmarkSigmaWithElastic(b *testing.B) {
	sigmaRules, _ := windowsRules(b)
	dir := testenv.Path(b, "corpus", "detection-rules")
	all, _, errs := rule.LoadPaths(filepath.Join(dir, "rules"), filepath.Join(dir, "rules_building_block"))
	if len(errs) > 0 {
		b.Fatalf("detection-rules: %v", errs[0])
	}
	var elastic []*rule.Rule
	for _, r := range all {
		if slices.Contains(r.Tags, "OS: Windows") {
			elastic = append(elastic, r)
		}
	}
	s := event.NewSchema()
	opt := engine.Options{Aliases: winlog.Aliases, Schema: s}
	alone, _ := engine.Compile(elastic, opt)
	both, _ := engine.Compile(append(slices.Clip(elastic), sigmaRules...), opt)
	evs := winlogSample(b, s, benchSample)
	var cpu [2]time.Duration
	var alerts [2]int
	for _, rs := range []*engine.RuleSet{alone, both} { // the routes, built once
		warm := rs.NewEngine(nil)
		for _, ev := range evs {
			warm.Process(ev)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, rs := range []*engine.RuleSet{alone, both} {
			eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) { alerts[i]++ }))
			cpu0 := cpuTime()
			for _, ev := range evs {
				ev.ForgetFolded()
				eng.Process(ev)
			}
			eng.Flush()
			cpu[i] += cpuTime() - cpu0
		}
	}
	n := float64(b.N * len(evs))
	b.ReportMetric(float64(cpu[0].Nanoseconds())/n, "elastic-cpu-ns/event")
	b.ReportMetric(float64(cpu[1].Nanoseconds())/n, "both-cpu-ns/event")
	b.ReportMetric(float64((cpu[1]-cpu[0]).Nanoseconds())/n, "sigma-added-cpu-ns/event")
	b.ReportMetric(float64(alone.Len()), "elastic-rules")
	b.ReportMetric(float64(both.Len()-alone.Len()), "sigma-rules")
	b.ReportMetric(float64(alerts[0])/float64(b.N), "elastic-alerts")
	b.ReportMetric(float64(alerts[1])/float64(b.N), "both-alerts")
}

// winlogSample decodes up to n records of the winlog corpus, in time
// order, as a hunt with Sigma rules decodes them, into dense events as a
// reader's are.
func winlogSample(tb testing.TB, s *event.Schema, n int) []*event.Event {
	root := testenv.Path(tb, "data", "winlog", "security-datasets")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	per := max(1, n/len(files))
	op := input.NewOpener(input.Options{Schema: s, KeepEventData: true})
	var out []*event.Event
	channel := s.Slot("winlog.channel")
	for _, f := range files {
		rd, err := op.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		var ev event.Event
		for i := 0; i < per; i++ {
			err := rd.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				continue
			}
			// A clone is compact (values looked up by binary search);
			// setting a value makes it dense again, as a reader's
			// event is.
			c := ev.Clone()
			c.Set(channel, c.Get(channel))
			out = append(out, c)
		}
		rd.Close()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out
}
