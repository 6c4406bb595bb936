package suppress

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
	"github.com/vigilsec/vigil/rule"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).UnixNano()

// at is an offset from t0 in minutes.
func at(min float64) int64 { return t0 + int64(min*float64(time.Minute)) }

// in is one alert offered to a suppressor: its events (a sequence when
// several) at minute offsets, or a threshold group.
type in struct {
	docs      []testevent.Doc
	mins      []float64
	threshold []alert.Term
}

func one(min float64, d testevent.Doc) in { return in{docs: []testevent.Doc{d}, mins: []float64{min}} }

// run offers the inputs in order and returns the emitted alerts as
// "first-event-minute docs_count terms" strings, in emission order.
func run(t *testing.T, r *rule.Rule, max int, ins ...in) ([]string, *Suppressor) {
	t.Helper()
	schema := event.NewSchema()
	f := alert.Register(schema)
	var out []string
	s := New(r, schema, max, func(a *alert.Alert) {
		desc := fmt.Sprintf("%g", float64(a.OriginalTime-t0)/float64(time.Minute))
		if sup := a.Suppression; sup != nil {
			var terms []string
			for _, tm := range sup.Terms {
				terms = append(terms, tm.Field+"="+tm.Value.String())
			}
			desc += fmt.Sprintf(" +%d %s", sup.DocsCount, strings.Join(terms, ","))
		}
		out = append(out, desc)
	})
	if s == nil {
		t.Fatal("no suppressor")
	}
	now := time.Unix(0, 0)
	for _, x := range ins {
		var evs []*event.Event
		for i, d := range x.docs {
			ev := d.Event(schema)
			ev.Time = at(x.mins[i])
			evs = append(evs, ev)
		}
		var a *alert.Alert
		if x.threshold != nil {
			a = alert.NewThreshold(f, r, &alert.ThresholdResult{Terms: x.threshold, Count: 5, From: evs[0].Time}, evs[0], now)
		} else {
			a = alert.New(f, r, evs, nil, now)
		}
		s.Add(a)
	}
	s.Flush()
	return out, s
}

func suppressed(typ string, dur *rule.Duration, strategy string, fields ...string) *rule.Rule {
	return &rule.Rule{ID: "r", Name: "r", Type: typ, Interval: "5m", Severity: "low",
		AlertSuppression: &rule.AlertSuppression{GroupBy: fields, Duration: dur, MissingFieldsStrategy: strategy}}
}

