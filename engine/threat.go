package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// threatState runs an indicator match (threat_match) rule. Its indicators
// are documents of its threat_index that meet its threat_query and
// threat_filters; they reach the engine through AddIndicator, or as events
// of a threat index in the stream. A source event matching the rule's
// query alerts when, for one of the rule's threat_mapping groups, an
// indicator holds the value of each "mapping" entry's field in the
// entry's indicator field (and not that of a negated entry's). The alert
// carries the indicators found as threat.enrichments, as Kibana's do.
//
// The threat_query's date math ("@timestamp >= now-30d/d") is evaluated
// twice: when an indicator arrives, with now at the indicator's own time,
// so that only its other conditions decide whether it is kept; and when a
// source event finds it, with now at the event's time, as a rule run at
// that time would have seen the indicator index. An indicator newer than
// the event counts: a feed fetched today finds last month's logs.
type threatState struct {
	*threatKind
	e   *Engine
	l   *live
	tq  match.Pred // the threat query, its date math at now
	now int64      // the threat query's now, ns
	// lookups file the indicators kept under their values of each
	// mapping group's first field.
	lookups    []map[string][]*indicator
	indicators int // indicators kept
}

// threatKind is an indicator match rule's compiled form.
type threatKind struct {
	r        *rule.Rule
	pred     match.Pred // the rule's query
	patterns patternSet
	path     string // threat_indicator_path
	mappings []threatMapping
	// armed is set once an engine running the rule has kept an
	// indicator for it (add). Until then a Judge holds its offers of
	// the rule (see held): most hunts have no indicator at all.
	armed atomic.Bool
}

type threatMapping struct {
	entries []threatEntry // positive entries first
}

type threatEntry struct {
	field           string // the source event's field
	evSlot, indSlot int
	negate          bool
}

// indicator is one kept indicator document.
type indicator struct {
	ev  *event.Event
	obj []byte // the object at the rule's indicator path, made on first use
}

// compileThreatMatch makes an indicator match rule: its query selects
// source events, its threat_query (compiled per engine, whose now it
// reads) the indicators.
func compileThreatMatch(rs *RuleSet, c *compiled, q *query) (kind, error) {
	r := c.rule
	pred, err := eventQuery(c, q)
	if err != nil {
		return nil, err
	}
	if len(r.ThreatIndex) == 0 {
		return nil, fmt.Errorf("%s:%d: threat_match rule without threat_index", r.Path, r.Line)
	}
	if len(r.ThreatMapping) == 0 {
		return nil, fmt.Errorf("%s:%d: threat_match rule without threat_mapping", r.Path, r.Line)
	}
	if _, err := compileKQLThreat(r, rs.schema, kql.Options{Now: time.Now}); err != nil {
		return nil, err
	}
	k := &threatKind{r: r, pred: pred, patterns: newPatternSet(r.ThreatIndex), path: r.ThreatIndicatorPath}
	if k.path == "" {
		k.path = "threat.indicator"
	}
	for i, m := range r.ThreatMapping {
		var tm threatMapping
		var negated []threatEntry
		for _, en := range m.Entries {
			if en.Field == "" || en.Value == "" {
				return nil, fmt.Errorf("%s:%d: threat_mapping %d: an entry without field or value", r.Path, r.Line, i+1)
			}
			if en.Type != "" && en.Type != "mapping" {
				return nil, unsupportedError(fmt.Sprintf("threat_mapping entry type %q", en.Type))
			}
			te := threatEntry{field: en.Field, evSlot: rs.schema.Slot(en.Field), indSlot: rs.schema.Slot(en.Value), negate: en.Negate}
			if en.Negate {
				negated = append(negated, te)
			} else {
				tm.entries = append(tm.entries, te)
			}
		}
		if len(tm.entries) == 0 {
			return nil, fmt.Errorf("%s:%d: threat_mapping %d has no entry that is not negated", r.Path, r.Line, i+1)
		}
		tm.entries = append(tm.entries, negated...)
		k.mappings = append(k.mappings, tm)
	}
	return k, nil
}

func (k *threatKind) horizon() time.Duration { return -1 } // indicators are kept until the store is full

func (k *threatKind) newRunner(e *Engine, l *live) runner {
	ts := &threatState{threatKind: k, e: e, l: l}
	pred, err := compileKQLThreat(k.r, e.rs.schema, kql.Options{Now: func() time.Time { return time.Unix(0, ts.now) }})
	if err != nil {
		panic("engine: a compiled threat query failed to compile again: " + err.Error()) // checked by compileThreatMatch
	}
	ts.tq = pred
	for range k.mappings {
		ts.lookups = append(ts.lookups, map[string][]*indicator{})
	}
	return ts
}

func (ts *threatState) offer(ev *event.Event) {
	// Without indicators nothing can match: skip the query.
	if ts.indicators > 0 && ts.pred.Match(ev) {
		ts.l.matched++
		if en := ts.find(ev); len(en) > 0 {
			e := ts.e
			e.emit(ts.l, ev.Time, func() *alert.Alert {
				a := alert.New(e.rs.fields, ts.r, []*event.Event{ev.Clone()}, nil, e.now())
				a.Enrichments = en
				return a
			})
		}
	}
}

func (ts *threatState) advance(int64)    {}
func (ts *threatState) flush()           {}
func (ts *threatState) active() bool     { return true }
func (ts *threatState) stats(*RuleStats) {}

