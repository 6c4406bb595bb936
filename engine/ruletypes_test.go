package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/rule"
)

// runLines runs one rule over NDJSON documents (index logs-test-default)
// and returns its alerts. The rule must load.
func runLines(t *testing.T, r *rule.Rule, opt Options, lines ...string) ([]*alert.Alert, *Engine) {
	t.Helper()
	if r.Interval == "" {
		r.Interval = "5m"
	}
	if r.From == "" {
		r.From = "now-6m"
	}
	if r.To == "" {
		r.To = "now"
	}
	if r.MaxSignals == 0 {
		r.MaxSignals = 100
	}
	if r.Language == "" {
		r.Language = "kuery"
	}
	r.Index = []string{"logs-test-*"}
	opt.Now = func() time.Time { return time.Unix(0, 0) }
	var out []*alert.Alert
	eng, st := New([]*rule.Rule{r}, opt, func(a *alert.Alert) { out = append(out, a) })
	if st[0].State != OK {
		t.Fatalf("rule %s: %s %s %v", r.Name, st[0].State, st[0].Reason, st[0].Err)
	}
	evs := make([]benchEvent, len(lines))
	for i, l := range lines {
		evs[i] = benchEvent{[]byte(l), "logs-test-default"}
	}
	feed(t, eng, evs)
	return out, eng
}

// doc writes a test event at minute m of 2024-05-01 (minutes may exceed
// 59: they count on) with extra fields.
func doc(m int, fields string) string {
	t := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m) * time.Minute)
	return fmt.Sprintf(`{"@timestamp":%q,"event.id":"e%d",%s}`, t.Format(time.RFC3339), m, fields)
}

func newTermsRule(history string, fields ...string) *rule.Rule {
	return &rule.Rule{ID: "nt", Name: "new terms", Type: "new_terms", Severity: "low", RiskScore: 21,
		Query:    `event.category:process and event.type:start`,
		NewTerms: &rule.NewTerms{Field: "new_terms_fields", Value: fields, HistoryWindowStart: history}}
}

func termsOf(as []*alert.Alert) []string {
	var out []string
	for _, a := range as {
		var parts []string
		for _, v := range a.NewTerms {
			parts = append(parts, v.String())
		}
		out = append(out, a.Events[0].Get(0).String()[11:16]+" "+strings.Join(parts, "|"))
	}
	return out
}

func TestNewTerms(t *testing.T) {
	const start = `"event.category":"process","event.type":"start"`
	for _, tc := range []struct {
		name     string
		history  string
		fields   []string
		baseline bool
		lines    []string
		want     []string // "hh:mm term|term" of each alert, in order
	}{
		{
			name: "first sighting alerts once", history: "now-1h", fields: []string{"process.name"},
			lines: []string{
				doc(0, start+`,"process.name":"a.exe"`),
				doc(1, start+`,"process.name":"a.exe"`),
				doc(2, start+`,"process.name":"b.exe"`),
				doc(3, `"event.category":"process","event.type":"end","process.name":"c.exe"`), // not matching the query
				doc(4, start),                        // no term
				doc(5, start+`,"process.name":null`), // no term
			},
			want: []string{"00:00 a.exe", "00:02 b.exe"},
		},
		{
			name: "new again after the history window", history: "now-1h", fields: []string{"process.name"},
			lines: []string{
				doc(0, start+`,"process.name":"a.exe"`),
				doc(60, start+`,"process.name":"a.exe"`),  // seen exactly 1h before: not new
				doc(121, start+`,"process.name":"a.exe"`), // last seen 61m before: new
			},
			want: []string{"00:00 a.exe", "02:01 a.exe"},
		},
		{
			name: "combinations of two fields", history: "now-7d", fields: []string{"host.id", "process.name"},
			lines: []string{
				doc(0, start+`,"host.id":"h1","process.name":"a.exe"`),
				doc(1, start+`,"host.id":"h2","process.name":"a.exe"`),
				doc(2, start+`,"host.id":"h1","process.name":"a.exe"`),
				doc(3, start+`,"host.id":"h1"`), // lacks a field
			},
			want: []string{"00:00 h1|a.exe", "00:01 h2|a.exe"},
		},
		{
			name: "arrays give every combination", history: "now-7d", fields: []string{"host.id", "user.name"},
			lines: []string{
				doc(0, start+`,"host.id":"h1","user.name":["u1","u2"]`),
				doc(1, start+`,"host.id":["h1","h2"],"user.name":"u2"`),
			},
			want: []string{"00:00 h1|u1", "00:00 h1|u2", "00:01 h2|u2"},
		},
		{
			name: "numbers and strings are different terms", history: "now-7d", fields: []string{"process.pid"},
			lines: []string{
				doc(0, start+`,"process.pid":4`),
				doc(1, start+`,"process.pid":4.0`),
				doc(2, start+`,"process.pid":"4"`),
			},
			want: []string{"00:00 4", "00:02 4"},
		},
		{
			name: "baseline learns the first history window", history: "now-1h", fields: []string{"process.name"}, baseline: true,
			lines: []string{
				doc(0, start+`,"process.name":"x.exe"`),
				doc(20, start+`,"process.name":"a.exe"`),
				doc(30, start+`,"process.name":"b.exe"`),
				doc(70, start+`,"process.name":"a.exe"`),
				doc(71, start+`,"process.name":"c.exe"`),
				doc(200, start+`,"process.name":"b.exe"`),
			},
			want: []string{"01:11 c.exe", "03:20 b.exe"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := runLines(t, newTermsRule(tc.history, tc.fields...), Options{NewTermsBaseline: tc.baseline}, tc.lines...)
			if g, w := strings.Join(termsOf(got), "; "), strings.Join(tc.want, "; "); g != w {
				t.Errorf("alerts\n got  %s\n want %s", g, w)
			}
		})
	}
}

