package engine_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
)

// TestSigmaCorrelationEvents: a correlation alert carries the events it
// stands for, as a sequence's alert does: in Alert.Events (oldest first,
// none before the threshold result's from), in kibana.alert.ancestors and
// vigil.sources, and under vigil.group.events.
func TestSigmaCorrelationEvents(t *testing.T) {
	path := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES", "Credential Access", "kerberos_pwd_spray_4771.evtx")
	tests := []struct {
		name, correlation string
		ids               []string // the event ids of the alert's events, in order (the spray's)
		advance           bool
	}{
		{"event_count", "type: event_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 5}",
			[]string{"4768", "4768", "4768", "4768", "4768"}, false},
		{"value_count", "type: value_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 3, field: TargetUserName}",
			[]string{"4768", "4768", "4768"}, false},
		{"event_count lt, judged by Advance", "type: event_count\n  rules: [preauth]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {lt: 3}",
			[]string{"4771", "4771"}, true},
		{"temporal_ordered", "type: temporal_ordered\n  rules: [cleared, tgt]\n  timespan: 1m",
			[]string{"1102", "4768"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules := withCorrelation(t, tc.correlation)
			var got []*alert.Alert
			var eng *engine.Engine
			eng, _ = engine.New(rules, engine.Options{}, func(a *alert.Alert) {
				if a.RuleName == "C" {
					got = append(got, a)
				}
			})
			last := readSigma(t, eng, path)
			if tc.advance {
				eng.Advance(last + int64(2*60e9))
			}
			eng.Flush()
			if len(got) == 0 {
				t.Fatal("no alert of C")
			}
			a := got[0] // the first (a sliding window starts afresh after an alert)
			f := eng.Fields()
			var ids []string
			for i, ev := range a.Events {
				ids = append(ids, f.Str(ev, "winlog.event_id"))
				if ev.Time < a.Threshold.From || i > 0 && ev.Time < a.Events[i-1].Time {
					t.Errorf("event %d at %d: before from %d or out of order", i, ev.Time, a.Threshold.From)
				}
			}
			if !slices.Equal(ids, tc.ids) {
				t.Errorf("events %v, want %v", ids, tc.ids)
			}
			if a.Threshold.Count < int64(len(a.Events)) {
				t.Errorf("count %d below the %d events carried", a.Threshold.Count, len(a.Events))
			}
			var doc map[string]any
			if err := json.Unmarshal(a.AppendJSON(f, nil), &doc); err != nil {
				t.Fatal(err)
			}
			anc, _ := doc["kibana.alert.ancestors"].([]any)
			srcs, _ := doc["vigil.sources"].([]any)
			group, _ := doc["vigil.group.events"].([]any)
			if len(anc) != len(tc.ids) || len(srcs) != len(tc.ids) || len(group) != len(tc.ids) {
				t.Errorf("ancestors %d, sources %d, group events %d, want %d each", len(anc), len(srcs), len(group), len(tc.ids))
			}
			if doc["kibana.alert.threshold_result"] == nil {
				t.Error("no threshold_result")
			}
		})
	}
}

// TestSigmaCorrelationEventsBounded: an alert carries at most 100 events:
// of a sliding window the latest, of a window judged at its close the
// first; the count is the full number.
func TestSigmaCorrelationEventsBounded(t *testing.T) {
	tests := []struct {
		name, condition string
		count           int64
		first, last     int // the seconds of the first and last event carried
	}{
		{"sliding", "{gte: 150}", 150, 50, 149},
		{"judged at the close", "{lt: 1000}", 250, 0, 99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules := withCorrelation(t, "type: event_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1h\n  condition: "+tc.condition)
			var got []*alert.Alert
			eng, _ := engine.New(rules, engine.Options{}, func(a *alert.Alert) {
				if a.RuleName == "C" {
					got = append(got, a)
				}
			})
			start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			for i := range 250 {
				ev := new(event.Event)
				doc := fmt.Sprintf(`{"winlog":{"channel":"Security","event_id":"4768","record_id":%d,"event_data":{"IpAddress":"10.0.0.9"}}}`, i)
				if err := eng.Schema().Decode([]byte(doc), ev); err != nil {
					t.Fatal(err)
				}
				ev.Index, ev.Time = "winlogbeat-test", start.Add(time.Duration(i)*time.Second).UnixNano()
				eng.Process(ev)
			}
			eng.Flush()
			if len(got) != 1 {
				t.Fatalf("%d alerts of C, want 1", len(got))
			}
			a := got[0]
			if a.Threshold.Count != tc.count || len(a.Events) != 100 {
				t.Fatalf("count %d with %d events, want %d with 100", a.Threshold.Count, len(a.Events), tc.count)
			}
			sec := func(i int) int { return int(time.Duration(a.Events[i].Time-start.UnixNano()) / time.Second) }
			if sec(0) != tc.first || sec(99) != tc.last {
				t.Errorf("events from second %d to %d, want %d to %d", sec(0), sec(99), tc.first, tc.last)
			}
		})
	}
}

// withCorrelation loads sprayRules and a correlation "C" over them (the
// YAML of its correlation map, indented by two).
func withCorrelation(t *testing.T, correlation string) []*rule.Rule {
	t.Helper()
	src := sprayRules + "---\ntitle: C\nid: 22222222-0000-0000-0000-000000000001\ncorrelation:\n  " + correlation + "\nlevel: high\n"
	rules, _, err := sigma.Load(filepath.Join(t.TempDir(), "r.yml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}