// add files an indicator under its values of each mapping's first field.
func (ts *threatState) add(ind *indicator) {
	ts.indicators++
	if !ts.armed.Load() {
		ts.armed.Store(true)
	}
	for i := range ts.mappings {
		m, lookup := &ts.mappings[i], ts.lookups[i]
		ind.ev.Get(m.entries[0].indSlot).Each(func(v event.Value) bool {
			if termValue(v) {
				k := v.String()
				lookup[k] = append(lookup[k], ind)
			}
			return false
		})
	}
}

// findIndicators returns the enrichments for a source event: each indicator that a
// mapping group matches, once per indicator and matched field and value.
func (ts *threatState) find(ev *event.Event) []alert.Enrichment {
	var out []alert.Enrichment
	fields := ts.e.rs.fields
	ts.now = ev.Time // the threat query's now, for the indicators found
	for i := range ts.mappings {
		m := &ts.mappings[i]
		first := m.entries[0]
		ev.Get(first.evSlot).Each(func(v event.Value) bool {
			if !termValue(v) {
				return false
			}
			atomic := v.String()
			for _, ind := range ts.lookups[i][atomic] {
				if !entriesHold(m.entries[1:], ev, ind.ev) {
					continue
				}
				if !ts.tq.Match(ind.ev) {
					continue // outside the threat query's time range
				}
				dup := false
				for _, o := range out {
					if o.Field == first.field && o.Atomic == atomic && o.Source == ind.ev {
						dup = true
						break
					}
				}
				if dup {
					continue
				}
				if ind.obj == nil {
					ind.obj = indicatorObject(ind.ev.AppendJSON(nil), ts.path)
				}
				// atomic may lie in ev, which the caller may reuse
				// (Parallel's recycle) before the alert is written.
				out = append(out, alert.Enrichment{Indicator: ind.obj, Atomic: strings.Clone(atomic), Field: first.field,
					ID: fields.EventID(ind.ev), Index: fields.EventIndex(ind.ev), Source: ind.ev})
			}
			return false
		})
	}
	return out
}

// entriesHold checks a mapping group's other entries between a source
// event and an indicator: a positive entry needs a value in common, a
// negated one none.
func entriesHold(entries []threatEntry, ev, ind *event.Event) bool {
	for _, en := range entries {
		common := false
		ev.Get(en.evSlot).Each(func(a event.Value) bool {
			if !termValue(a) {
				return false
			}
			ind.Get(en.indSlot).Each(func(b event.Value) bool {
				common = termValue(b) && a.String() == b.String()
				return common
			})
			return common
		})
		if common == en.negate {
			return false
		}
	}
	return true
}

// AddIndicator offers a document to the threat_match rules as an indicator:
// each rule whose threat_index selects the document's index and whose
// threat_query and threat_filters it meets keeps it. Events of a threat
// index that come through Process are offered the same way. It reports
// whether a rule kept the document.
func (e *Engine) AddIndicator(ev *event.Event) bool {
	if len(e.threats) == 0 {
		return false
	}
	var ind *indicator
	for _, c := range e.routeFor(ev.Index).threats {
		ts := e.live[c].run.(*threatState)
		ts.now = ev.Time
		if !ts.tq.Match(ev) {
			continue
		}
		if ind == nil {
			if e.indicators >= int64(e.rs.opt.MaxIndicators) {
				e.indicatorOverflow++
				return false
			}
			ind = &indicator{ev: ev.Clone()}
			e.indicators++
		}
		ts.add(ind)
	}
	return ind != nil
}

// indicatorCandidate reports whether AddIndicator would offer ev to a
// rule as an indicator: whether a threat_match rule whose threat_index
// selects it has a threat query it meets. A Judge asks, so that only
// those events wait, with their values, for the Arrived to add them in
// order (an event of an index every pattern selects, as a file's events
// are, would otherwise wait for every threat_match rule).
func (e *Engine) indicatorCandidate(ev *event.Event) bool {
	for _, c := range e.routeFor(ev.Index).threats {
		ts := e.live[c].run.(*threatState)
		ts.now = ev.Time
		if ts.tq.Match(ev) {
			return true
		}
	}
	return false
}

// IndicatorStats returns the number of indicator documents kept, and of
// those refused because Options.MaxIndicators was reached.
func (e *Engine) IndicatorStats() (kept, overflow int64) {
	return e.indicators, e.indicatorOverflow
}

// indicatorObject returns, as JSON, the object at a dotted path of a
// document, whether the document nests its keys or dots them (or mixes
// both); "{}" when the path holds nothing.
func indicatorObject(raw []byte, path string) []byte {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return []byte("{}")
	}
	flat := map[string]any{}
	flatten("", doc, flat)
	prefix := path + "."
	obj := map[string]any{}
	keys := make([]string, 0, len(flat))
	for k := range flat {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		nest(obj, strings.Split(k[len(prefix):], "."), flat[k])
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return []byte("{}")
	}
	return out
}

// flatten writes the leaves of an object under their dotted paths; arrays
// are leaves.
func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, x := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		flatten(k, x, out)
	}
}

// nest sets a value at a path of nested objects.
func nest(obj map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}

// gate is the rule's query, without which no indicator is looked up.
func (k *threatKind) gate(ev *event.Event) bool { return k.pred.Match(ev) }