func TestNewTermsAlertDocument(t *testing.T) {
	const start = `"event.category":"process","event.type":"start"`
	got, eng := runLines(t, newTermsRule("now-7d", "host.id", "user.name"), Options{},
		doc(0, start+`,"host.id":"h1","user.name":["u1","u2"]`))
	if len(got) != 2 {
		t.Fatalf("%d alerts, want 2", len(got))
	}
	if got[0].ID == got[1].ID {
		t.Errorf("two new terms of one event share the id %s", got[0].ID)
	}
	js := string(got[1].AppendJSON(eng.Fields(), nil))
	for _, want := range []string{`"kibana.alert.new_terms":["h1","u2"]`, `"kibana.alert.rule.type":"new_terms"`, `"kibana.alert.original_time":"2024-05-01T00:00:00.000Z"`} {
		if !strings.Contains(js, want) {
			t.Errorf("alert lacks %s:\n%s", want, js)
		}
	}
	// The same input gives the same ids.
	again, _ := runLines(t, newTermsRule("now-7d", "host.id", "user.name"), Options{},
		doc(0, start+`,"host.id":"h1","user.name":["u1","u2"]`))
	if again[0].ID != got[0].ID || again[1].ID != got[1].ID {
		t.Error("alert ids are not deterministic")
	}
}

func TestNewTermsMemoryBound(t *testing.T) {
	const start = `"event.category":"process","event.type":"start"`
	var lines []string
	for i := range 50 {
		lines = append(lines, doc(i, start+fmt.Sprintf(`,"process.name":"p%d.exe"`, i)))
	}
	// A term seen again within its window, after the state filled up,
	// alerts again: it could not be remembered.
	lines = append(lines, doc(50, start+`,"process.name":"p45.exe"`))
	r := newTermsRule("now-1d", "process.name")
	r.MaxSignals = 1000
	got, eng := runLines(t, r, Options{MaxTerms: 10}, lines...)
	if len(got) != 51 {
		t.Errorf("%d alerts, want 51", len(got))
	}
	st := eng.Stats()[0]
	if st.Overflow != 41 {
		t.Errorf("overflow %d, want 41", st.Overflow)
	}
	if n := eng.live[0].run.(*newTermsState).seen.len(); n > 10 {
		t.Errorf("%d terms kept, cap 10", n)
	}
	// Expired terms make room.
	got, eng = runLines(t, newTermsRule("now-5m", "process.name"), Options{MaxTerms: 10}, lines[:50]...)
	if len(got) != 50 || eng.Stats()[0].Overflow != 0 {
		t.Errorf("%d alerts, overflow %d; want 50 and 0", len(got), eng.Stats()[0].Overflow)
	}
}

func TestNewTermsRuleErrors(t *testing.T) {
	for _, tc := range []struct {
		nt   *rule.NewTerms
		want string
	}{
		{nil, "without [rule.new_terms]"},
		{&rule.NewTerms{HistoryWindowStart: "now-7d"}, "with 0 fields"},
		{&rule.NewTerms{Value: []string{"a", "b", "c", "d"}, HistoryWindowStart: "now-7d"}, "with 4 fields"},
		{&rule.NewTerms{Value: []string{"a"}, HistoryWindowStart: "now+1d"}, "not in the past"},
		{&rule.NewTerms{Value: []string{"a"}, HistoryWindowStart: "yesterday"}, "invalid date math"},
	} {
		r := &rule.Rule{ID: "x", Name: "x", Type: "new_terms", Language: "kuery", Query: "a:b", NewTerms: tc.nt,
			Interval: "5m", From: "now-6m", To: "now", Path: "x.toml", Line: 1}
		_, st := New([]*rule.Rule{r}, Options{}, func(*alert.Alert) {})
		if st[0].State != Failed || !strings.Contains(st[0].Err.Error(), tc.want) {
			t.Errorf("%+v: got %s %v, want an error with %q", tc.nt, st[0].State, st[0].Err, tc.want)
		}
	}
}