func TestSuppression(t *testing.T) {
	type doc = testevent.Doc
	m30 := &rule.Duration{Value: 30, Unit: "m"}
	for _, tc := range []struct {
		name string
		r    *rule.Rule
		ins  []in
		want []string
	}{
		{"query within the duration", suppressed("query", m30, "suppress", "host.name"), []in{
			one(0, doc{"host.name": "a"}), one(10, doc{"host.name": "a"}), one(20, doc{"host.name": "b"}), one(29, doc{"host.name": "a"}), one(31, doc{"host.name": "a"}),
		}, []string{"0 +2 host.name=a", "20 +0 host.name=b", "31 +0 host.name=a"}},
		{"query, one rule execution (interval 5m)", suppressed("query", nil, "suppress", "host.name"), []in{
			one(1, doc{"host.name": "a"}), one(4, doc{"host.name": "a"}), one(6, doc{"host.name": "a"}),
		}, []string{"1 +1 host.name=a", "6 +0 host.name=a"}},
		{"query, two fields", suppressed("query", m30, "suppress", "host.name", "user.name"), []in{
			one(0, doc{"host.name": "a", "user.name": "u"}), one(1, doc{"host.name": "a", "user.name": "v"}), one(2, doc{"host.name": "a", "user.name": "u"}),
		}, []string{"0 +1 host.name=a,user.name=u", "1 +0 host.name=a,user.name=v"}},
		{"query, arrays per element", suppressed("query", m30, "suppress", "host.ip"), []in{
			one(0, doc{"host.ip": []any{"10.0.0.1", "10.0.0.2"}}), one(1, doc{"host.ip": []any{"10.0.0.2"}}),
		}, []string{"0 +0 host.ip=10.0.0.1", "0 +1 host.ip=10.0.0.2"}},
		{"new_terms, arrays whole", suppressed("new_terms", m30, "suppress", "host.ip"), []in{
			one(0, doc{"host.ip": []any{"10.0.0.1", "10.0.0.2"}}), one(1, doc{"host.ip": []any{"10.0.0.2"}}), one(2, doc{"host.ip": []any{"10.0.0.1", "10.0.0.2"}}),
		}, []string{"0 +1 host.ip=[10.0.0.1, 10.0.0.2]", "1 +0 host.ip=[10.0.0.2]"}},
		{"missing field, suppress", suppressed("query", m30, "suppress", "user.name"), []in{
			one(0, doc{"host.name": "a"}), one(1, doc{"host.name": "b"}),
		}, []string{"0 +1 user.name=null"}},
		{"missing field, doNotSuppress", suppressed("query", m30, "doNotSuppress", "user.name"), []in{
			one(0, doc{"host.name": "a"}), one(1, doc{"host.name": "b"}), one(2, doc{"user.name": "u"}), one(3, doc{"user.name": "u"}),
		}, []string{"0", "1", "2 +1 user.name=u"}},
		{"threshold, by its terms, per period", suppressed("threshold", m30, "", ""), []in{
			{docs: []testevent.Doc{{"host.name": "a"}}, mins: []float64{0}, threshold: []alert.Term{{Field: "host.name", Value: event.Str("a")}}},
			{docs: []testevent.Doc{{"host.name": "a"}}, mins: []float64{5}, threshold: []alert.Term{{Field: "host.name", Value: event.Str("a")}}},
			{docs: []testevent.Doc{{"host.name": "b"}}, mins: []float64{6}, threshold: []alert.Term{{Field: "host.name", Value: event.Str("b")}}},
			{docs: []testevent.Doc{{"host.name": "a"}}, mins: []float64{40}, threshold: []alert.Term{{Field: "host.name", Value: event.Str("a")}}},
		}, []string{"0 +1 host.name=a", "6 +0 host.name=b", "40 +0 host.name=a"}},
		{"eql sequence, ordered tuple", suppressed("eql", m30, "suppress", "host.name"), []in{
			{docs: []testevent.Doc{{"host.name": "a"}, {"host.name": "b"}}, mins: []float64{0, 1}},
			{docs: []testevent.Doc{{"host.name": "a"}, {"host.name": "b"}}, mins: []float64{2, 3}},
			{docs: []testevent.Doc{{"host.name": "b"}, {"host.name": "a"}}, mins: []float64{4, 5}},
		}, []string{"0 +1 host.name=[a, b]", "4 +0 host.name=[b, a]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Type == "threshold" {
				tc.r.AlertSuppression.GroupBy = nil
			}
			got, _ := run(t, tc.r, 0, tc.ins...)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSuppressionBound fills a two-group state: a third group emits the
// oldest early, counted as overflow.
func TestSuppressionBound(t *testing.T) {
	r := suppressed("query", &rule.Duration{Value: 1, Unit: "h"}, "suppress", "host.name")
	got, s := run(t, r, 2,
		one(0, testevent.Doc{"host.name": "a"}), one(1, testevent.Doc{"host.name": "b"}),
		one(2, testevent.Doc{"host.name": "c"}), one(3, testevent.Doc{"host.name": "c"}))
	want := "0 +0 host.name=a\n1 +0 host.name=b\n2 +1 host.name=c"
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if sup, over := s.Stats(); sup != 1 || over != 1 {
		t.Errorf("suppressed %d, overflow %d; want 1 and 1", sup, over)
	}
	if len(s.groups) > 2 {
		t.Errorf("%d groups open, bound 2", len(s.groups))
	}
}

// TestNoSuppression: a rule without alert_suppression has no suppressor.
func TestNoSuppression(t *testing.T) {
	if New(&rule.Rule{Type: "query"}, event.NewSchema(), 0, nil) != nil {
		t.Error("a suppressor for a rule without alert_suppression")
	}
}
