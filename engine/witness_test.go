package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/synth"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// TestIndexChangesNoAlertPlanted plants, among synthetic events, events
// that every Windows rule of the corpus matches (match.Witness: for each
// stage of a sequence, with shared join keys; enough for a threshold),
// in an index the rule selects, and checks that the rule index raises
// exactly the alerts that offering every event to every rule raises (of
// events in indices the rule selects), to the byte. Witnesses vary case
// (Unicode folds included), take any branch of a disjunction and any
// pattern of a list, so they reach rules through every kind of need the
// index files them under (values, numbers, prefixes, suffixes, literal
// text of wildcards and regexps, presence) and through sequence stages
// filed only while their matcher holds state.
func TestIndexChangesNoAlertPlanted(t *testing.T) {
	// No max_signals cap: without the index, alerts on events of indices
	// a rule does not select (dropped below) would count against it.
	var rules []*rule.Rule
	for _, r := range windowsRules(t) {
		c := *r
		c.MaxSignals = 1 << 30
		rules = append(rules, &c)
	}
	probe, _ := New(rules, Options{}, nil)
	s := probe.Schema()
	rng := rand.New(rand.NewPCG(21, 22))
	planted := map[string][][]byte{} // rule id → its witness documents, in order
	var ids []string
	for _, r := range rules {
		docs := witnessDocs(t, r, s, rng)
		if docs == nil {
			continue
		}
		planted[r.ID] = docs
		ids = append(ids, r.ID)
	}

	// The stream: synthetic events, and after every 5th the next rule's
	// witnesses, a microsecond apart.
	var stream []benchEvent
	g := synth.New(9, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	indexOf := map[string]string{}
	for _, r := range rules {
		indexOf[r.ID] = witnessIndex(r)
	}
	next := 0
	for i := 0; next < len(ids) || i < 6000; i++ {
		d := g.Doc()
		ts, _ := d.Get("@timestamp")
		stream = append(stream, benchEvent{d.AppendJSON(nil), "logs-" + d.GetStr("data_stream.dataset") + "-default"})
		if i%5 != 4 || next >= len(ids) {
			continue
		}
		t0, _ := time.Parse(time.RFC3339Nano, ts.Str())
		for j, doc := range planted[ids[next]] {
			at := t0.Add(time.Duration(j+1) * time.Microsecond).Format(time.RFC3339Nano)
			head := `{"@timestamp":"` + at + `"`
			if len(doc) > 2 {
				head += ","
			}
			doc = append([]byte(head), doc[1:]...)
			stream = append(stream, benchEvent{doc, indexOf[ids[next]]})
		}
		next++
	}

	hunt := func(noIndex bool) (map[string]int, []string) {
		out := map[string]int{}
		var alerts []string
		var eng *Engine
		eng, _ = New(rules, Options{NoIndex: noIndex, Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) {
			// Without the index, rules see events of indices their
			// patterns do not select too: those alerts do not count.
			ps := newPatternSet(a.Rule.Indices())
			for _, ev := range a.Events {
				if ev != nil && !ps.match(ev.Index) {
					return
				}
			}
			out[a.Rule.ID]++
			alerts = append(alerts, string(a.AppendJSON(eng.Fields(), nil)))
		})
		feed(t, eng, stream)
		slices.Sort(alerts)
		return out, alerts
	}
	byRuleWith, with := hunt(false)
	byRuleWithout, without := hunt(true)
	fired := 0
	for _, id := range ids {
		if byRuleWithout[id] > 0 {
			fired++
		}
		if byRuleWith[id] != byRuleWithout[id] {
			t.Errorf("rule %s: %d alerts with the index, %d without", id, byRuleWith[id], byRuleWithout[id])
		}
	}
	if !slices.Equal(with, without) {
		t.Errorf("the alerts differ (%d with the index, %d without)", len(with), len(without))
	}
	t.Logf("%d of %d rules planted, %d of them fired; %d alerts agree", len(ids), len(rules), fired, len(with))
	// A floor, so that the test keeps proving something.
	if fired < 500 {
		t.Errorf("only %d planted rules fired", fired)
	}
}

// witnessIndex names an index the rule's index patterns select.
func witnessIndex(r *rule.Rule) string {
	ps := newPatternSet(r.Indices())
	if len(ps.include) == 0 {
		return "logs-x-default"
	}
	return strings.ReplaceAll(ps.include[0].String(), "*", "x")
}

// witnessDocs returns JSON documents (without @timestamp) that, in order,
// make the rule fire, or nil when none were found.
func witnessDocs(t *testing.T, r *rule.Rule, s *event.Schema, rng *rand.Rand) [][]byte {
	t.Helper()
	if ok, _ := Supported(r); !ok {
		return nil
	}
	var stages []match.Pred
	var keys [][]string // per stage: the join key fields
	switch r.Language {
	case "eql":
		p, err := eql.CompileString(r.Query, s, eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true, CategoryField: r.EventCategoryOverride})
		if err != nil {
			return nil
		}
		switch p.Kind() {
		case eql.EventQuery:
			stages = []match.Pred{p.Pred}
		case eql.SequenceQuery:
			for _, cs := range p.Stages {
				if cs.Missing {
					continue
				}
				var names []string
				for _, k := range cs.Keys {
					name := strings.TrimPrefix(k.Name, "?")
					if strings.ContainsAny(name, "( ") {
						return nil // a key computed by a function
					}
					names = append(names, name)
				}
				for range max(cs.Runs, 1) {
					stages = append(stages, cs.Pred)
					keys = append(keys, names)
				}
			}
		default:
			return nil
		}
	default:
		p, err := compileKQLRule(r, s, kql.Options{})
		if err != nil {
			return nil
		}
		stages = []match.Pred{p}
		if r.Type == "new_terms" && r.NewTerms != nil {
			// The new_terms fields need values (the query's, if it
			// tests them) for the event to have a term.
			keys = [][]string{r.NewTerms.Value}
		}
	}
	repeat := 1
	if r.Type == "threshold" && r.Threshold != nil {
		if len(r.Threshold.Cardinality) > 0 || r.Threshold.Value > 200 {
			return nil
		}
		repeat = max(r.Threshold.Value, 1)
	}
	for range 40 {
		docs, ok := witnessTry(stages, keys, s, rng)
		if !ok {
			continue
		}
		var out [][]byte
		for _, d := range docs {
			for range repeat {
				out = append(out, d)
			}
		}
		return out
	}
	return nil
}

