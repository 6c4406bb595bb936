package engine

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// runArrived runs rs over evs as a hunt judges them: each block of events
// is decoded and judged by two goroutines (a Judge each), events with
// nothing left to do become ticks, then the block is processed in order.
// It returns the alerts' JSON, the Arrived and how many ticks it made.
func runArrived(t *testing.T, rs *RuleSet, evs []benchEvent, advanceEvery int) ([]string, *Arrived, int) {
	var out []string
	a := rs.NewArrived(alert.SinkFunc(func(al *alert.Alert) { out = append(out, string(al.AppendJSON(rs.Fields(), nil))) }))
	probe := rs.NewEngine(nil) // decodeInto wants an engine for its schema
	const block = 512
	ticks := 0
	for start := 0; start < len(evs); start += block {
		n := min(block, len(evs)-start)
		batch := make([]*event.Event, n)
		var wg sync.WaitGroup
		for half := range 2 {
			wg.Go(func() {
				j := a.NewJudge()
				defer j.Done()
				for i := half; i < n; i += 2 {
					ev := &event.Event{}
					decodeInto(t, probe, evs[start+i], int64(start+i), ev)
					if !j.Judge(ev) {
						ev = tickOf(ev)
					}
					batch[i] = ev
				}
			})
		}
		wg.Wait()
		for i, ev := range batch {
			if ev.Verdict.Tick {
				ticks++
			}
			a.Process(ev)
			if k := start + i; advanceEvery > 0 && k%advanceEvery == advanceEvery-1 {
				a.Advance(ev.Time - int64(time.Second))
			}
		}
	}
	a.Flush()
	return out, a, ticks
}

// TestArrivedMatchesEngine: judging events as they are decoded (in two
// goroutines, with ticks for events nothing is left to do of) and
// evaluating the rest in order gives a single engine's alerts, byte for
// byte and in the same order, and its counters, over rules of every kind
// with max_signals caps and cross-host joins, and over the Windows rules
// of the corpus on real recorded events (a slice of the winlog corpus).
func TestArrivedMatchesEngine(t *testing.T) {
	now := func() time.Time { return time.Unix(0, 0) }
	cases := []struct {
		name    string
		rules   func(testing.TB) []*rule.Rule
		events  func(testing.TB) []benchEvent
		opt     Options
		advance int
	}{
		{"cross-host", func(testing.TB) []*rule.Rule { return crossHostRules() },
			func(testing.TB) []benchEvent { return crossHostEvents(6_000, 3) }, Options{Now: now}, 0},
		{"cross-host-advance", func(testing.TB) []*rule.Rule { return crossHostRules() },
			func(testing.TB) []benchEvent { return crossHostEvents(6_000, 3) }, Options{Now: now}, 100},
		{"windows-and-mixed-rules-synthetic", func(tb testing.TB) []*rule.Rule { return append(windowsRules(tb), mixedRules()...) },
			func(testing.TB) []benchEvent { return benchEvents(20_000) }, Options{Now: now}, 0},
		{"windows-rules-winlog", windowsRules,
			func(tb testing.TB) []benchEvent { return winlogSample(tb, 20_000) }, Options{Aliases: winlog.Aliases, Now: now}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, _ := Compile(tc.rules(t), tc.opt)
			evs := tc.events(t)
			want := runSingle(t, rs, evs, tc.advance)
			if len(want) == 0 {
				t.Fatal("no alerts: the comparison would prove little")
			}
			single := rs.NewEngine(nil)
			feed(t, single, evs)
			got, a, ticks := runArrived(t, rs, evs, tc.advance)
			if !slices.Equal(got, want) {
				i := firstDiff(got, want)
				t.Fatalf("%d alerts, want %d; first difference at %d:\n got %.300s\nwant %.300s", len(got), len(want), i, at(got, i), at(want, i))
			}
			judged := 0
			if tc.advance == 0 {
				ws := single.Stats()
				for i, s := range a.Stats() {
					w := ws[i]
					offered := s.Offered
					if a.gates[i] != nil {
						// A gated rule is offered only what passes its
						// gate: at most what the engine offers it.
						offered = max(offered, w.Offered)
					}
					if s.Rule != w.Rule || offered != w.Offered || s.Matched != w.Matched || s.Alerts != w.Alerts || s.Capped != w.Capped {
						t.Errorf("rule %s: offered %d matched %d alerts %d capped %d, want %d %d %d %d",
							w.Rule.ID, s.Offered, s.Matched, s.Alerts, s.Capped, w.Offered, w.Matched, w.Alerts, w.Capped)
					}
				}
			}
			for _, j := range a.judged {
				if j {
					judged++
				}
			}
			if judged == 0 || judged == len(a.judged) {
				t.Errorf("%d of %d rules judged: want some of each kind", judged, len(a.judged))
			}
			events, gotTicks, _ := a.Counts()
			if events != int64(len(evs)) || gotTicks != int64(ticks) {
				t.Errorf("counts: %d events, %d ticks; want %d, %d", events, gotTicks, len(evs), ticks)
			}
			t.Logf("%d alerts identical; %d of %d rules judged; %d of %d events ticks", len(want), judged, len(a.judged), ticks, len(evs))
		})
	}
}

