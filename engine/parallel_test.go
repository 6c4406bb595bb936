package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// crossHostRules are rules of every locality over crossHostEvents: some
// keep state per host, some join events of different hosts, and several
// reach max_signals across hosts.
func crossHostRules() []*rule.Rule {
	base := func(r *rule.Rule) *rule.Rule {
		r.Interval, r.From, r.Severity, r.RiskScore = "5m", "now-6m", "low", 21
		r.Index = []string{"logs-test-*"}
		if r.MaxSignals == 0 {
			r.MaxSignals = 1000
		}
		if r.Language == "" {
			r.Language = "kuery"
		}
		return r
	}
	eqlRule := func(id, q string) *rule.Rule {
		return base(&rule.Rule{ID: id, Name: id, Type: "eql", Language: "eql", Query: q})
	}
	capped := base(&rule.Rule{ID: "capped", Name: "capped", Type: "query", Query: `process.name:"a.exe"`, MaxSignals: 7})
	capped2 := eqlRule("capped-eql", `process where process.name : ("a.exe", "b.exe")`)
	capped2.MaxSignals = 3
	suppressed := base(&rule.Rule{ID: "suppressed", Name: "suppressed", Type: "query", Query: `process.name:"c.exe"`,
		AlertSuppression: &rule.AlertSuppression{GroupBy: []string{"user.name"}}})
	threshold := base(&rule.Rule{ID: "threshold", Name: "threshold", Type: "threshold", Query: `process.name:"b.exe"`,
		Threshold: &rule.Threshold{Field: []string{"user.name"}, Value: 4}})
	ntHost := base(&rule.Rule{ID: "nt-host", Name: "nt-host", Type: "new_terms", Query: `event.category:process`,
		NewTerms: &rule.NewTerms{Field: "new_terms_fields", Value: []string{"host.id", "process.name"}, HistoryWindowStart: "now-1h"}})
	ntHost.MaxSignals = 5
	ntUser := base(&rule.Rule{ID: "nt-user", Name: "nt-user", Type: "new_terms", Query: `event.category:process`,
		NewTerms: &rule.NewTerms{Field: "new_terms_fields", Value: []string{"user.name", "process.name"}, HistoryWindowStart: "now-1h"}})
	seqHost := eqlRule("seq-host", `sequence by host.id with maxspan=2m [process where process.name == "a.exe"] [process where process.name == "b.exe"]`)
	seqHost.MaxSignals = 9
	return []*rule.Rule{
		capped, capped2, suppressed, threshold, ntHost, ntUser, seqHost,
		eqlRule("seq-entity", `sequence with maxspan=1m [process where process.name == "a.exe"] by process.entity_id [process where process.name == "c.exe"] by process.parent.entity_id`),
		eqlRule("seq-user", `sequence by user.name with maxspan=1m [process where process.name == "a.exe"] [process where process.name == "c.exe"]`),
		eqlRule("seq-missing", `sequence by host.id with maxspan=30s [process where process.name == "b.exe"] ![process where process.name == "c.exe"]`),
		eqlRule("seq-until", `sequence by host.name [process where process.name == "a.exe"] [process where process.name == "c.exe"] until [process where process.name == "d.exe"]`),
		eqlRule("sample", `sample by user.name [process where process.name == "a.exe"] [process where process.name == "d.exe"]`),
	}
}

