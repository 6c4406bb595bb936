package alert

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func testRule() *rule.Rule {
	return &rule.Rule{
		ID: "e8571d5f-bea1-46c2-9f56-998de2d3ed95", Name: "Service Command Lateral Movement",
		Type: "eql", Language: "eql", Severity: "low", RiskScore: 21, Version: 208,
		Query: "sequence ...", Index: []string{"winlogbeat-*"}, From: "now-9m", Interval: "5m", MaxSignals: 100,
		Note: "## Triage", Tags: []string{"OS: Windows"},
		Threat: []rule.Threat{{Framework: "MITRE ATT&CK",
			Tactic:    rule.ThreatEntry{ID: "TA0008", Name: "Lateral Movement", Reference: "https://attack.mitre.org/tactics/TA0008/"},
			Technique: []rule.Technique{{ID: "T1021", Name: "Remote Services", Reference: "https://attack.mitre.org/techniques/T1021/"}}}},
	}
}

func decode(t *testing.T, s *event.Schema, doc string, pos int64) *event.Event {
	t.Helper()
	ev := &event.Event{Source: "test.ndjson", Pos: pos}
	if err := s.Decode([]byte(doc), ev); err != nil {
		t.Fatal(err)
	}
	ev.Time, _ = event.ParseTime(ev.Get(s.Slot("@timestamp")))
	return ev.Clone()
}

func TestSingleEventAlert(t *testing.T) {
	s := event.NewSchema()
	f := Register(s)
	ev := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","event":{"category":["process"],"kind":"event","id":"abc"},"host":{"name":"WKS-1"},"user":{"name":"bob"},"process":{"name":"sc.exe","parent":{"name":"cmd.exe"}},"_index":"logs-x"}`, 1)
	a := New(f, testRule(), []*event.Event{ev}, nil, now)
	want := "process event with process sc.exe, parent process cmd.exe, by bob on WKS-1 created low alert Service Command Lateral Movement."
	if a.Reason != want {
		t.Errorf("reason %q", a.Reason)
	}
	doc := a.AppendJSON(f, nil)
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", doc, err)
	}
	checks := map[string]any{
		"kibana.alert.rule.rule_id":  "e8571d5f-bea1-46c2-9f56-998de2d3ed95",
		"kibana.alert.severity":      "low",
		"kibana.alert.risk_score":    float64(21),
		"kibana.alert.original_time": "2026-11-23T10:00:00.000Z",
		"kibana.alert.rule.note":     "## Triage",
		"kibana.alert.rule.version":  float64(208),
		"@timestamp":                 "2026-11-23T12:00:00.000Z",
	}
	for k, v := range checks {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	evObj := m["event"].(map[string]any)
	if evObj["kind"] != "signal" || evObj["id"] != "abc" {
		t.Errorf("event = %v", evObj)
	}
	if m["kibana.alert.original_event"].(map[string]any)["kind"] != "event" {
		t.Errorf("original_event = %v", m["kibana.alert.original_event"])
	}
	anc := m["kibana.alert.ancestors"].([]any)[0].(map[string]any)
	if anc["id"] != "abc" || anc["index"] != "logs-x" {
		t.Errorf("ancestors %v", anc)
	}
	threat := m["kibana.alert.rule.threat"].([]any)[0].(map[string]any)
	if threat["tactic"].(map[string]any)["id"] != "TA0008" {
		t.Errorf("threat %v", threat)
	}
	// The same rule and events give the same id.
	if b := New(f, testRule(), []*event.Event{ev}, nil, now.Add(time.Hour)); b.ID != a.ID {
		t.Error("alert id is not deterministic")
	}
}

