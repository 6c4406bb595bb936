package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// Alert is one detection: a rule and the events that matched it.
type Alert struct {
	ID        string // kibana.alert.uuid, deterministic
	Rule      *rule.Rule
	RuleName  string // the rule's name, or its rule_name_override value
	Severity  string // after severity_mapping
	RiskScore int    // after risk_score_mapping
	// Time is when the alert was raised; OriginalTime is the time of the
	// first event (ns since the epoch).
	Time         time.Time
	OriginalTime int64
	// Events are the matching events in order; a sequence's missing-event
	// stages are nil.
	Events []*event.Event
	// Keys are a sequence's join key values.
	Keys []event.Value
	// Threshold is set for threshold rules, whose alerts stand for a group
	// of events rather than the events themselves.
	Threshold *ThresholdResult
	Reason    string
	Host      string
	User      string
	// GroupID ties the events of a sequence together
	// (kibana.alert.group.id).
	GroupID string
	// NewTerms are the values a new_terms rule saw for the first time in
	// its history window, one per new_terms field (kibana.alert.new_terms).
	NewTerms []event.Value
	// Enrichments are the indicators a threat_match rule found for the
	// event (threat.enrichments).
	Enrichments []Enrichment
	// Suppression is set on an alert that alert suppression kept for a
	// group (kibana.alert.suppression.*).
	Suppression *Suppression
}

// Enrichment is one indicator that matched an event's value.
type Enrichment struct {
	Indicator []byte       // JSON object: the indicator document at the rule's indicator path
	Atomic    string       // the value that matched
	Field     string       // the event's field that held it
	ID, Index string       // the indicator document's
	Source    *event.Event // the indicator document itself
}

// ThresholdResult is what a threshold rule found for one group.
type ThresholdResult struct {
	Terms       []Term
	Count       int64
	From        int64 // ns, earliest event in the group
	Cardinality []CardinalityResult
}

// Term is one group-by field and its value.
type Term struct {
	Field string
	Value event.Value
}

// CardinalityResult is a distinct count over a field.
type CardinalityResult struct {
	Field string
	Value int64
}

// severityRank orders Kibana's severities.
var severityRank = map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}

// New builds the alert for rule r matched by events (in order; nil for a
// missing-event stage) with optional join keys, raised at now.
func New(f *Fields, r *rule.Rule, events []*event.Event, keys []event.Value, now time.Time) *Alert {
	a := &Alert{Rule: r, Events: events, Keys: keys, Time: now, RuleName: r.Name,
		Severity: r.Severity, RiskScore: r.RiskScore}
	var firstEv *event.Event
	for _, ev := range events {
		if ev != nil {
			firstEv = ev
			break
		}
	}
	if firstEv != nil {
		a.OriginalTime = firstEv.Time
		a.Host = f.Str(firstEv, "host.name")
		a.User = f.Str(firstEv, "user.name")
		a.applyMappings(f, firstEv)
	}
	a.ID = a.computeID(f)
	if len(events) > 1 {
		a.GroupID = a.ID[:32]
	}
	a.Reason = a.reason(f, firstEv)
	return a
}

// NewTermsAlert builds the alert of a new_terms rule: ev is the first event
// in which the combination terms (one value per new_terms field) appeared.
// One event can bring several new combinations when its fields hold arrays;
// each is an alert of its own, so the terms are part of the id.
func NewTermsAlert(f *Fields, r *rule.Rule, ev *event.Event, terms []event.Value, now time.Time) *Alert {
	a := New(f, r, []*event.Event{ev}, nil, now)
	a.NewTerms = terms
	a.ID = a.computeID(f)
	return a
}

