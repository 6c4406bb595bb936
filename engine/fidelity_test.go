package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
)

// exceptionStore loads one detection list "tuning" whose items are the
// given entry arrays (JSON), and the value list "admins" (alice, bob).
func exceptionStore(t *testing.T, items ...string) *exception.Store {
	t.Helper()
	s := exception.NewStore()
	lines := []string{`{"list_id":"tuning","type":"detection","namespace_type":"single","name":"tuning"}`}
	for i, it := range items {
		lines = append(lines, `{"list_id":"tuning","item_id":"i`+string(rune('0'+i))+`","namespace_type":"single","type":"simple","entries":`+it+`}`)
	}
	if err := s.LoadNDJSON("tuning.ndjson", []byte(strings.Join(lines, "\n"))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "admins")
	os.WriteFile(path, []byte("alice\nbob\n"), 0o644)
	if err := s.LoadValueList("", path); err != nil {
		t.Fatal(err)
	}
	return s
}

var tuning = []rule.ExceptionList{{ID: "t", ListID: "tuning", NamespaceType: "single", Type: "detection"}}

const excludeHostB = `[{"field":"host.name","type":"match","operator":"included","value":"b"}]`

// TestExceptionsHideEvents: an excepted event is invisible to the rule,
// whatever its type: it alerts not, takes no part in a sequence, is not
// counted by a threshold and does not enter a new terms history.
func TestExceptionsHideEvents(t *testing.T) {
	const proc = `"event.category":"process","event.type":"start"`
	seq := &rule.Rule{ID: "s", Name: "seq", Type: "eql", Language: "eql", Severity: "low",
		Query: `sequence by user.name with maxspan=1h [process where process.name == "a.exe"] [process where process.name == "b.exe"]`}
	for _, tc := range []struct {
		name  string
		r     *rule.Rule
		lines []string
		want  []string // event.ids of the alerts' events
	}{
		{"query", &rule.Rule{ID: "q", Name: "q", Type: "query", Severity: "low", Query: "event.category:process"},
			[]string{doc(0, proc+`,"host.name":"a"`), doc(1, proc+`,"host.name":"b"`)}, []string{"e0"}},
		{"sequence", seq, []string{
			doc(0, proc+`,"user.name":"u","process.name":"a.exe","host.name":"a"`),
			doc(1, proc+`,"user.name":"u","process.name":"b.exe","host.name":"b"`),
			doc(2, proc+`,"user.name":"u","process.name":"b.exe","host.name":"a"`),
		}, []string{"e0+e2"}},
		{"sequence first stage", seq, []string{
			doc(0, proc+`,"user.name":"u","process.name":"a.exe","host.name":"b"`),
			doc(1, proc+`,"user.name":"u","process.name":"b.exe","host.name":"a"`),
		}, nil},
		{"threshold", &rule.Rule{ID: "th", Name: "th", Type: "threshold", Severity: "low", Query: "event.category:process",
			Threshold: &rule.Threshold{Field: []string{"user.name"}, Value: 2}}, []string{
			doc(0, proc+`,"user.name":"u","host.name":"a"`),
			doc(1, proc+`,"user.name":"u","host.name":"b"`),
		}, nil},
		{"new_terms", newTermsRule("now-7d", "user.name"), []string{
			doc(0, proc+`,"user.name":"u","host.name":"b"`),
			doc(1, proc+`,"user.name":"u","host.name":"a"`),
		}, []string{"e1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.ExceptionsList = tuning
			got, eng := runLines(t, tc.r, Options{Exceptions: exceptionStore(t, excludeHostB)}, tc.lines...)
			ids := alertEventIDs(eng, got)
			if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
				t.Errorf("alerts %v, want %v", ids, tc.want)
			}
			if eng.RuleSet().Exceptions(tc.r) == nil {
				t.Error("no exceptions compiled")
			}
			// Without the store the rule sees every event.
			all, plain := runLines(t, tc.r, Options{}, tc.lines...)
			if len(all) == len(got) && strings.Join(alertEventIDs(plain, all), " ") == strings.Join(ids, " ") {
				t.Errorf("the same alerts without exceptions: %v", ids)
			}
		})
	}
}

