package engine_test

import (
	"testing"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/sigma"
)

// TestSecondRequirement checks that a rule with two selective
// requirements is offered only the events that meet both, whichever of
// its fields the index walks first, and still matches those it should:
// rule "pair" needs an image and a parent image, and rule "parent" makes
// the parent image a field the index searches, so that the route checks
// the second requirement there. A Judge (judging on arrival) offers the
// rule the same events.
func TestSecondRequirement(t *testing.T) {
	rules, _, err := sigma.Load("r.yml", []byte(`title: pair
id: 22222222-0000-0000-0000-000000000002
logsource: {product: windows, category: process_creation}
detection:
  img:
    Image|endswith: '\cmd.exe'
  parent:
    ParentImage|endswith: '\evil.exe'
  condition: img and parent
---
title: parent
id: 22222222-0000-0000-0000-000000000003
logsource: {product: windows, category: process_creation}
detection:
  sel:
    ParentImage|endswith: '\other.exe'
  condition: sel
`))
	if err != nil {
		t.Fatal(err)
	}
	const head = `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","event_data":{`
	for _, tc := range []struct {
		name, data     string
		offered, match bool // rule "pair", with the index
	}{
		{"both", `"Image":"C:\\w\\CMD.exe","ParentImage":"C:\\t\\evil.exe"`, true, true},
		{"both, parent first", `"ParentImage":"C:\\t\\Evil.EXE","Image":"C:\\w\\cmd.exe"`, true, true},
		{"image only", `"Image":"C:\\w\\cmd.exe","ParentImage":"C:\\w\\explorer.exe"`, false, false},
		{"parent only", `"Image":"C:\\w\\net.exe","ParentImage":"C:\\t\\evil.exe"`, false, false},
		{"no parent", `"Image":"C:\\w\\cmd.exe"`, false, false},
	} {
		for _, noIndex := range []bool{false, true} {
			rs, statuses := engine.Compile(rules, engine.Options{NoIndex: noIndex})
			for _, st := range statuses {
				if st.State != engine.OK {
					t.Fatalf("%s: %v", tc.name, st.Err)
				}
			}
			eng := rs.NewEngine(nil)
			var ev event.Event
			if err := rs.Schema().Decode([]byte(head+tc.data+`}}}`), &ev); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			eng.Process(&ev)
			eng.Process(&ev) // the engine's per-event marks start afresh
			st := eng.Stats()[0]
			if got := st.Matched == 2; got != tc.match {
				t.Errorf("%s (no index %v): matched %d of 2, want %v", tc.name, noIndex, st.Matched, tc.match)
			}
			if got := st.Offered > 0; !noIndex && got != tc.offered {
				t.Errorf("%s: offered %d, want %v", tc.name, st.Offered, tc.offered)
			}
			if noIndex {
				continue
			}
			// A Judge offers (or records) the rule as the engine does.
			a := rs.NewArrived(nil)
			j := a.NewJudge()
			for range 2 {
				j.Judge(&ev)
				a.Process(&ev)
			}
			j.Done()
			st = a.Stats()[0]
			if got := st.Matched == 2; got != tc.match {
				t.Errorf("%s (judged): matched %d of 2, want %v", tc.name, st.Matched, tc.match)
			}
			if got := st.Offered > 0; got != tc.offered {
				t.Errorf("%s (judged): offered %d, want %v", tc.name, st.Offered, tc.offered)
			}
		}
	}
}