// crossHostEvents is a stream of process events of hosts whose users
// log on to several of them, so that joins by user cross hosts, with
// parent and child processes for joins by entity.
func crossHostEvents(n int, seed uint64) []benchEvent {
	r := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names := []string{"a.exe", "b.exe", "c.exe", "d.exe", "e.exe"}
	out := make([]benchEvent, 0, n)
	ents := map[int][]string{} // per host: an entity's parent runs on its host
	for i := range n {
		host := r.IntN(9)
		hostField := fmt.Sprintf(`"host":{"id":"h%d","name":"H%d"}`, host, host)
		switch host {
		case 7:
			hostField = `"host":{"name":"H7"}` // no host.id: partitioned by name
		case 8:
			hostField = `"agent":{"id":"ag8"}` // no host at all
		}
		ent := fmt.Sprintf("{e-%d-%d}", host, i)
		parent := ent
		if hs := ents[host]; len(hs) > 0 && r.IntN(3) == 0 {
			parent = hs[r.IntN(len(hs))]
		}
		ents[host] = append(ents[host], ent)
		if len(ents[host]) > 20 {
			ents[host] = ents[host][1:]
		}
		t := start.Add(time.Duration(i)*700*time.Millisecond + time.Duration(r.IntN(5))*time.Millisecond)
		line := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["process"],"type":["start"]},%s,"user":{"name":"u%d"},"process":{"name":%q,"entity_id":%q,"parent":{"entity_id":%q}}}`,
			t.Format(time.RFC3339Nano), hostField, r.IntN(4), names[r.IntN(len(names))], ent, parent)
		out = append(out, benchEvent{line: []byte(line), index: "logs-test-default"})
	}
	return out
}

// runSingle runs one engine of rs over evs, with a watermark every
// advanceEvery events (0: none), and returns its alerts as JSON.
func runSingle(t *testing.T, rs *RuleSet, evs []benchEvent, advanceEvery int) []string {
	var out []string
	eng := rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) { out = append(out, string(a.AppendJSON(rs.Fields(), nil))) }))
	ev := &event.Event{}
	for i, be := range evs {
		decodeInto(t, eng, be, int64(i), ev)
		eng.Process(ev)
		if advanceEvery > 0 && i%advanceEvery == advanceEvery-1 {
			eng.Advance(ev.Time - int64(time.Second))
		}
	}
	eng.Flush()
	return out
}

// runParallel runs rs over evs in n partitions, as runSingle does.
func runParallel(t *testing.T, rs *RuleSet, evs []benchEvent, n, advanceEvery int) ([]string, *Parallel) {
	var out []string
	var recycled atomic.Int64
	p := rs.NewParallel(n, alert.SinkFunc(func(a *alert.Alert) { out = append(out, string(a.AppendJSON(rs.Fields(), nil))) }),
		func(*event.Event) { recycled.Add(1) })
	probe := rs.NewEngine(nil) // decodeInto wants an engine for its schema
	for i, be := range evs {
		ev := &event.Event{}
		decodeInto(t, probe, be, int64(i), ev)
		p.Process(ev)
		if advanceEvery > 0 && i%advanceEvery == advanceEvery-1 {
			p.Advance(ev.Time - int64(time.Second))
		}
		if i == len(evs)/2 {
			p.Sync()
		}
	}
	p.Flush()
	if n := recycled.Load(); n != int64(len(evs)) {
		t.Errorf("%d events given, %d handed back", len(evs), n)
	}
	return out, p
}

// TestParallelMatchesSingle runs rules of every locality over a stream
// whose joins cross hosts, with one engine and partitioned in several: the
// alerts must be the same, in the same order, byte for byte; and so must
// the counters that say what max_signals withheld.
func TestParallelMatchesSingle(t *testing.T) {
	rules := crossHostRules()
	rs, st := Compile(rules, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	for _, s := range st {
		if s.State != OK {
			t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
		}
	}
	local, shared := rs.Split()
	if local.Len() != 6 || shared.Len() != 6 {
		t.Fatalf("split: %d local, %d shared", local.Len(), shared.Len())
	}
	evs := crossHostEvents(6_000, 3)
	for _, adv := range []int{0, 100} {
		want := runSingle(t, rs, evs, adv)
		single := rs.NewEngine(nil)
		feed(t, single, evs) // for its counters (Advance aside)
		byRule := map[string]int{}
		for _, s := range single.Stats() {
			byRule[s.Rule.ID] = int(s.Alerts)
		}
		for _, id := range []string{"capped", "capped-eql", "suppressed", "threshold", "nt-host", "nt-user", "seq-host", "seq-entity", "seq-user", "seq-missing", "seq-until", "sample"} {
			if byRule[id] == 0 {
				t.Fatalf("rule %s raised no alert: the comparison would prove little (%v)", id, byRule)
			}
		}
		for _, n := range []int{1, 2, 3, 7} {
			got, p := runParallel(t, rs, evs, n, adv)
			if !slices.Equal(got, want) {
				i := firstDiff(got, want)
				t.Errorf("advance every %d, %d partitions: %d alerts, want %d; first difference at %d:\n got %s\nwant %s",
					adv, n, len(got), len(want), i, ruleOf(at(got, i)), ruleOf(at(want, i)))
				continue
			}
			if adv == 0 {
				for i, s := range p.Stats() {
					w := single.Stats()[i]
					if s.Rule != w.Rule || s.Alerts != w.Alerts || s.Capped != w.Capped || s.Matched != w.Matched {
						t.Errorf("%d partitions, rule %s: alerts %d capped %d matched %d, want %d %d %d",
							n, w.Rule.ID, s.Alerts, s.Capped, s.Matched, w.Alerts, w.Capped, w.Matched)
					}
				}
			}
		}
		t.Logf("advance every %d: %d alerts identical", adv, len(want))
	}
}

// ruleOf returns the rule id and reason of an alert's JSON.
func ruleOf(doc string) string {
	var a struct {
		ID     string `json:"kibana.alert.rule.rule_id"`
		Reason string `json:"kibana.alert.reason"`
	}
	json.Unmarshal([]byte(doc), &a)
	return a.ID + ": " + a.Reason
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

// TestParallelCorpusRules runs the Windows rules of the corpus over the
// synthetic events with hosts of benchEvents, one engine against four.
func TestParallelCorpusRules(t *testing.T) {
	if os.Getenv("VIGIL_SHARED") == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	rs, _ := Compile(append(windowsRules(t), mixedRules()...), Options{Now: func() time.Time { return time.Unix(0, 0) }})
	evs := benchEvents(20_000)
	want := runSingle(t, rs, evs, 0)
	if len(want) == 0 {
		t.Fatal("no alerts")
	}
	got, _ := runParallel(t, rs, evs, 4, 0)
	if !slices.Equal(got, want) {
		i := firstDiff(got, want)
		t.Fatalf("%d alerts, want %d; first difference at %d:\n got %.300s\nwant %.300s", len(got), len(want), i, at(got, i), at(want, i))
	}
	t.Logf("%d alerts identical", len(want))
}

// TestParallelPartitionOf: the memoised partition of an event is
// PartitionOf of its key (its Source without one), through repeats, key
// changes, an empty key and more keys than the memo holds.
func TestParallelPartitionOf(t *testing.T) {
	rs, _ := Compile(nil, Options{})
	for _, n := range []int{1, 2, 3, 5} {
		p := rs.NewParallel(n, nil, nil)
		check := func(doc, source, key string) {
			t.Helper()
			ev := &event.Event{Source: source}
			if err := rs.Schema().Decode([]byte(doc), ev); err != nil {
				t.Fatal(err)
			}
			if got, want := p.partitionOf(ev), int32(PartitionOf(key, n)); got != want {
				t.Fatalf("%d partitions: %s from %q: partition %d, want %d", n, doc, source, got, want)
			}
		}
		for range 3 {
			check(`{"host":{"name":"WKS5"}}`, "a.json", "WKS5")
			check(`{"host":{"name":"WKS5"}}`, "a.json", "WKS5")
			check(`{"host":{"id":"h1","name":"WKS5"}}`, "a.json", "h1")
			check(`{"process":{"name":"x"}}`, "", "")
			check(`{"process":{"name":"x"}}`, "b.json", "b.json")
			check(`{"agent":{"id":"WKS5"}}`, "b.json", "WKS5")
		}
		for i := range maxKeyParts + 100 {
			k := fmt.Sprintf("host-%d", i%(maxKeyParts+7))
			check(`{"host":{"name":"`+k+`"}}`, "c.json", k)
		}
		p.Close()
	}
}
