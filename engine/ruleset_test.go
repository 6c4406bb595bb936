package engine

import (
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// mixedRules are one rule of each stateful kind and an event rule, over
// the synthetic events of benchEvents.
func mixedRules() []*rule.Rule {
	base := func(r *rule.Rule) *rule.Rule {
		r.Interval, r.From, r.MaxSignals, r.Severity, r.RiskScore = "5m", "now-6m", 1000, "low", 21
		if r.Language == "" {
			r.Language = "kuery"
		}
		return r
	}
	return []*rule.Rule{
		base(&rule.Rule{ID: "ev", Name: "sc.exe", Type: "query", Query: `process.name:"sc.exe"`}),
		base(&rule.Rule{ID: "seq", Name: "sc then network", Type: "eql", Language: "eql",
			Query: `sequence by process.entity_id with maxspan=1m [process where process.name : "sc.exe"] [network where true]`}),
		base(&rule.Rule{ID: "th", Name: "many processes", Type: "threshold", Query: `event.category:process`,
			Threshold: &rule.Threshold{Field: []string{"host.name"}, Value: 50}}),
		base(&rule.Rule{ID: "nt", Name: "new process name", Type: "new_terms", Query: `event.category:process`,
			NewTerms: &rule.NewTerms{Field: "new_terms_fields", Value: []string{"process.name"}, HistoryWindowStart: "now-1d"}}),
	}
}

// runOn feeds events to an engine of rs and returns its alerts as JSON.
func runOn(tb testing.TB, rs *RuleSet, evs []benchEvent) []string {
	var out []string
	eng := rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) { out = append(out, string(a.AppendJSON(rs.Fields(), nil))) }))
	feed(tb, eng, evs)
	return out
}

// TestEnginesShareRuleSet runs one compiled rule set in several engines at
// once, each over the whole stream: each must raise exactly the alerts a
// lone engine raises, whatever the others do with their state.
func TestEnginesShareRuleSet(t *testing.T) {
	rules := mixedRules()
	if os.Getenv("VIGIL_SHARED") != "" {
		rules = append(rules, windowsRules(t)...)
	}
	rs, st := Compile(rules, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	for _, s := range st[:4] {
		if s.State != OK {
			t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
		}
	}
	evs := benchEvents(20_000)
	want := runOn(t, rs, evs)
	if len(want) == 0 {
		t.Fatal("no alerts: the comparison would prove nothing")
	}
	const n = 3
	got := make([][]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i] = runOn(t, rs, evs) })
	}
	wg.Wait()
	for i := range n {
		if !slices.Equal(got[i], want) {
			t.Errorf("engine %d: %d alerts, want %d (first difference at %d)", i, len(got[i]), len(want), firstDiff(got[i], want))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestAdvance checks that a watermark closes what no later event can
// change: a threshold window that ended, a sequence whose trailing missing
// event can no longer come.
func TestAdvance(t *testing.T) {
	const fail = `"event.category":"authentication","event.outcome":"failure","host.name":"h1"`
	seq := &rule.Rule{ID: "miss", Name: "no network after", Type: "eql", Language: "eql", Interval: "5m", From: "now-6m",
		MaxSignals: 100, Severity: "low", RiskScore: 21, Index: []string{"logs-test-*"},
		Query: `sequence by host.name with maxspan=1m [authentication where event.outcome == "failure"] ![network where true]`}
	th := thresholdRule(2, []string{"host.name"})
	th.Index, th.Language, th.MaxSignals = []string{"logs-test-*"}, "kuery", 100
	var got []string
	rs, st := Compile([]*rule.Rule{th, seq}, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	for _, s := range st {
		if s.State != OK {
			t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
		}
	}
	eng := rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) { got = append(got, a.Rule.ID) }))
	ev := &event.Event{}
	for i, l := range []string{doc(0, fail), doc(1, fail)} {
		decodeInto(t, eng, benchEvent{[]byte(l), "logs-test-default"}, int64(i), ev)
		eng.Process(ev)
	}
	if len(got) != 0 {
		t.Fatalf("alerts before any watermark: %v", got)
	}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	// Past maxspan of the second failure, before the window's end.
	eng.Advance(start.Add(2*time.Minute + time.Second).UnixNano())
	if want := []string{"miss", "miss"}; !slices.Equal(got, want) {
		t.Fatalf("after the sequences' maxspan: %v, want %v", got, want)
	}
	// The threshold window (10m of look-back) ends at minute 10.
	eng.Advance(start.Add(10 * time.Minute).UnixNano())
	if want := []string{"miss", "miss", "th"}; !slices.Equal(got, want) {
		t.Fatalf("after the threshold window: %v, want %v", got, want)
	}
	eng.Advance(start.Add(5 * time.Minute).UnixNano()) // older: ignored
	eng.Flush()
	if len(got) != 3 {
		t.Fatalf("flush raised again: %v", got)
	}
	if eng.Watermark() != start.Add(10*time.Minute).UnixNano() {
		t.Errorf("watermark %d", eng.Watermark())
	}
}