// NewThreshold builds the alert of a threshold rule for one group.
func NewThreshold(f *Fields, r *rule.Rule, res *ThresholdResult, sample *event.Event, now time.Time) *Alert {
	a := &Alert{Rule: r, Threshold: res, Time: now, RuleName: r.Name,
		Severity: r.Severity, RiskScore: r.RiskScore, OriginalTime: res.From}
	if sample != nil {
		a.Host = f.Str(sample, "host.name")
		a.User = f.Str(sample, "user.name")
		a.applyMappings(f, sample)
	}
	for _, t := range res.Terms {
		switch t.Field {
		case "host.name":
			a.Host = first(t.Value)
		case "user.name":
			a.User = first(t.Value)
		}
	}
	h := sha256.New()
	h.Write([]byte(r.ID))
	for _, t := range res.Terms {
		h.Write([]byte{0})
		h.Write([]byte(t.Field))
		h.Write([]byte{1})
		h.Write([]byte(t.Value.String()))
	}
	h.Write([]byte{2})
	h.Write(strconv.AppendInt(nil, res.From, 10))
	a.ID = hex.EncodeToString(h.Sum(nil))
	var b strings.Builder
	b.WriteString(strconv.FormatInt(res.Count, 10))
	b.WriteString(" events")
	for i, t := range res.Terms {
		if i == 0 {
			b.WriteString(" with ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(t.Field + " " + t.Value.String())
	}
	b.WriteString(" created " + a.Severity + " alert " + a.RuleName + ".")
	a.Reason = b.String()
	return a
}

// applyMappings applies the rule's severity_mapping, risk_score_mapping and
// rule_name_override from the event's values.
func (a *Alert) applyMappings(f *Fields, ev *event.Event) {
	r := a.Rule
	best := 0
	for _, m := range r.SeverityMapping {
		v := f.Get(ev, m.Field)
		if v.Each(func(e event.Value) bool { return first(e) == m.Value }) {
			if rank := severityRank[m.Severity]; rank > best {
				best = rank
				a.Severity = m.Severity
			}
		}
	}
	for _, m := range r.RiskScoreMapping {
		v := f.Get(ev, m.Field)
		if v.Kind() == event.KindArray && len(v.Array()) > 0 {
			v = v.Array()[0]
		}
		var n float64
		var ok bool
		switch v.Kind() {
		case event.KindInt, event.KindFloat:
			n, ok = v.Float(), true
		case event.KindString:
			p, err := strconv.ParseFloat(v.Str(), 64)
			n, ok = p, err == nil
		}
		if ok && n >= 0 && n <= 100 {
			a.RiskScore = int(n)
		}
	}
	if r.RuleNameOverride != "" {
		if s := f.Str(ev, r.RuleNameOverride); s != "" {
			a.RuleName = s
		}
	}
}

// computeID hashes the rule id and the ids and indices of the events.
func (a *Alert) computeID(f *Fields) string {
	h := sha256.New()
	h.Write([]byte(a.Rule.ID))
	for _, ev := range a.Events {
		h.Write([]byte{0})
		if ev == nil {
			h.Write([]byte("-"))
			continue
		}
		h.Write([]byte(f.EventIndex(ev)))
		h.Write([]byte{1})
		h.Write([]byte(f.EventID(ev)))
	}
	for _, k := range a.Keys {
		h.Write([]byte{2})
		h.Write([]byte(k.String()))
	}
	for _, t := range a.NewTerms {
		h.Write([]byte{3})
		h.Write([]byte(t.String()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// reason writes a sentence in the manner of Kibana's alert reasons.
func (a *Alert) reason(f *Fields, ev *event.Event) string {
	return a.reasonFor(f, ev, a.Host, a.User, len(a.Events))
}

// reasonFor writes the reason for an alert on ev by user on host, which
// stands for n events.
func (a *Alert) reasonFor(f *Fields, ev *event.Event, host, user string, n int) string {
	var b strings.Builder
	cat := f.Str(ev, "event.category")
	if cat == "" {
		cat = "event"
	} else {
		cat += " event"
	}
	b.WriteString(cat)
	parts := 0
	add := func(label, val string) {
		if val == "" {
			return
		}
		if parts == 0 {
			b.WriteString(" with ")
		} else {
			b.WriteString(", ")
		}
		parts++
		b.WriteString(label)
		b.WriteByte(' ')
		b.WriteString(val)
	}
	addr := func(ip, port string) string {
		if ip == "" || port == "" {
			return ip
		}
		return ip + ":" + port
	}
	add("process", f.Str(ev, "process.name"))
	add("parent process", f.Str(ev, "process.parent.name"))
	add("file", f.Str(ev, "file.name"))
	add("registry", f.Str(ev, "registry.path"))
	add("source", addr(f.Str(ev, "source.ip"), f.Str(ev, "source.port")))
	add("destination", addr(f.Str(ev, "destination.ip"), f.Str(ev, "destination.port")))
	add("query", f.Str(ev, "dns.question.name"))
	if user != "" {
		b.WriteString(", by " + user)
	}
	if host != "" {
		b.WriteString(" on " + host)
	}
	b.WriteString(" created " + a.Severity + " alert " + a.RuleName)
	if n > 1 {
		b.WriteString(" (sequence of " + strconv.Itoa(n) + " events)")
	}
	b.WriteByte('.')
	return b.String()
}

// Tactics returns the ATT&CK tactic names of the rule.
func (a *Alert) Tactics() []string {
	var out []string
	for _, t := range a.Rule.Threat {
		if t.Tactic.Name != "" {
			out = append(out, t.Tactic.Name)
		}
	}
	return out
}

// Techniques returns the ATT&CK technique and sub-technique ids of the rule.
func (a *Alert) Techniques() []string {
	var out []string
	for _, t := range a.Rule.Threat {
		for _, te := range t.Technique {
			out = append(out, te.ID)
			for _, s := range te.Subtechnique {
				out = append(out, s.ID)
			}
		}
	}
	return out
}

// SeverityRank returns 1 (low) to 4 (critical), 0 for anything else.
func SeverityRank(s string) int { return severityRank[strings.ToLower(s)] }

// Investigation returns the rule's investigation fields
// (investigation_fields) that the alert's first event holds, as
// "field=value", for output that shows them beside the alert.
func (a *Alert) Investigation(f *Fields) []string {
	var ev *event.Event
	for _, e := range a.Events {
		if e != nil {
			ev = e
			break
		}
	}
	if ev == nil || f == nil {
		return nil
	}
	var out []string
	for _, name := range a.Rule.InvestigationFields {
		if v := f.Get(ev, name); v.Exists() {
			out = append(out, name+"="+v.String())
		}
	}
	return out
}
