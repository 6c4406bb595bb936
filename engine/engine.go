package engine

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// Options configure an Engine.
type Options struct {
	// Schema is the event schema rules register their fields in; a new one
	// when nil. Decode events with Engine.Schema.
	Schema *event.Schema
	// Now stamps alerts (@timestamp); time.Now when nil.
	Now func() time.Time
	// Aliases gives extra index names an event's index answers to when
	// rules are routed (e.g. winlogbeat-* for Windows data streams).
	Aliases func(index string) []string
	// MaxPending caps each sequence rule's pending state (join keys and
	// undecided results); 0 is the sequence package's default.
	MaxPending int
	// MaxGroups caps each threshold rule's groups per window (default
	// 100,000).
	MaxGroups int
	// MaxTerms caps the terms each new_terms rule remembers (default
	// 1,000,000); terms last seen before the history window are forgotten
	// first, and a term that finds no room alerts again when seen again.
	MaxTerms int
	// NewTermsBaseline makes the first history window of each new_terms
	// rule's events a baseline: its terms are learnt without alerts, as if
	// the rule had run on a cluster already holding that much history.
	// Without it, as on a fresh cluster, every first sighting is new.
	NewTermsBaseline bool
	// MaxIndicators caps the indicator documents threat_match rules keep
	// (default 1,000,000); more are counted and dropped.
	MaxIndicators int
	// NoIndex offers every event to every rule, without index routing or
	// the category prefilter (for measuring what the rule index saves).
	NoIndex bool
	// Fields are extra fields to decode for alerts (e.g. for output).
	Fields []string
}

// State is the outcome of loading one rule.
type State string

// Rule states.
const (
	OK          State = "ok"
	Unsupported State = "unsupported"
	Failed      State = "error"
)

// Status is what became of one rule.
type Status struct {
	Rule   *rule.Rule
	State  State
	Reason string // why a rule is unsupported
	Err    error  // why a rule failed, positioned in its file
}

// RuleStats count one rule's work.
type RuleStats struct {
	Rule    *rule.Rule
	Offered int64 // events offered after routing
	Matched int64 // events matching (event and threshold rules) or results (sequences, samples)
	Alerts  int64 // alerts emitted
	Capped  int64 // alerts withheld by max_signals
	// Overflow counts what a full state could not hold: threshold groups
	// not started, new terms not remembered.
	Overflow int64
	Sequence *sequence.Stats
}

// Engine runs a compiled rule set. It is not safe for concurrent use:
// feed it from one goroutine.
type Engine struct {
	opt     Options
	schema  *event.Schema
	fields  *alert.Fields
	rules   []*liveRule
	cats    categories
	catSlot int
	route   map[string]*routeSet
	recent  [4]recentRoute // see routeFor
	gen     uint64         // Process calls, to offer an event to a rule once
	keyBuf  []byte
	hits    []match.LiteralHit // scratch for literal matches
	snaps   sequence.Snapshots
	tsMemo  []tsMemo // per slot: an override timestamp parsed for this event
	emit    func(*alert.Alert)
	now     func() time.Time
	flushed bool

	// threat_match rules and their indicators (see threatState).
	threats           []*liveRule
	threatNow         int64 // "now" of threat queries, ns
	indicators        int64
	indicatorOverflow int64
}

// New compiles rules. Rules that cannot run are reported in the returned
// statuses (one per rule, in order) and left out; the engine runs the rest.
// emit receives every alert.
func New(rules []*rule.Rule, opt Options, emit func(*alert.Alert)) (*Engine, []Status) {
	s := opt.Schema
	if s == nil {
		s = event.NewSchema()
	}
	e := &Engine{opt: opt, schema: s, emit: emit, now: opt.Now, route: make(map[string]*routeSet)}
	if e.now == nil {
		e.now = time.Now
	}
	if opt.MaxGroups <= 0 {
		e.opt.MaxGroups = 100_000
	}
	if opt.MaxTerms <= 0 {
		e.opt.MaxTerms = 1_000_000
	}
	if opt.MaxIndicators <= 0 {
		e.opt.MaxIndicators = 1_000_000
	}
	e.fields = alert.Register(s, opt.Fields...)
	e.catSlot = s.Slot("event.category")
	statuses := make([]Status, len(rules))
	for i, r := range rules {
		statuses[i] = Status{Rule: r, State: OK}
		if ok, reason := r.Support(); !ok {
			statuses[i].State, statuses[i].Reason = Unsupported, reason
			continue
		}
		lr, err := e.compile(r)
		if err != nil {
			if u, ok := err.(unsupportedError); ok {
				statuses[i].State, statuses[i].Reason = Unsupported, string(u)
				continue
			}
			statuses[i].State, statuses[i].Err = Failed, err
			continue
		}
		e.rules = append(e.rules, lr)
	}
	return e, statuses
}