// TestReload switches an engine to a new rule set in the middle of a
// sequence: the unchanged rule finishes it, a changed rule starts afresh,
// a new rule runs.
func TestReload(t *testing.T) {
	seqRule := func(id, name string) *rule.Rule {
		return &rule.Rule{ID: id, Name: name, Type: "eql", Language: "eql", Interval: "5m", From: "now-6m",
			MaxSignals: 100, Severity: "low", RiskScore: 21, Index: []string{"logs-test-*"},
			Query: `sequence by host.name with maxspan=10m [authentication where event.outcome == "failure"] [authentication where event.outcome == "success"]`}
	}
	evRule := &rule.Rule{ID: "ev", Name: "success", Type: "query", Language: "kuery", Interval: "5m", From: "now-6m",
		MaxSignals: 100, Severity: "low", RiskScore: 21, Index: []string{"logs-test-*"}, Query: `event.outcome:success`}
	var got []string
	sink := alert.SinkFunc(func(a *alert.Alert) { got = append(got, a.Rule.ID) })
	rs1, _ := Compile([]*rule.Rule{seqRule("keep", "kept"), seqRule("change", "before")}, Options{})
	eng := rs1.NewEngine(sink)
	feedOne := func(m int, fields string) {
		ev := &event.Event{}
		decodeInto(t, eng, benchEvent{[]byte(doc(m, fields)), "logs-test-default"}, int64(m), ev)
		eng.Process(ev)
	}
	feedOne(0, `"event.category":"authentication","event.outcome":"failure","host.name":"h1"`)
	changed := seqRule("change", "after") // same id, other name: changed
	rs2, st := Compile([]*rule.Rule{seqRule("keep", "kept"), changed, evRule}, Options{Schema: eng.Schema()})
	for _, s := range st {
		if s.State != OK {
			t.Fatalf("%s: %s %v", s.Rule.ID, s.State, s.Err)
		}
	}
	if kept := eng.Reload(rs2); kept != 1 {
		t.Errorf("kept %d rules' state, want 1", kept)
	}
	feedOne(1, `"event.category":"authentication","event.outcome":"success","host.name":"h1"`)
	eng.Flush()
	slices.Sort(got)
	if want := []string{"ev", "keep"}; !slices.Equal(got, want) {
		t.Errorf("alerts %v, want %v (the kept sequence completes, the changed one lost its first event)", got, want)
	}
	if st := eng.Stats(); len(st) != 3 || st[0].Offered != 2 || st[1].Offered != 0 || st[2].Offered != 1 {
		t.Errorf("stats after reload: %+v", st)
	}
	defer func() {
		if recover() == nil {
			t.Error("a rule set of another schema was accepted")
		}
	}()
	rs3, _ := Compile(nil, Options{})
	eng.Reload(rs3)
}
