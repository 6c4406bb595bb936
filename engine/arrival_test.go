package engine

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// TestSplitArrival splits rules of every kind into those judged on
// arrival and the others: the two halves, each run as a rule set of its
// own, raise the alerts of the whole. Run on arrival over a stream out of
// event-time order, the stateless rules raise the same alerts when no
// interval reaches max_signals, and the same number per interval when one
// does (which alerts pass then follows the arrival order).
func TestSplitArrival(t *testing.T) {
	rules := crossHostRules()
	plain := &rule.Rule{ID: "plain", Name: "plain", Type: "query", Language: "kuery", Query: `process.name:"d.exe"`,
		Interval: "5m", From: "now-6m", Severity: "low", RiskScore: 21, Index: []string{"logs-test-*"}, MaxSignals: 100_000}
	// An ES|QL query working row by row judges each document alone; one
	// with STATS aggregates over windows of event time.
	rows, stats := *plain, *plain
	rows.ID, rows.Name, rows.Type, rows.Language = "esql-rows", "esql-rows", "esql", "esql"
	rows.Query, rows.Index = `FROM logs-test-* | WHERE process.name == "d.exe" | KEEP host.name, process.name`, nil
	stats.ID, stats.Name, stats.Type, stats.Language = "esql-stats", "esql-stats", "esql", "esql"
	stats.Query, stats.Index = `FROM logs-test-* | STATS n = COUNT(*) BY host.name`, nil
	rules = append(rules, plain, &rows, &stats)
	rs, st := Compile(rules, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	for _, s := range st {
		if s.State != OK {
			t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
		}
	}
	arrival, ordered := rs.SplitArrival()
	ids := func(rs *RuleSet) []string {
		var out []string
		for i, c := range rs.rules {
			if c.order != i || c.idx != i {
				t.Errorf("rule %s at %d: order %d, idx %d", c.rule.ID, i, c.order, c.idx)
			}
			out = append(out, c.rule.ID)
		}
		return out
	}
	if got, want := ids(arrival), []string{"capped", "capped-eql", "plain", "esql-rows"}; !slices.Equal(got, want) {
		t.Errorf("on arrival: %v, want %v", got, want)
	}
	if n := ordered.Len(); n != rs.Len()-4 || !slices.Contains(ids(ordered), "esql-stats") {
		t.Errorf("ordered: %d rules (%v), want %d with esql-stats", n, ids(ordered), rs.Len()-4)
	}
	if a, o := rs.SplitArrival(); a != arrival || o != ordered {
		t.Errorf("SplitArrival computed twice")
	}

	evs := crossHostEvents(6_000, 5)
	want := runSingle(t, rs, evs, 100)
	inOrder := runSingle(t, arrival, evs, 100)
	rest, _ := runParallel(t, ordered, evs, 2, 100)
	for _, id := range []string{"esql-rows", "esql-stats"} {
		if !slices.ContainsFunc(want, func(a string) bool { return strings.HasPrefix(ruleOf(a), id+": ") }) {
			t.Errorf("%s raised nothing: the comparison proves nothing for it", id)
		}
	}
	got := append(slices.Clone(inOrder), rest...)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		i := firstDiff(got, want)
		t.Fatalf("halves: %d alerts, whole: %d; first difference at %d:\n got %s\nwant %s",
			len(got), len(want), i, ruleOf(at(got, i)), ruleOf(at(want, i)))
	}

	// Out of order: each event moved by up to 40 places (about 30 s of
	// event time), as hosts lagging one another deliver them. An event
	// keeps its position, which names it in alert ids.
	perm := make([]int, len(evs))
	for i := range perm {
		perm[i] = i
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := range perm {
		j := min(len(perm)-1, i+r.IntN(40))
		perm[i], perm[j] = perm[j], perm[i]
	}
	var late []string
	eng := arrival.NewEngine(alert.SinkFunc(func(a *alert.Alert) { late = append(late, string(a.AppendJSON(rs.Fields(), nil))) }))
	ev := &event.Event{}
	for _, i := range perm {
		decodeInto(t, eng, evs[i], int64(i), ev)
		eng.Process(ev)
	}
	eng.Flush()
	type bucket struct {
		rule     string
		interval int64
	}
	count := func(alerts []string) (map[bucket]int, map[string][]string) {
		n := map[bucket]int{}
		byRule := map[string][]string{}
		for _, doc := range alerts {
			var a struct {
				Rule string    `json:"kibana.alert.rule.rule_id"`
				ID   string    `json:"kibana.alert.uuid"`
				Time time.Time `json:"kibana.alert.original_time"`
			}
			if err := json.Unmarshal([]byte(doc), &a); err != nil {
				t.Fatal(err)
			}
			n[bucket{a.Rule, a.Time.UnixNano() / int64(5*time.Minute)}]++
			byRule[a.Rule] = append(byRule[a.Rule], a.ID)
		}
		for _, v := range byRule {
			slices.Sort(v)
		}
		return n, byRule
	}
	wantN, wantIDs := count(inOrder)
	gotN, gotIDs := count(late)
	if len(wantIDs["plain"]) == 0 || len(wantIDs["capped"]) == 0 {
		t.Fatalf("no alerts of plain (%d) or capped (%d): the comparison proves little", len(wantIDs["plain"]), len(wantIDs["capped"]))
	}
	if !slices.Equal(gotIDs["plain"], wantIDs["plain"]) {
		t.Errorf("rule without a cap: %d alerts out of order, %d in order", len(gotIDs["plain"]), len(wantIDs["plain"]))
	}
	for b, n := range wantN {
		if gotN[b] != n {
			t.Errorf("rule %s, interval %d: %d alerts out of order, %d in order", b.rule, b.interval, gotN[b], n)
		}
	}
	differ := 0
	for _, id := range gotIDs["capped"] {
		if _, ok := slices.BinarySearch(wantIDs["capped"], id); !ok {
			differ++
		}
	}
	t.Logf("%d alerts of the halves as of the whole; out of order: %d alerts, of a capped rule %d other than in order",
		len(want), len(late), differ)
}

// TestFilterWantsWhatRulesUse runs the stateful half of every Windows
// rule of the corpus over a slice of the winlog corpus twice: once with
// every event, once with only the events a Filter wants. The alerts and
// each rule's offered count must be the same, and the filter must leave
// some events out (else it saves nothing).
func TestFilterWantsWhatRulesUse(t *testing.T) {
	if os.Getenv("VIGIL_SHARED") == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	evs := winlogSample(t, 20_000)
	rs, _ := Compile(windowsRules(t), Options{Aliases: winlog.Aliases, Now: func() time.Time { return time.Unix(0, 0) }})
	_, ordered := rs.SplitArrival()
	run := func(filter *Filter) ([]string, []RuleStats, int) {
		var out []string
		eng := ordered.NewEngine(alert.SinkFunc(func(a *alert.Alert) { out = append(out, string(a.AppendJSON(rs.Fields(), nil))) }))
		ev := &event.Event{}
		kept := 0
		for i, be := range evs {
			decodeInto(t, eng, be, int64(i), ev)
			if filter != nil && !filter.Wants(ev) {
				continue
			}
			kept++
			eng.Process(ev)
		}
		eng.Flush()
		return out, eng.Stats(), kept
	}
	want, wantSt, _ := run(nil)
	got, gotSt, kept := run(ordered.NewFilter())
	if !slices.Equal(got, want) {
		i := firstDiff(got, want)
		t.Fatalf("filtered: %d alerts, want %d; first difference at %d:\n got %.300s\nwant %.300s", len(got), len(want), i, at(got, i), at(want, i))
	}
	for i := range wantSt {
		if gotSt[i].Offered != wantSt[i].Offered {
			t.Errorf("rule %s: offered %d events filtered, %d without", wantSt[i].Rule.ID, gotSt[i].Offered, wantSt[i].Offered)
		}
	}
	if len(want) == 0 || kept == 0 || kept == len(evs) {
		t.Fatalf("%d alerts, %d of %d events wanted: the comparison proves little", len(want), kept, len(evs))
	}
	t.Logf("%d stateful rules, %d alerts identical; %d of %d events wanted", ordered.Len(), len(want), kept, len(evs))
}