// unsupportedError marks a rule that is valid but uses what vigil does not
// run yet.
type unsupportedError string

func (u unsupportedError) Error() string { return string(u) }

// Schema returns the schema events must be decoded with.
func (e *Engine) Schema() *event.Schema { return e.schema }

// Fields returns the resolver alerts use, for writers.
func (e *Engine) Fields() *alert.Fields { return e.fields }

// Rules returns the number of rules running.
func (e *Engine) Rules() int { return len(e.rules) }

// Process offers one event to the rules that can match it. Events must
// come in time order; ev may be reused after Process returns.
func (e *Engine) Process(ev *event.Event) {
	e.gen++
	e.snaps.Next()
	e.snaps.Sweep(e.eachMatcher)
	if len(e.threats) > 0 {
		e.AddIndicator(ev)
	}
	if e.opt.NoIndex {
		for _, r := range e.rules {
			r.offer(e, ev)
		}
		return
	}
	rs := e.routeFor(ev.Index)
	mask := e.cats.mask(ev.Get(e.catSlot))
	e.offerTo(rs.always, ev, mask)
	for i := range rs.fields {
		fi := &rs.fields[i]
		v := ev.Get(fi.slot)
		if v.Kind() == event.KindMissing {
			continue
		}
		if fi.exact != nil || fi.lits != nil || fi.nums != nil {
			if v.Kind() == event.KindArray {
				for i, el := range v.Array() {
					e.offerByValue(fi, i, el, ev, mask)
				}
			} else {
				e.offerByValue(fi, 0, v, ev, mask)
			}
		}
		if fi.exists != nil && v.Exists() {
			e.offerTo(fi.exists, ev, mask)
		}
	}
}

// tsMemo is the parsed value of a timestamp_override field, for the event
// of Process call gen: most rules override with the same field.
type tsMemo struct {
	gen uint64
	t   int64
	ok  bool
}

// overrideTime returns the time a timestamp_override field gives ev.
func (e *Engine) overrideTime(ev *event.Event, slot int) (int64, bool) {
	if slot >= len(e.tsMemo) {
		e.tsMemo = append(e.tsMemo, make([]tsMemo, slot+1-len(e.tsMemo))...)
	}
	m := &e.tsMemo[slot]
	if m.gen != e.gen {
		m.t, m.ok = event.ParseTime(ev.Get(slot))
		m.gen = e.gen
	}
	return m.t, m.ok
}

// offerByValue offers ev to the rules filed under one of its values,
// element elem of the field's value. Strings are folded once per event,
// shared with the rules' case-insensitive tests (event.Event.Folded).
func (e *Engine) offerByValue(fi *fieldIndex, elem int, v event.Value, ev *event.Event, mask uint64) {
	if fi.nums != nil {
		if f, ok := match.NumberKey(v); ok {
			e.offerTo(fi.nums[f], ev, mask)
		}
	}
	if fi.exact == nil && fi.lits == nil {
		return
	}
	var key string
	if v.Kind() == event.KindString {
		key = ev.Folded(fi.slot, elem, v.Str(), match.AppendFolded)
	} else {
		b, ok := match.AppendKeyword(e.keyBuf[:0], v)
		e.keyBuf = b
		if !ok {
			return
		}
		key = unsafe.String(unsafe.SliceData(b), len(b))
	}
	if fi.exact != nil && fi.lens.has(len(key)) {
		e.offerTo(fi.exact[key], ev, mask)
	}
	if fi.lits != nil {
		e.hits = fi.lits.match(key, e.hits[:0])
		for _, h := range e.hits {
			e.offerTo(fi.lits.lits[h.Lit].ents, ev, mask)
		}
	}
}