func thresholdRule(value int, groupBy []string, card ...rule.Cardinality) *rule.Rule {
	return &rule.Rule{ID: "th", Name: "threshold", Type: "threshold", Severity: "medium", RiskScore: 47,
		Query: `event.category:authentication and event.outcome:failure`, From: "now-10m", Interval: "5m",
		Threshold: &rule.Threshold{Field: groupBy, Value: value, Cardinality: card}}
}

func TestThreshold(t *testing.T) {
	const fail = `"event.category":"authentication","event.outcome":"failure"`
	type want struct {
		count int64
		terms string
	}
	for _, tc := range []struct {
		name  string
		r     *rule.Rule
		lines []string
		want  []want
	}{
		{
			name: "groups reaching the value alert once per window", r: thresholdRule(3, []string{"host.name"}),
			lines: []string{
				doc(0, fail+`,"host.name":"h1"`),
				doc(0, fail+`,"host.name":"h2"`),
				doc(1, fail+`,"host.name":"h1"`),
				doc(1, `"event.category":"authentication","event.outcome":"success","host.name":"h2"`),
				doc(2, fail+`,"host.name":"h1"`),
				doc(3, fail+`,"host.name":"h1"`),
				doc(4, fail), // no host: not counted
				doc(5, fail+`,"host.name":"h2"`),
				// The next window (10m long, from minute 10): h1 twice only.
				doc(10, fail+`,"host.name":"h1"`),
				doc(19, fail+`,"host.name":"h1"`),
				doc(20, fail+`,"host.name":"h2"`),
				doc(21, fail+`,"host.name":"h2"`),
				doc(22, fail+`,"host.name":"h2"`),
			},
			want: []want{{4, "host.name=h1"}, {3, "host.name=h2"}},
		},
		{
			name: "no group-by counts every event", r: thresholdRule(2, nil),
			lines: []string{doc(0, fail), doc(1, fail+`,"host.name":"h1"`)},
			want:  []want{{2, ""}},
		},
		{
			name: "two group-by fields, array values group by the first",
			r:    thresholdRule(2, []string{"host.name", "user.name"}),
			lines: []string{
				doc(0, fail+`,"host.name":"h1","user.name":["u1","u2"]`),
				doc(1, fail+`,"host.name":"h1","user.name":"u1"`),
				doc(2, fail+`,"host.name":"h1","user.name":"u2"`),
			},
			want: []want{{2, "host.name=h1 user.name=u1"}},
		},
		{
			name: "cardinality", r: thresholdRule(2, []string{"source.ip"}, rule.Cardinality{Field: "user.name", Value: 2}),
			lines: []string{
				doc(0, fail+`,"source.ip":"10.0.0.1","user.name":"u1"`),
				doc(1, fail+`,"source.ip":"10.0.0.1","user.name":"u1"`),
				doc(2, fail+`,"source.ip":"10.0.0.2","user.name":"u1"`),
				doc(3, fail+`,"source.ip":"10.0.0.2","user.name":"u2"`),
			},
			want: []want{{2, "source.ip=10.0.0.2"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := runLines(t, tc.r, Options{}, tc.lines...)
			var g []want
			for _, a := range got {
				var terms []string
				for _, term := range a.Threshold.Terms {
					terms = append(terms, term.Field+"="+term.Value.String())
				}
				g = append(g, want{a.Threshold.Count, strings.Join(terms, " ")})
			}
			if fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("alerts\n got  %v\n want %v", g, tc.want)
			}
		})
	}
}

func TestThresholdMaxGroups(t *testing.T) {
	const fail = `"event.category":"authentication","event.outcome":"failure"`
	var lines []string
	for i := range 20 {
		lines = append(lines, doc(0, fail+fmt.Sprintf(`,"host.name":"h%d"`, i%10)), doc(1, fail+fmt.Sprintf(`,"host.name":"h%d"`, i%10)))
	}
	got, eng := runLines(t, thresholdRule(4, []string{"host.name"}), Options{MaxGroups: 4}, lines...)
	if len(got) != 4 {
		t.Errorf("%d alerts, want 4 (the groups kept)", len(got))
	}
	if ov := eng.Stats()[0].Overflow; ov != 24 {
		t.Errorf("overflow %d, want 24 events of groups not kept", ov)
	}
}