func alertEventIDs(eng *Engine, as []*alert.Alert) []string {
	slot := eng.Schema().Slot("event.id")
	var out []string
	for _, a := range as {
		var ids []string
		for _, ev := range a.Events {
			if ev != nil {
				ids = append(ids, ev.Get(slot).String())
			}
		}
		out = append(out, strings.Join(ids, "+"))
	}
	return out
}

// TestValueListExceptionAfterSearch: an item with a value list entry is
// checked on the results, and what it removes is counted.
func TestValueListExceptionAfterSearch(t *testing.T) {
	r := &rule.Rule{ID: "q", Name: "q", Type: "query", Severity: "low", Query: "event.category:process", ExceptionsList: tuning}
	store := exceptionStore(t, `[{"field":"user.name","type":"list","operator":"included","list":{"id":"admins","type":"keyword"}}]`)
	got, eng := runLines(t, r, Options{Exceptions: store},
		doc(0, `"event.category":"process","user.name":"alice"`), doc(1, `"event.category":"process","user.name":"eve"`))
	if len(got) != 1 || got[0].Events[0].Time != got[0].OriginalTime {
		t.Fatalf("%d alerts, want eve's only", len(got))
	}
	if st := eng.Stats()[0]; st.Excepted != 1 || st.Alerts != 1 {
		t.Errorf("excepted %d, alerts %d; want 1 and 1", st.Excepted, st.Alerts)
	}
}

// TestSuppressionInEngine: a query rule's alerts for one host within the
// duration come out as one, updated with the suppressed count.
func TestSuppressionInEngine(t *testing.T) {
	r := &rule.Rule{ID: "q", Name: "q", Type: "query", Severity: "low", Query: "event.category:process", MaxSignals: 2,
		AlertSuppression: &rule.AlertSuppression{GroupBy: []string{"host.name"}, Duration: &rule.Duration{Value: 1, Unit: "h"}, MissingFieldsStrategy: "suppress"}}
	var lines []string
	for i := range 5 {
		lines = append(lines, doc(i, `"event.category":"process","host.name":"a"`))
	}
	lines = append(lines, doc(5, `"event.category":"process","host.name":"b"`), doc(70, `"event.category":"process","host.name":"a"`))
	got, eng := runLines(t, r, Options{}, lines...)
	var desc []string
	for _, a := range got {
		s := a.Suppression
		desc = append(desc, a.Host+" "+string(rune('0'+s.DocsCount)))
	}
	// max_signals 2 per 5m interval counts kept alerts only.
	if want := "a 4 b 0 a 0"; strings.Join(desc, " ") != want {
		t.Errorf("alerts %q, want %q", strings.Join(desc, " "), want)
	}
	if st := eng.Stats()[0]; st.Suppressed != 4 || st.Alerts != 3 {
		t.Errorf("suppressed %d, alerts %d; want 4 and 3", st.Suppressed, st.Alerts)
	}
}

func TestSuppressionErrors(t *testing.T) {
	for _, tc := range []struct {
		as   rule.AlertSuppression
		want string
	}{
		{rule.AlertSuppression{}, "x.toml:3: alert_suppression.group_by has 0 fields (want 1 to 5)"},
		{rule.AlertSuppression{GroupBy: []string{"a", "b", "c", "d", "e", "f"}}, "x.toml:3: alert_suppression.group_by has 6 fields (want 1 to 5)"},
		{rule.AlertSuppression{GroupBy: []string{"a"}, Duration: &rule.Duration{Value: 5, Unit: "d"}}, `x.toml:3: alert_suppression.duration 5"d" (want a positive count of s, m or h)`},
		{rule.AlertSuppression{GroupBy: []string{"a"}, MissingFieldsStrategy: "drop"}, `x.toml:3: alert_suppression.missing_fields_strategy "drop" (want suppress or doNotSuppress)`},
	} {
		r := &rule.Rule{Path: "x.toml", Line: 3, ID: "q", Name: "q", Type: "query", Language: "kuery", Severity: "low", Query: "a:b", AlertSuppression: &tc.as}
		_, st := Compile([]*rule.Rule{r}, Options{})
		if st[0].State != Failed || st[0].Err.Error() != tc.want {
			t.Errorf("%s %v, want %s", st[0].State, st[0].Err, tc.want)
		}
	}
}