func TestSequenceAlert(t *testing.T) {
	s := event.NewSchema()
	f := Register(s)
	e1 := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","host":{"name":"WKS-1"},"process":{"name":"sc.exe","entity_id":"P1"},"event":{"category":"process"}}`, 1)
	e2 := decode(t, s, `{"@timestamp":"2026-11-23T10:00:01.000Z","host":{"name":"WKS-1"},"process":{"name":"sc.exe","entity_id":"P1"},"event":{"category":"network"},"destination":{"ip":"10.0.0.9"}}`, 2)
	a := New(f, testRule(), []*event.Event{e1, e2}, []event.Value{event.Str("P1")}, now)
	var m map[string]any
	doc := a.AppendJSON(f, nil)
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", doc, err)
	}
	if m["kibana.alert.group.id"] == nil || len(m["vigil.group.events"].([]any)) != 2 {
		t.Errorf("group fields missing: %s", doc)
	}
	if m["host"].(map[string]any)["name"] != "WKS-1" {
		t.Errorf("shared host missing: %s", doc)
	}
	if m["destination"] != nil {
		t.Errorf("fields not shared by every event must not be at the top: %s", doc)
	}
	if len(m["kibana.alert.ancestors"].([]any)) != 4 { // two events, two building blocks
		t.Errorf("ancestors: %v", m["kibana.alert.ancestors"])
	}
	// Different event ids give different alert ids.
	e3 := decode(t, s, `{"@timestamp":"2026-11-23T10:00:01.000Z","event":{"category":"network"}}`, 3)
	if New(f, testRule(), []*event.Event{e1, e3}, nil, now).ID == a.ID {
		t.Error("different events, same id")
	}
}

func TestMappings(t *testing.T) {
	s := event.NewSchema()
	r := testRule()
	r.SeverityMapping = []rule.SeverityMapping{
		{Field: "event.severity", Operator: "equals", Value: "73", Severity: "high"},
		{Field: "event.severity", Operator: "equals", Value: "99", Severity: "critical"},
	}
	r.RiskScoreMapping = []rule.RiskScoreMapping{{Field: "event.risk_score", Operator: "equals"}}
	r.RuleNameOverride = "message"
	f := Register(s, "event.severity", "event.risk_score", "message")
	ev := decode(t, s, `{"event":{"severity":73,"risk_score":"47"},"message":"Malware Prevention Alert"}`, 1)
	a := New(f, r, []*event.Event{ev}, nil, now)
	if a.Severity != "high" || a.RiskScore != 47 || a.RuleName != "Malware Prevention Alert" {
		t.Errorf("got %s %d %q", a.Severity, a.RiskScore, a.RuleName)
	}
}

func TestWriters(t *testing.T) {
	s := event.NewSchema()
	f := Register(s)
	ev := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","host":{"name":"WKS-1"},"user":{"name":"bob"}}`, 1)
	a := New(f, testRule(), []*event.Event{ev}, nil, now)
	for _, format := range Formats {
		var buf bytes.Buffer
		w, err := NewWriter(format, &buf, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		wantTime := "2026-11-23T10:00:00.000Z"
		if format == "table" {
			wantTime = "2026-11-23 10:00:00"
		}
		if !strings.Contains(out, "WKS-1") || !strings.Contains(out, wantTime) {
			t.Errorf("%s output lacks host or time:\n%s", format, out)
		}
	}
	if _, err := NewWriter("xml", nil, f); err == nil || err.Error() != `unknown format "xml" (want table, jsonl, csv, timesketch)` {
		t.Errorf("err = %v", err)
	}
}

func TestEventIDFallback(t *testing.T) {
	s := event.NewSchema()
	f := Register(s)
	// Without an id of its own a document is named by its content, so a
	// hunt and a service (and a replay) give it one id wherever it was
	// read; a record without raw JSON (EVTX) by where it was read.
	a := decode(t, s, `{"x":1}`, 7)
	b := decode(t, s, `{"x":1}`, 8)
	if f.EventID(a) != f.EventID(b) || f.EventID(a) == f.EventID(decode(t, s, `{"y":2}`, 7)) {
		t.Error("hash ids of JSON documents must depend on their content only")
	}
	a.Raw, b.Raw = nil, nil
	if f.EventID(a) == f.EventID(b) {
		t.Error("hash ids of records without JSON must depend on source and position")
	}
	c := decode(t, s, `{"_id":"doc-1","event":{"id":"e"}}`, 1)
	if f.EventID(c) != "doc-1" {
		t.Errorf("id %q", f.EventID(c))
	}
}
