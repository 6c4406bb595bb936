package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// indexed is a document and the index it belongs to.
type indexed struct{ index, doc string }

func threatRule() *rule.Rule {
	return &rule.Rule{ID: "tm", Name: "indicator match", Type: "threat_match", Language: "kuery",
		Severity: "high", RiskScore: 73, Interval: "1h", From: "now-65m", To: "now", MaxSignals: 100,
		Index:               []string{"logs-endpoint.*"},
		Query:               `file.hash.*:* or source.ip:*`,
		ThreatIndex:         []string{"logs-ti_*"},
		ThreatQuery:         `@timestamp >= "now-30d/d" and event.type:indicator`,
		ThreatIndicatorPath: "threat.indicator",
		ThreatMapping: []rule.ThreatMapping{
			{Entries: []rule.ThreatMappingEntry{{Field: "file.hash.sha256", Type: "mapping", Value: "threat.indicator.file.hash.sha256"}}},
			{Entries: []rule.ThreatMappingEntry{
				{Field: "source.ip", Type: "mapping", Value: "threat.indicator.ip"},
				{Field: "destination.port", Type: "mapping", Value: "threat.indicator.port"},
				{Field: "host.name", Type: "mapping", Value: "threat.indicator.excluded_host", Negate: true},
			}},
		},
	}
}

// runIndexed runs rules over documents of several indices; indicators go
// through AddIndicator first.
func runIndexed(t *testing.T, r *rule.Rule, indicators []indexed, docs ...indexed) ([]*alert.Alert, *Engine) {
	t.Helper()
	var out []*alert.Alert
	eng, st := New([]*rule.Rule{r}, Options{Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) { out = append(out, a) })
	if st[0].State != OK {
		t.Fatalf("rule: %s %s %v", st[0].State, st[0].Reason, st[0].Err)
	}
	for i, d := range indicators {
		ev := &event.Event{}
		decodeInto(t, eng, benchEvent{[]byte(d.doc), d.index}, int64(i), ev)
		eng.AddIndicator(ev)
	}
	evs := make([]benchEvent, len(docs))
	for i, d := range docs {
		evs[i] = benchEvent{[]byte(d.doc), d.index}
	}
	feed(t, eng, evs)
	return out, eng
}