// TestJudgeGates: an event the rule index offers a sequence or an ES|QL
// rule, but which fails the rule's own test of it (every stage's filter,
// the WHERE conditions), is a tick after judging; one that passes waits
// to be offered in order, and the alerts are a single engine's. A
// sequence's entries test their own stage (entry.stage): an event met
// through one stage's filing that passes only another stage, or until,
// still waits. An event of a later stage waits held (see held): its
// offer is made in order only if the sequence then waits for the stage.
func TestJudgeGates(t *testing.T) {
	base := func(r *rule.Rule) *rule.Rule {
		r.Interval, r.From, r.MaxSignals, r.Severity, r.RiskScore = "5m", "now-6m", 100, "low", 21
		r.Index = []string{"logs-test-*"}
		return r
	}
	rules := []*rule.Rule{
		base(&rule.Rule{ID: "seq", Name: "seq", Type: "eql", Language: "eql",
			Query: `sequence by host.id with maxspan=1m [process where process.name : "a.exe" and process.args_count > 2] [network where process.name : "a.exe" and destination.port == 443]`}),
		base(&rule.Rule{ID: "esql", Name: "esql", Type: "esql", Language: "esql",
			Query: `FROM logs-test-* | WHERE process.name == "b.exe" AND match(process.executable, "bee.exe", {"fuzziness": 1})`}),
		base(&rule.Rule{ID: "until", Name: "until", Type: "eql", Language: "eql",
			Query: `sequence by host.id with maxspan=1m [process where process.name : "c.exe" and process.args_count > 2] [network where process.name : "c.exe"] until [process where process.name : "c.exe" and event.type == "end"]`}),
	}
	rs, st := Compile(rules, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	for _, s := range st {
		if s.Err != nil {
			t.Fatal(s.Err)
		}
	}
	cases := []struct {
		name, doc  string
		keep, held bool
	}{
		{"first stage", `{"event":{"category":"process"},"host":{"id":"h"},"process":{"name":"a.exe","args_count":3}}`, true, false},
		{"no stage", `{"event":{"category":"process"},"host":{"id":"h"},"process":{"name":"a.exe","args_count":1}}`, false, false},
		{"second stage", `{"event":{"category":"network"},"host":{"id":"h"},"process":{"name":"a.exe"},"destination":{"port":443}}`, false, true},
		{"second stage other port", `{"event":{"category":"network"},"host":{"id":"h"},"process":{"name":"a.exe"},"destination":{"port":80}}`, false, false},
		{"where", `{"process":{"name":"b.exe","executable":"bee.exe"}}`, true, false},
		{"not where", `{"process":{"name":"b.exe","executable":"cmd.exe"}}`, false, false},
		{"until", `{"event":{"category":"process","type":"end"},"host":{"id":"h"},"process":{"name":"c.exe","args_count":1}}`, false, true},
		{"not until", `{"event":{"category":"process","type":"start"},"host":{"id":"h"},"process":{"name":"c.exe","args_count":1}}`, false, false},
	}
	var evs []benchEvent
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			line := fmt.Sprintf(`{"@timestamp":"2026-01-01T00:00:%02dZ",%s`, i, tc.doc[1:])
			evs = append(evs, benchEvent{line: []byte(line), index: "logs-test-1"})
			ev := &event.Event{}
			decodeInto(t, rs.NewEngine(nil), evs[len(evs)-1], int64(i), ev)
			if !rs.NewFilter().Wants(ev) {
				t.Fatal("the rule index does not offer the event: the case tests nothing")
			}
			j := rs.NewArrived(nil).NewJudge()
			if keep := j.Judge(ev); keep != tc.keep {
				t.Errorf("Judge = %v, want %v (offers %v)", keep, tc.keep, ev.Verdict.Offers)
			}
			if held := !tc.keep && len(ev.Verdict.Offers) > 0; held != tc.held {
				t.Errorf("held %v, want %v (offers %v)", held, tc.held, ev.Verdict.Offers)
			}
		})
	}
	want := runSingle(t, rs, evs, 0)
	got, _, ticks := runArrived(t, rs, evs, 0)
	if !slices.Equal(got, want) || len(want) != 2 || ticks != 6 {
		t.Errorf("%d alerts, %d ticks; want the engine's %d alerts, 6 ticks (2 held)", len(got), ticks, len(want))
	}
}