// witnessTry builds one event per stage from match.Witness, gives the join
// keys of a sequence shared values, and checks that each stage matches
// its event.
func witnessTry(stages []match.Pred, keys [][]string, s *event.Schema, rng *rand.Rand) ([][]byte, bool) {
	vals := make([]map[int][]event.Value, len(stages))
	for i, p := range stages {
		v, ok := match.Witness(p, rng)
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	if len(keys) > 0 {
		for k, name := range keys[0] {
			// The first stage's value of a key field if it tests one,
			// else a fresh one; every stage's key k gets it.
			key := event.Str(fmt.Sprintf("key-%d", rng.Uint32()))
			if v := vals[0][s.Slot(name)]; len(v) > 0 {
				key = v[0]
			}
			for i := range stages {
				vals[i][s.Slot(keys[i][k])] = []event.Value{key}
			}
		}
	}
	var docs [][]byte
	for i, p := range stages {
		var d event.Doc
		for slot, vs := range vals[i] {
			if len(vs) == 1 {
				d.Set(s.Name(slot), vs[0])
			} else {
				d.Set(s.Name(slot), event.Array(vs...))
			}
		}
		doc := d.AppendJSON(nil)
		ev := &event.Event{}
		if err := s.Decode(doc, ev); err != nil || !p.Match(ev) {
			return nil, false
		}
		docs = append(docs, doc)
	}
	return docs, true
}