func TestThreatMatch(t *testing.T) {
	const ti = "logs-ti_custom.indicator-default"
	const ep = "logs-endpoint.events.file-default"
	indicators := []indexed{
		{ti, `{"@timestamp":"2024-05-01T00:00:00Z","_id":"ind-1","event":{"type":"indicator"},"threat":{"indicator":{"type":"file","file":{"hash":{"sha256":"aaa"}}}}}`},
		// Dotted keys, and a second hash value.
		{ti, `{"@timestamp":"2024-05-02T00:00:00Z","_id":"ind-2","event.type":"indicator","threat.indicator.type":"file","threat.indicator.file.hash.sha256":["bbb","aaa"]}`},
		// Not an indicator by the threat query.
		{ti, `{"@timestamp":"2024-05-02T00:00:00Z","_id":"ind-3","event.type":"info","threat.indicator.file.hash.sha256":"ccc"}`},
		// Not of a threat index.
		{"logs-other-default", `{"@timestamp":"2024-05-02T00:00:00Z","_id":"ind-4","event.type":"indicator","threat.indicator.file.hash.sha256":"ddd"}`},
		// An address and port, except on host h9.
		{ti, `{"@timestamp":"2024-05-02T00:00:00Z","_id":"ind-5","event.type":"indicator","threat.indicator.ip":"10.9.9.9","threat.indicator.port":443,"threat.indicator.excluded_host":"h9"}`},
	}
	docs := []indexed{
		{ep, `{"@timestamp":"2024-05-10T00:00:00Z","event.id":"e1","host.name":"h1","file.hash.sha256":"aaa"}`},                      // ind-1, ind-2
		{ep, `{"@timestamp":"2024-05-10T00:00:01Z","event.id":"e2","host.name":"h1","file.hash.sha256":["zzz","bbb"]}`},              // ind-2
		{ep, `{"@timestamp":"2024-05-10T00:00:02Z","event.id":"e3","host.name":"h1","file.hash.sha256":"ccc"}`},                      // not an indicator
		{ep, `{"@timestamp":"2024-05-10T00:00:03Z","event.id":"e4","host.name":"h1","file.hash.sha256":"ddd"}`},                      // other index
		{ep, `{"@timestamp":"2024-05-10T00:00:04Z","event.id":"e5","host.name":"h1","source.ip":"10.9.9.9","destination.port":443}`}, // ind-5
		{ep, `{"@timestamp":"2024-05-10T00:00:05Z","event.id":"e6","host.name":"h1","source.ip":"10.9.9.9","destination.port":80}`},  // port differs
		{ep, `{"@timestamp":"2024-05-10T00:00:06Z","event.id":"e7","host.name":"h9","source.ip":"10.9.9.9","destination.port":443}`}, // negated host
		// Two months after the indicators: outside now-30d/d.
		{ep, `{"@timestamp":"2024-07-10T00:00:00Z","event.id":"e8","host.name":"h1","file.hash.sha256":"aaa"}`},
		// An indicator arriving in the stream finds later events.
		{ti, `{"@timestamp":"2024-07-10T00:00:01Z","_id":"ind-6","event.type":"indicator","threat.indicator.file.hash.sha256":"eee"}`},
		{ep, `{"@timestamp":"2024-07-10T00:00:02Z","event.id":"e9","host.name":"h1","file.hash.sha256":"eee"}`},
	}
	got, eng := runIndexed(t, threatRule(), indicators, docs...)
	var summary []string
	for _, a := range got {
		var ms []string
		for _, en := range a.Enrichments {
			ms = append(ms, en.ID+":"+en.Field+"="+en.Atomic)
		}
		summary = append(summary, eng.Fields().EventID(a.Events[0])+" "+strings.Join(ms, ","))
	}
	want := []string{
		"e1 ind-1:file.hash.sha256=aaa,ind-2:file.hash.sha256=aaa",
		"e2 ind-2:file.hash.sha256=bbb",
		"e5 ind-5:source.ip=10.9.9.9",
		"e9 ind-6:file.hash.sha256=eee",
	}
	if g, w := strings.Join(summary, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("alerts:\n%s\nwant:\n%s", g, w)
	}
	if kept, _ := eng.IndicatorStats(); kept != 4 {
		t.Errorf("%d indicators kept, want 4 (ind-1, ind-2, ind-5, ind-6)", kept)
	}
	if len(got) > 0 {
		js := string(got[0].AppendJSON(eng.Fields(), nil))
		for _, w := range []string{
			`"threat.enrichments":[{"indicator":{"file":{"hash":{"sha256":"aaa"}},"type":"file"},"matched":{"atomic":"aaa","field":"file.hash.sha256","id":"ind-1","index":"logs-ti_custom.indicator-default","type":"indicator_match_rule"}}`,
			`{"indicator":{"file":{"hash":{"sha256":["bbb","aaa"]}},"type":"file"}`,
			`"kibana.alert.rule.type":"threat_match"`,
		} {
			if !strings.Contains(js, w) {
				t.Errorf("alert lacks %s:\n%s", w, js)
			}
		}
	}
}

func TestThreatMatchBounded(t *testing.T) {
	r := threatRule()
	var out []*alert.Alert
	eng, _ := New([]*rule.Rule{r}, Options{MaxIndicators: 2}, func(a *alert.Alert) { out = append(out, a) })
	s := eng.Schema()
	for i, h := range []string{"a", "b", "c"} {
		ev := &event.Event{}
		if err := s.Decode([]byte(`{"@timestamp":"2024-05-01T00:00:00Z","event.type":"indicator","threat.indicator.file.hash.sha256":"`+h+`"}`), ev); err != nil {
			t.Fatal(err)
		}
		ev.Index, ev.Time = "logs-ti_x-default", time.Date(2024, 5, 1, 0, 0, i, 0, time.UTC).UnixNano()
		eng.AddIndicator(ev)
	}
	if kept, over := eng.IndicatorStats(); kept != 2 || over != 1 {
		t.Errorf("kept %d, overflow %d; want 2 and 1", kept, over)
	}
}

func TestThreatMatchRuleErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(r *rule.Rule)
		want string
	}{
		{func(r *rule.Rule) { r.ThreatIndex = nil }, "without threat_index"},
		{func(r *rule.Rule) { r.ThreatMapping = nil }, "without threat_mapping"},
		{func(r *rule.Rule) {
			r.ThreatMapping = []rule.ThreatMapping{{Entries: []rule.ThreatMappingEntry{{Field: "a", Value: "b", Negate: true}}}}
		}, "no entry that is not negated"},
		{func(r *rule.Rule) { r.ThreatQuery = "a:(" }, "threat_query"},
	} {
		r := threatRule()
		r.Path, r.Line = "x.toml", 1
		tc.edit(r)
		_, st := New([]*rule.Rule{r}, Options{}, func(*alert.Alert) {})
		if st[0].State != Failed || !strings.Contains(st[0].Err.Error(), tc.want) {
			t.Errorf("got %s %v, want an error with %q", st[0].State, st[0].Err, tc.want)
		}
	}
}

// TestThreatIndicatorsJudged: judging on arrival, an event of a threat
// index waits to be added as an indicator only if it meets the threat
// query; one that does not (and that no rule wants otherwise) is a tick.
// Indicators in the stream still find later events: the alerts are a
// single engine's.
func TestThreatIndicatorsJudged(t *testing.T) {
	const ti = "logs-ti_custom.indicator-default"
	const ep = "logs-endpoint.events.file-default"
	var evs []benchEvent
	add := func(index, doc string) { evs = append(evs, benchEvent{[]byte(doc), index}) }
	const fillers = 200
	for i := range fillers {
		// Of a threat index, but not indicators by the threat query.
		add(ti, fmt.Sprintf(`{"@timestamp":"2024-05-01T00:%02d:%02dZ","_id":"other-%d","event.type":"info","threat.indicator.file.hash.sha256":"aaa"}`, i/60, i%60, i))
	}
	add(ti, `{"@timestamp":"2024-05-02T00:00:00Z","_id":"ind-1","event.type":"indicator","threat.indicator.file.hash.sha256":"aaa"}`)
	add(ep, `{"@timestamp":"2024-05-03T00:00:00Z","event.id":"e1","host.name":"h1","file.hash.sha256":"aaa"}`)
	add(ep, `{"@timestamp":"2024-05-03T00:00:01Z","event.id":"e2","host.name":"h1","file.hash.sha256":"bbb"}`)
	add(ti, `{"@timestamp":"2024-05-04T00:00:00Z","_id":"ind-2","event.type":"indicator","threat.indicator.file.hash.sha256":"bbb"}`)
	add(ep, `{"@timestamp":"2024-05-05T00:00:00Z","event.id":"e3","host.name":"h1","file.hash.sha256":"bbb"}`)

	want := runSingle(t, compileThreat(t), evs, 0)
	if len(want) != 2 {
		t.Fatalf("a single engine raised %d alerts, want 2 (e1 by ind-1, e3 by ind-2)", len(want))
	}
	// A rule set of its own: an engine that kept an indicator arms the
	// rule for every Judge of its rule set (see held).
	got, a, ticks := runArrived(t, compileThreat(t), evs, 0)
	if !slices.Equal(got, want) {
		t.Errorf("judged on arrival:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ticks < fillers {
		t.Errorf("%d ticks, want at least the %d events of the threat index that are not indicators", ticks, fillers)
	}
	if kept, _ := a.IndicatorStats(); kept != 2 {
		t.Errorf("%d indicators kept, want 2", kept)
	}
}

// tickOf is what order makes of an event a Judge has no use for: a
// tick, or a held tick (a snapshot with the held offers) when the
// verdict holds offers (see held), or the event itself when it cannot
// be snapshotted without a clone.
func tickOf(ev *event.Event) *event.Event {
	if len(ev.Verdict.Offers) > 0 {
		if !ev.Snapshots() {
			return ev
		}
		t := ev.HoldTo(nil)
		t.Verdict.Offers = slices.Clone(ev.Verdict.Offers)
		t.Verdict.Judged, t.Verdict.Tick = true, true
		return t
	}
	t := &event.Event{Time: ev.Time, Seq: ev.Seq, Pos: ev.Pos, Source: ev.Source}
	t.Verdict.Judged, t.Verdict.Tick = true, true
	return t
}

// compileThreat compiles threatRule with room for many alerts.
func compileThreat(t *testing.T) *RuleSet {
	t.Helper()
	r := threatRule()
	r.MaxSignals = 1000
	rs, st := Compile([]*rule.Rule{r}, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	if st[0].State != OK {
		t.Fatalf("rule: %s %s %v", st[0].State, st[0].Reason, st[0].Err)
	}
	return rs
}

// judgeThenProcess judges every event of in (decoded by probe, for a's
// schema) before any is evaluated in order, as a hunt whose inputs are
// read ahead of the merge, then processes them all in a and flushes it.
// Each held tick is passed to heldTick before it is processed; it
// returns how many there were.
func judgeThenProcess(t *testing.T, a *Arrived, probe *Engine, in []benchEvent, heldTick func(*event.Event)) int {
	t.Helper()
	held := 0
	var judged []*event.Event
	j := a.NewJudge()
	for i, b := range in {
		ev := &event.Event{}
		decodeInto(t, probe, b, int64(i), ev)
		if !j.Judge(ev) {
			ev = tickOf(ev)
			if ev.IsSnapshot() {
				heldTick(ev)
				held++
			}
		}
		judged = append(judged, ev)
	}
	j.Done()
	for _, ev := range judged {
		a.Process(ev)
	}
	a.Flush()
	return held
}

// TestThreatOffersHeld: judged on arrival, the events an indicator match
// rule without indicators is offered (and nothing else wants) travel as
// held ticks; in order they are decoded again for the rule once it has
// an indicator, an indicator added by AddIndicator before (which arms the
// rule: its offers are no longer held) or one of the stream judged after
// them, and the alerts and the rule's counters are a single engine's.
func TestThreatOffersHeld(t *testing.T) {
	const ti = "logs-ti_custom.indicator-default"
	const ep = "logs-endpoint.events.file-default"
	var evs []benchEvent
	add := func(index, doc string) { evs = append(evs, benchEvent{[]byte(doc), index}) }
	for i := range 600 {
		if i == 300 {
			add(ti, `{"@timestamp":"2024-05-03T00:05:00Z","_id":"ind-1","event.type":"indicator","threat.indicator.file.hash.sha256":"h1"}`)
		}
		add(ep, fmt.Sprintf(`{"@timestamp":"2024-05-03T00:%02d:%02dZ","event.id":"e%d","host.name":"h1","file.hash.sha256":"h%d"}`, i/60, i%60, i, i%3))
	}
	const indicator = `{"@timestamp":"2024-05-01T00:00:00Z","_id":"feed-1","event.type":"indicator","threat.indicator.file.hash.sha256":"h2"}`
	for _, tc := range []struct {
		name       string
		feed, tail bool // an indicator by AddIndicator; the stream's indicator
		alerts     int
		held       bool
	}{
		{"none", false, false, 0, true},
		{"in the stream", false, true, 100, true},
		{"added before", true, false, 200, false},
		{"both", true, true, 300, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := evs
			if !tc.tail {
				in = slices.DeleteFunc(slices.Clone(evs), func(b benchEvent) bool { return b.index == ti })
			}
			var want []string
			single := compileThreat(t)
			eng := single.NewEngine(alert.SinkFunc(func(al *alert.Alert) { want = append(want, string(al.AppendJSON(single.Fields(), nil))) }))
			arrivedRS := compileThreat(t)
			var got []string
			a := arrivedRS.NewArrived(alert.SinkFunc(func(al *alert.Alert) { got = append(got, string(al.AppendJSON(arrivedRS.Fields(), nil))) }))
			probe := arrivedRS.NewEngine(nil) // decodes for a's schema
			if tc.feed {
				ev := &event.Event{}
				decodeInto(t, eng, benchEvent{[]byte(indicator), ti}, 0, ev)
				ok := eng.AddIndicator(ev)
				ev = &event.Event{}
				decodeInto(t, probe, benchEvent{[]byte(indicator), ti}, 0, ev)
				if !ok || !a.AddIndicator(ev) {
					t.Fatal("the feed's indicator was not kept")
				}
			}
			feed(t, eng, in)
			if len(want) != tc.alerts {
				t.Fatalf("a single engine raised %d alerts, want %d", len(want), tc.alerts)
			}
			// The stream's indicator is judged after the events it finds.
			held := judgeThenProcess(t, a, probe, in, func(*event.Event) {})
			if !slices.Equal(got, want) {
				t.Errorf("judged on arrival, %d alerts:\n%s\nwant %d:\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
			}
			if (held > 0) != tc.held {
				t.Errorf("%d events held, want held: %t", held, tc.held)
			}
			if gs, ws := a.Stats()[0], eng.Stats()[0]; gs.Offered != ws.Offered || gs.Matched != ws.Matched || gs.Alerts != ws.Alerts {
				t.Errorf("counters offered/matched/alerts %d/%d/%d, a single engine's %d/%d/%d", gs.Offered, gs.Matched, gs.Alerts, ws.Offered, ws.Matched, ws.Alerts)
			}
		})
	}
}

// TestHeldLost: a held tick whose record cannot be decoded again (it
// should not happen: the record was decoded once) loses its offers, and
// each is counted per rule, none silently: what the arrived engine
// offered and lost adds up to what a single engine offered. Every event
// is judged before the indicator that arms the rule is evaluated, so all
// are held.
func TestHeldLost(t *testing.T) {
	const ti = "logs-ti_custom.indicator-default"
	const ep = "logs-endpoint.events.file-default"
	in := []benchEvent{{[]byte(`{"@timestamp":"2024-05-03T00:05:00Z","_id":"ind-1","event.type":"indicator","threat.indicator.file.hash.sha256":"h1"}`), ti}}
	for i := range 60 {
		in = append(in, benchEvent{[]byte(fmt.Sprintf(`{"@timestamp":"2024-05-03T00:06:%02dZ","event.id":"e%d","host.name":"h1","file.hash.sha256":"h1"}`, i, i)), ep})
	}
	single := compileThreat(t)
	eng := single.NewEngine(alert.SinkFunc(func(*alert.Alert) {}))
	feed(t, eng, in)
	rs := compileThreat(t)
	alerts := 0
	a := rs.NewArrived(alert.SinkFunc(func(*alert.Alert) { alerts++ }))
	probe := rs.NewEngine(nil)
	held := judgeThenProcess(t, a, probe, in, func(ev *event.Event) {
		ev.Raw = []byte(`{"@timestamp":`) // damaged: Restore fails
	})
	if held == 0 {
		t.Fatal("no event was held")
	}
	gs, ws := a.Stats()[0], eng.Stats()[0]
	if gs.Lost == 0 || gs.Lost+gs.Offered != ws.Offered {
		t.Errorf("lost %d + offered %d, want a single engine's offers %d with some lost", gs.Lost, gs.Offered, ws.Offered)
	}
	if ws.Alerts == 0 || alerts >= int(ws.Alerts) {
		t.Errorf("%d alerts from damaged records, a single engine raised %d", alerts, ws.Alerts)
	}
}
