package engine

import (
	"fmt"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
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
	Rule     *rule.Rule
	Offered  int64 // events offered after routing
	Matched  int64 // events matching (event and threshold rules) or results (sequences, samples)
	Alerts   int64 // alerts emitted
	Capped   int64 // alerts withheld by max_signals
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
	gen     uint64 // Process calls, to offer an event to a rule once
	keyBuf  []byte
	emit    func(*alert.Alert)
	now     func() time.Time
	flushed bool
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
	if e.opt.NoIndex {
		for _, r := range e.rules {
			r.offer(e, ev)
		}
		return
	}
	e.gen++
	rs := e.routeFor(ev.Index)
	mask := e.cats.mask(ev.Get(e.catSlot))
	for _, r := range rs.always {
		if r.wants(mask, e.catSlot) {
			r.offer(e, ev)
		}
	}
	for i := range rs.fields {
		fi := &rs.fields[i]
		v := ev.Get(fi.slot)
		if v.Kind() == event.KindArray {
			for _, el := range v.Array() {
				e.offerByValue(fi, el, ev, mask)
			}
		} else {
			e.offerByValue(fi, v, ev, mask)
		}
	}
}

// offerByValue offers ev to the rules filed under one of its values.
func (e *Engine) offerByValue(fi *fieldIndex, v event.Value, ev *event.Event, mask uint64) {
	key, ok := valueKey(e.keyBuf[:0], v)
	e.keyBuf = key
	if !ok {
		return
	}
	e.offerTo(fi.byValue[string(key)], ev, mask)
	if fi.byExt != nil {
		if ext, ok := extOfValue(key); ok {
			e.offerTo(fi.byExt[string(ext)], ev, mask)
		}
	}
}

// offerTo offers ev to rules that have not seen it yet.
func (e *Engine) offerTo(rules []*liveRule, ev *event.Event, mask uint64) {
	for _, r := range rules {
		if r.gen != e.gen && r.wants(mask, e.catSlot) {
			r.gen = e.gen
			r.offer(e, ev)
		}
	}
}

// routeSet is the rules one index routes to: those always offered, and
// those filed by the literal values a field must hold for them to match.
type routeSet struct {
	always []*liveRule
	fields []fieldIndex
}

type fieldIndex struct {
	field   string
	slot    int
	byValue map[string][]*liveRule
	byExt   map[string][]*liveRule // by file extension, for "*.ext" patterns
}

// routeFor returns the rules whose index patterns select index (or one of
// its aliases), caching the answer per index name.
func (e *Engine) routeFor(index string) *routeSet {
	if rs, ok := e.route[index]; ok {
		return rs
	}
	names := []string{index}
	if e.opt.Aliases != nil && index != "" {
		names = append(names, e.opt.Aliases(index)...)
	}
	rs := &routeSet{}
	byField := map[string]int{}
	for _, r := range e.rules {
		selected := index == "" // no index at all: every rule
		for _, n := range names {
			if selected {
				break
			}
			selected = r.patterns.match(n)
		}
		if !selected {
			continue
		}
		if len(r.reqs) == 0 {
			rs.always = append(rs.always, r)
			continue
		}
		for _, req := range r.reqs {
			for _, a := range req {
				i, ok := byField[a.field]
				if !ok {
					i = len(rs.fields)
					byField[a.field] = i
					rs.fields = append(rs.fields, fieldIndex{field: a.field, slot: e.schema.Slot(a.field), byValue: map[string][]*liveRule{}})
				}
				fi := &rs.fields[i]
				for _, v := range a.values {
					if a.ext {
						if fi.byExt == nil {
							fi.byExt = map[string][]*liveRule{}
						}
						fi.byExt[v] = append(fi.byExt[v], r)
					} else {
						fi.byValue[v] = append(fi.byValue[v], r)
					}
				}
			}
		}
	}
	if len(e.route) > 10_000 {
		clear(e.route)
	}
	e.route[index] = rs
	return rs
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

var _ = eql.Parse