// offerTo offers ev to rules that have not seen it yet; entries of later
// stages only to rules whose sequences hold state.
func (e *Engine) offerTo(ents []entry, ev *event.Event, mask uint64) {
	for _, en := range ents {
		r := en.r
		if r.gen != e.gen && r.wants(mask, e.catSlot) && (!en.later || r.active()) {
			r.gen = e.gen
			r.offer(e, ev)
		}
	}
}

// Flush ends the stream: sequences decide what they were waiting for,
// samples are built, threshold windows close.
func (e *Engine) Flush() {
	if e.flushed {
		return
	}
	e.flushed = true
	for _, r := range e.rules {
		r.flush(e)
	}
}

// Stats returns per-rule counters, in rule order.
func (e *Engine) Stats() []RuleStats {
	out := make([]RuleStats, 0, len(e.rules))
	for _, r := range e.rules {
		st := RuleStats{Rule: r.rule, Offered: r.offered, Matched: r.matched, Alerts: r.alerts, Capped: r.limit.capped}
		if r.seq != nil {
			s := r.seq.Stats()
			st.Sequence = &s
		}
		if r.thr != nil {
			st.Overflow = r.thr.overflow
		}
		if r.nt != nil {
			st.Overflow = r.nt.overflow
		}
		out = append(out, st)
	}
	return out
}

// raise builds and emits an alert, honouring max_signals.
func (e *Engine) raise(r *liveRule, events []*event.Event, keys []event.Value) {
	t := int64(0)
	for _, ev := range events {
		if ev != nil {
			t = ev.Time
			break
		}
	}
	if !r.limit.allow(t) {
		return
	}
	r.alerts++
	e.emit(alert.New(e.fields, r.rule, events, keys, e.now()))
}

// raiseEvent raises an event rule's alert, cloning the event only when
// max_signals lets the alert through.
func (e *Engine) raiseEvent(r *liveRule, ev *event.Event) {
	if !r.limit.allow(ev.Time) {
		return
	}
	r.alerts++
	e.emit(alert.New(e.fields, r.rule, []*event.Event{ev.Clone()}, nil, e.now()))
}

// raiseNewTerms raises a new_terms rule's alert for one new combination.
func (e *Engine) raiseNewTerms(r *liveRule, ev *event.Event, terms []event.Value) {
	if !r.limit.allow(ev.Time) {
		return
	}
	r.alerts++
	e.emit(alert.NewTermsAlert(e.fields, r.rule, ev.Clone(), terms, e.now()))
}

// eachMatcher calls fn with every sequence matcher (for e.snaps.Sweep).
func (e *Engine) eachMatcher(fn func(*sequence.Matcher)) {
	for _, r := range e.rules {
		if r.seq != nil {
			fn(r.seq)
		}
	}
}

// raiseThreat raises a threat_match rule's alert for a source event and
// the indicators it matched.
func (e *Engine) raiseThreat(r *liveRule, ev *event.Event, en []alert.Enrichment) {
	if !r.limit.allow(ev.Time) {
		return
	}
	r.alerts++
	a := alert.New(e.fields, r.rule, []*event.Event{ev.Clone()}, nil, e.now())
	a.Enrichments = en
	e.emit(a)
}

// restore decodes again the events a sequence kept as snapshots (see
// sequence.Snapshots), as its results leave it.
func (e *Engine) restore(events []*event.Event) []*event.Event {
	var out []*event.Event
	for i, ev := range events {
		if ev == nil || !ev.IsSnapshot() {
			continue
		}
		r, err := e.schema.Restore(ev)
		if err != nil {
			continue // cannot happen: the document was decoded before
		}
		if out == nil {
			out = append([]*event.Event(nil), events...)
		}
		out[i] = r
	}
	if out == nil {
		return events
	}
	return out
}

func (e *Engine) raiseThreshold(r *liveRule, res *alert.ThresholdResult, sample *event.Event) {
	if !r.limit.allow(res.From) {
		return
	}
	r.alerts++
	e.emit(alert.NewThreshold(e.fields, r.rule, res, sample, e.now()))
}

// String describes the engine for logs.
func (e *Engine) String() string {
	return fmt.Sprintf("engine: %d rules, %d fields", len(e.rules), e.schema.Len())
}
