package engine

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/synth"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// windowsRules loads the corpus rules tagged "OS: Windows".
func windowsRules(tb testing.TB) []*rule.Rule {
	dir := testenv.Path(tb, "corpus", "detection-rules")
	rules, _, errs := rule.LoadPaths(dir+"/rules", dir+"/rules_building_block")
	if len(errs) > 0 {
		tb.Fatalf("corpus: %v", errs[0])
	}
	var out []*rule.Rule
	for _, r := range rules {
		for _, t := range r.Tags {
			if t == "OS: Windows" {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// plant is a remote service creation with sc.exe followed by the process's
// connection: it matches the seed rule and several others.
func plant(i int, t time.Time) [2]string {
	ent := fmt.Sprintf("plant-%d", i)
	p := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["process"],"type":["start"],"kind":"event"},"data_stream":{"type":"logs","dataset":"endpoint.events.process","namespace":"default"},"host":{"name":"WKS-P","os":{"type":"windows"}},"user":{"name":"eve","id":"S-1-5-21-1-2-3-1107"},"process":{"entity_id":%q,"name":"sc.exe","pe":{"original_file_name":"sc.exe"},"args":["sc.exe","\\\\FS02","create","svc","binPath=","cmd.exe /c whoami"],"command_line":"sc.exe \\\\FS02 create svc binPath= \"cmd.exe /c whoami\"","parent":{"name":"cmd.exe"}}}`,
		t.UTC().Format(time.RFC3339Nano), ent)
	n := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["network"],"type":["start"],"kind":"event"},"data_stream":{"type":"logs","dataset":"endpoint.events.network","namespace":"default"},"host":{"name":"WKS-P","os":{"type":"windows"}},"process":{"entity_id":%q,"name":"sc.exe"},"destination":{"ip":"10.1.2.3","port":135}}`,
		t.Add(time.Second).UTC().Format(time.RFC3339Nano), ent)
	return [2]string{p, n}
}

type benchEvent struct {
	line  []byte
	index string
}

// decodeInto decodes be into ev with the engine's schema, as a reader
// would: position pos, time from @timestamp, be's index.
func decodeInto(tb testing.TB, eng *Engine, be benchEvent, pos int64, ev *event.Event) {
	tb.Helper()
	s := eng.Schema()
	if err := s.Decode(be.line, ev); err != nil {
		tb.Fatalf("%s: %v", be.line, err)
	}
	ev.Pos, ev.Index = pos, be.index
	ev.Time, _ = event.ParseTime(ev.Get(s.Slot("@timestamp")))
}

// feed processes every event in order, reusing one event as readers do,
// and ends the stream.
func feed(tb testing.TB, eng *Engine, evs []benchEvent) {
	tb.Helper()
	ev := &event.Event{}
	for i, be := range evs {
		decodeInto(tb, eng, be, int64(i), ev)
		eng.Process(ev)
	}
	eng.Flush()
}

// benchEvents returns n synthetic ECS events with a planted remote service
// creation every 10,000 events.
func benchEvents(n int) []benchEvent {
	g := synth.New(7, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	out := make([]benchEvent, 0, n)
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(out) < n; i++ {
		if i%10_000 == 5_000 {
			for j, l := range plant(i, t) {
				ds := "endpoint.events.process"
				if j == 1 {
					ds = "endpoint.events.network"
				}
				out = append(out, benchEvent{line: []byte(l), index: "logs-" + ds + "-default"})
			}
			continue
		}
		d := g.Doc()
		ds := d.GetStr("data_stream.dataset")
		out = append(out, benchEvent{line: d.AppendJSON(nil), index: "logs-" + ds + "-default"})
	}
	return out[:n]
}

// huntOnce decodes and processes every event once, returning the alerts
// and the CPU time of the hunting thread.
func huntOnce(tb testing.TB, rules []*rule.Rule, evs []benchEvent, noIndex bool) (alerts int, running int, took time.Duration) {
	eng, _ := New(rules, Options{NoIndex: noIndex, Now: func() time.Time { return time.Unix(0, 0) }}, func(*alert.Alert) { alerts++ })
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := cputime.Thread()
	feed(tb, eng, evs)
	return alerts, eng.Rules(), cputime.Thread() - start
}

// BenchmarkHuntWindowsRules hunts with every Windows rule of the corpus
// over synthetic ECS events with planted matches, decoding included, once
// with the rule index and once offering every event to every rule.
// Throughput is per CPU-second of the hunting thread (one core), so that a
// busy machine does not distort it. Run with -benchtime=1x; set
// VIGIL_BENCH_EVENTS for the event count (default 1,000,000).
func BenchmarkHuntWindowsRules(b *testing.B) {
	rules := windowsRules(b)
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	evs := benchEvents(n)
	var bytes int64
	for _, e := range evs {
		bytes += int64(len(e.line))
	}
	b.ResetTimer()
	var indexed, unindexed time.Duration
	var alerts, alertsNoIndex, running int
	for b.Loop() {
		var t time.Duration
		alerts, running, t = huntOnce(b, rules, evs, false)
		indexed += t
		alertsNoIndex, _, t = huntOnce(b, rules, evs, true)
		unindexed += t
	}
	if alerts != alertsNoIndex {
		b.Errorf("the rule index changed the alerts: %d with, %d without", alerts, alertsNoIndex)
	}
	iters := float64(b.N)
	b.ReportMetric(float64(n)*iters/indexed.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(bytes)*iters/indexed.Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(n)*iters/unindexed.Seconds(), "events/cpu-s-unindexed")
	b.ReportMetric(unindexed.Seconds()/indexed.Seconds(), "index-speedup-x")
	b.ReportMetric(float64(alerts), "alerts")
	b.ReportMetric(float64(running), "rules")
}

// TestBenchEventsPlanted checks that the planted scenario really fires the
// seed rule, so that the benchmark measures a hunt that finds something.
func TestBenchEventsPlanted(t *testing.T) {
	rules := windowsRules(t)
	var seed []*rule.Rule
	for _, r := range rules {
		if r.ID == "d61cbcf8-1bc1-4cff-85ba-e7b21c5beedc" {
			seed = append(seed, r)
		}
	}
	if len(seed) != 1 {
		t.Fatal("seed rule not in the corpus")
	}
	evs := benchEvents(30_000)
	alerts, _, _ := huntOnce(t, seed, evs, false)
	if alerts != 3 {
		t.Errorf("seed rule raised %d alerts over 3 planted scenarios", alerts)
	}
	if !strings.Contains(string(evs[5000].line), "plant-5000") {
		t.Error("plant not where expected")
	}
}

// TestIndexChangesNoAlert checks the rule index against offering every
// event to every rule: over synthetic events with planted matches, both
// raise exactly the same alerts.
func TestIndexChangesNoAlert(t *testing.T) {
	rules := windowsRules(t)
	evs := benchEvents(12_000)
	ids := func(noIndex bool) map[string]int {
		out := map[string]int{}
		eng, _ := New(rules, Options{NoIndex: noIndex, Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) { out[a.Rule.ID+" "+a.ID]++ })
		feed(t, eng, evs)
		return out
	}
	with, without := ids(false), ids(true)
	if len(with) == 0 {
		t.Fatal("no alerts at all: the test proves nothing")
	}
	for k, n := range without {
		if with[k] != n {
			t.Errorf("alert %s: %d without the index, %d with it", k, n, with[k])
		}
	}
	for k, n := range with {
		if without[k] != n {
			t.Errorf("alert %s: %d with the index, %d without it", k, n, without[k])
		}
	}
	t.Logf("%d distinct alerts agree", len(with))
}

// BenchmarkCompileWindowsRules compiles every Windows rule of the corpus
// as vigil hunt does (the rules loaded once, before): the fixed cost
// of every hunt next to rule.BenchmarkLoadCorpus's reading and parsing.
// cpu-s/op is the CPU time of the compiling thread per compile: the serial
// part, which a hunt's start waits for on any number of cores (queries
// prepared and rules filed on other goroutines are not counted; ns/op
// with -cpu 1 counts them).
func BenchmarkCompileWindowsRules(b *testing.B) {
	rules := windowsRules(b)
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var took time.Duration
	for b.Loop() {
		start := cputime.Thread()
		rs, _ := Compile(rules, Options{Aliases: winlog.Aliases})
		took += cputime.Thread() - start
		if rs.Len() == 0 {
			b.Fatal("no rule compiled")
		}
	}
	b.ReportMetric(took.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(rules)), "rules")
}

// BenchmarkNewUnmatchedWindows prepares the rules-could-not-match summary
// of every Windows rule of the corpus, compiled once before: the part of
// a hunt's start that derives each rule's needed fields.
func BenchmarkNewUnmatchedWindows(b *testing.B) {
	rs, _ := Compile(windowsRules(b), Options{Aliases: winlog.Aliases})
	b.ReportAllocs()
	for b.Loop() {
		if u := NewUnmatched(rs); len(u.needs) == 0 {
			b.Fatal("no rule needs a field")
		}
	}
}
