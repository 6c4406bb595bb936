package engine_test

import (
	"errors"
	"io"
	"math"
	"testing"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/sigma"
)

// sprayRules are two Sigma rules over a Kerberos password spray
// (EVTX-ATTACK-SAMPLES: the log cleared (1102), nine seconds later nine 4768
// TGT requests for different users and two 4771 pre-authentication
// failures from one address within 25 ms), and one for the log clearing.
const sprayRules = `title: TGT request
id: 11111111-0000-0000-0000-000000000001
name: tgt
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4768}
  condition: sel
level: low
---
title: Pre-authentication failed
id: 11111111-0000-0000-0000-000000000002
name: preauth
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4771}
  condition: sel
level: low
---
title: Log cleared
id: 11111111-0000-0000-0000-000000000003
name: cleared
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 1102}
  condition: sel
level: low
`

func TestSigmaCorrelations(t *testing.T) {
	path := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES", "Credential Access", "kerberos_pwd_spray_4771.evtx")
	tests := []struct {
		name, correlation string
		// want is the alerts by rule name: a correlation's count (-1: any),
		// an event rule's number of alerts. Rules a correlation names raise
		// no alerts of their own unless it says generate: true.
		want    map[string]int64
		advance bool // judge windows by Advance (as the service does) before Flush
	}{
		{"event_count", "type: event_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 5}",
			map[string]int64{"C": 5, "Pre-authentication failed": 2, "Log cleared": 1}, false},
		{"event_count not reached", "type: event_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 10}",
			map[string]int64{"Pre-authentication failed": 2, "Log cleared": 1}, false},
		{"event_count lt, judged by Advance", "type: event_count\n  rules: [preauth]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {lt: 3}",
			map[string]int64{"C": 2, "TGT request": 9, "Log cleared": 1}, true},
		{"value_count", "type: value_count\n  rules: [tgt]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 3, field: TargetUserName}",
			map[string]int64{"C": 3, "Pre-authentication failed": 2, "Log cleared": 1}, false},
		{"temporal", "type: temporal\n  rules: [tgt, preauth]\n  group-by: [IpAddress]\n  timespan: 1m",
			map[string]int64{"C": -1, "Log cleared": 1}, false},
		{"temporal_ordered", "type: temporal_ordered\n  rules: [cleared, tgt]\n  timespan: 1m",
			map[string]int64{"C": -1, "Pre-authentication failed": 2}, false},
		{"temporal_ordered out of order", "type: temporal_ordered\n  rules: [tgt, cleared]\n  timespan: 1m",
			map[string]int64{"Pre-authentication failed": 2}, false},
		{"temporal out of timespan", "type: temporal\n  rules: [cleared, tgt]\n  timespan: 5s",
			map[string]int64{"Pre-authentication failed": 2}, false},
		{"generate", "type: event_count\n  rules: [preauth]\n  group-by: [IpAddress]\n  timespan: 1m\n  condition: {gte: 2}\n  generate: true",
			map[string]int64{"C": 2, "Pre-authentication failed": 2, "TGT request": 9, "Log cleared": 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules := withCorrelation(t, tc.correlation)
			got := map[string]int64{}
			eng, statuses := engine.New(rules, engine.Options{}, func(a *alert.Alert) {
				if a.Threshold != nil {
					got[a.RuleName] = a.Threshold.Count
				} else {
					got[a.RuleName]++
				}
			})
			for _, st := range statuses {
				if st.State != engine.OK {
					t.Fatalf("%s: %s %v %s", st.Rule.Name, st.State, st.Err, st.Reason)
				}
			}
			last := readSigma(t, eng, path)
			if tc.advance {
				eng.Advance(last + int64(2*60e9))
				if len(got) != len(tc.want) {
					t.Errorf("after Advance: %v, want %v", got, tc.want)
				}
			}
			eng.Flush()
			for name, n := range tc.want {
				if g, ok := got[name]; !ok || n >= 0 && g != n {
					t.Errorf("%s: count %d (alerted %v), want %d", name, g, ok, n)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("alerts %v, want %v", got, tc.want)
			}
		})
	}
}

// readSigma feeds an EVTX file to an engine as a hunt with Sigma rules
// reads it, and returns the last event's time.
func readSigma(t *testing.T, eng *engine.Engine, path string) int64 {
	t.Helper()
	rd, err := input.NewOpener(input.Options{Schema: eng.Schema(), KeepEventData: true}).Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var ev event.Event
	last := int64(math.MinInt64)
	for {
		err := rd.Next(&ev)
		if errors.Is(err, io.EOF) {
			return last
		}
		if err != nil {
			t.Fatal(err)
		}
		last = max(last, ev.Time)
		eng.Process(&ev)
	}
}

// TestSigmaFallbackFiling: a Sigma field is read from the raw record and,
// where the record lacks it, from its ECS fallback (or a value rebuilt
// from ECS fields), so the rule index files the rule under the fallbacks
// too, but only for records without the raw field (match.Need.Unless):
// a raw record whose ECS copy alone holds the literal is not offered.
// Indexed or not, the matches are the same.
func TestSigmaFallbackFiling(t *testing.T) {
	rules, _, err := sigma.Load("r.yml", []byte(`title: tool
id: 22222222-0000-0000-0000-000000000001
logsource: {product: windows, category: process_creation}
detection:
  sel:
    - Image|endswith: '\evil.exe'
    - Hashes|contains: 'IMPHASH=AB12'
  condition: sel
level: high
`))
	if err != nil {
		t.Fatal(err)
	}
	const head = `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"`
	for _, tc := range []struct {
		name, doc      string
		offered, match bool // with the index
	}{
		{"raw image", head + `,"event_data":{"Image":"C:\\t\\evil.exe","Hashes":"IMPHASH=00"}}}`, true, true},
		{"raw hashes", head + `,"event_data":{"Image":"C:\\t\\a.exe","Hashes":"SHA1=1,IMPHASH=AB12"}}}`, true, true},
		{"raw read, ECS copies differ", head + `,"event_data":{"Image":"C:\\t\\a.exe","Hashes":"IMPHASH=00"}},` +
			`"process":{"executable":"C:\\t\\evil.exe","pe":{"imphash":"ab12"}}}`, false, false},
		{"ECS only: image", head + `},"process":{"executable":"C:\\t\\evil.exe"}}`, true, true},
		{"ECS only: hashes rebuilt", head + `},"process":{"executable":"C:\\t\\a.exe","pe":{"imphash":"ab12"}}}`, true, true},
		{"ECS only: neither", head + `},"process":{"executable":"C:\\t\\a.exe","pe":{"imphash":"00"}}}`, true, false},
	} {
		for _, noIndex := range []bool{false, true} {
			rs, statuses := engine.Compile(rules, engine.Options{NoIndex: noIndex})
			if statuses[0].State != engine.OK {
				t.Fatalf("%s: %v", tc.name, statuses[0].Err)
			}
			eng := rs.NewEngine(nil)
			var ev event.Event
			if err := rs.Schema().Decode([]byte(tc.doc), &ev); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			eng.Process(&ev)
			st := eng.Stats()[0]
			if got := st.Matched > 0; got != tc.match {
				t.Errorf("%s (no index %v): matched %v, want %v", tc.name, noIndex, got, tc.match)
			}
			if got := st.Offered > 0; !noIndex && got != tc.offered {
				t.Errorf("%s: offered %v, want %v", tc.name, got, tc.offered)
			}
		}
	}
}
