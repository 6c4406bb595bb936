package engine

import (
	"crypto/sha256"
	"encoding/json"
	"math/bits"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/suppress"
)

// Engine runs a rule set over one stream of events: it holds the state of
// every rule for that stream (partial sequences, threshold windows, terms
// seen, indicators, max_signals budgets). It is not safe for concurrent
// use: feed it from one goroutine. Run several engines from one RuleSet to
// evaluate several streams (or partitions of one) in parallel.
type Engine struct {
	rs     *RuleSet
	sink   alert.Sink
	now    func() time.Time
	live   []*live // per rule, by compiled.idx
	recent [4]recentRoute
	gen    uint64 // Process calls, to offer an event to a rule once
	// seen is, by compiled.idx, the last Process call (gen) whose event
	// was offered to the rule or turned away for it: one small block,
	// where the rules' own states lie far apart, read for every filing
	// an event meets.
	seen   []uint64
	keyBuf []byte
	hits   []match.LiteralHit // scratch for literal matches
	// hitMemos are the literals recent values held, by litIndex (see
	// hitMemo).
	hitMemos map[*litIndex]*hitMemo
	held     []uint64  // scratch: the indexed fields an event holds, by place in the route (see offerRoute)
	heldVal  []int32   // scratch: by place in the route, the place of a held field's value in the event
	touched  byte      // see touch
	pairs    pairState // rules filed under two requirements (litpair.go)
	snaps    sequence.Snapshots
	tsMemo   []tsMemo    // per slot: an override timestamp parsed for this event
	folds    event.Folds // lent to each event while it is evaluated (see event.Event.UseFolds)
	judging  *judgeMode  // set in a Judge's engine: offers and matches are recorded, not made

	// srcRoutes are the routes of the channels and event ids seen (see
	// sourceRoute), by the event's own values.
	srcRoutes map[srcKey]*routeSet

	watermark int64
	flushed   bool
	accepted  bool // see Touched

	// pend holds the alerts of the current Process, Advance or Flush
	// call, put in rule order when it ends (see release); collect, when
	// set (Parallel), takes them instead of the sink.
	pend    []emitted
	collect func([]emitted)

	// Indicators kept for threat_match rules (see AddIndicator).
	threats           []*live
	indicators        int64
	indicatorOverflow int64
}

// live is one rule's state in one engine: its runner and the counters
// and alert budget every rule type shares.
type live struct {
	c     *compiled
	run   runner
	limit signalLimiter
	sup   *suppress.Suppressor // alert suppression, nil without

	offered, matched, alerts, excepted int64
	// lost counts offers of held ticks not made because the event could
	// not be decoded again from its snapshot (see offerHeld).
	lost           int64
	timed, timedNs int64 // offers timed and their time (see evalSample)
}

// NewEngine starts an engine over a new stream; its alerts go to sink
// (alert.Discard when nil).
func (rs *RuleSet) NewEngine(sink alert.Sink) *Engine {
	if sink == nil {
		sink = alert.Discard
	}
	e := &Engine{rs: rs, sink: sink, now: rs.opt.Now, watermark: minTime}
	e.live = make([]*live, len(rs.rules))
	e.seen = make([]uint64, len(rs.rules))
	backing := make([]live, len(rs.rules)) // one block, for locality
	for i, c := range rs.rules {
		e.live[i] = &backing[i]
		e.start(e.live[i], c)
	}
	return e
}

// start readies a rule's state in the engine.
func (e *Engine) start(l *live, c *compiled) {
	l.c = c
	l.limit = newSignalLimiter(c.rule.MaxSignals, c.rule.IntervalDuration())
	l.run = c.kind.newRunner(e, l)
	l.sup = e.newSuppressor(l)
	if _, ok := c.kind.(*threatKind); ok {
		e.threats = append(e.threats, l)
	}
}

// Reload switches the engine to another rule set compiled against the same
// schema (Options.Schema set to this engine's Schema), keeping the state
// of every rule that did not change: its partial sequences, windows, terms
// and counters go on as if nothing happened. A rule is unchanged when its
// rule_id and everything its file says are the same. Rules that are new
// or changed start afresh; rules no longer in the set are dropped. It
// returns how many rules kept their state.
func (e *Engine) Reload(rs *RuleSet) (kept int) {
	if rs.schema != e.rs.schema {
		panic("engine: Reload with a rule set compiled against another schema")
	}
	old := map[string]*live{}
	for _, l := range e.live {
		if fp := fingerprint(l.c.rule); fp != "" {
			old[fp] = l
		}
	}
	e.rs = rs
	e.live = make([]*live, len(rs.rules))
	e.seen = make([]uint64, len(rs.rules))
	e.threats = e.threats[:0]
	clear(e.recent[:])
	clear(e.srcRoutes)
	backing := make([]live, len(rs.rules))
	for i, c := range rs.rules {
		fp := fingerprint(c.rule)
		if l, ok := old[fp]; ok && fp != "" && l.c.rule.ID == c.rule.ID {
			delete(old, fp)
			l.c = c
			e.live[i] = l
			if _, ok := c.kind.(*threatKind); ok {
				e.threats = append(e.threats, l)
			}
			kept++
			continue
		}
		e.live[i] = &backing[i]
		e.start(e.live[i], c)
	}
	return kept
}

// New compiles rules and starts one engine over them, for callers that
// run a single stream: Compile(rules, opt) then NewEngine(emit).
func New(rules []*rule.Rule, opt Options, emit func(*alert.Alert)) (*Engine, []Status) {
	rs, statuses := Compile(rules, opt)
	var sink alert.Sink
	if emit != nil {
		sink = alert.SinkFunc(emit)
	}
	return rs.NewEngine(sink), statuses
}

// minTime is the watermark before any Advance.
const minTime = -1 << 63

// RuleSet returns the rule set the engine runs.
func (e *Engine) RuleSet() *RuleSet { return e.rs }

// Schema returns the schema events must be decoded with.
func (e *Engine) Schema() *event.Schema { return e.rs.schema }

// Fields returns the resolver alerts use, for writers.
func (e *Engine) Fields() *alert.Fields { return e.rs.fields }

// Rules returns the number of rules running.
func (e *Engine) Rules() int { return len(e.live) }

// Process offers one event to the rules that can match it. Events must
// come in time order; ev may be reused after Process returns.
func (e *Engine) Process(ev *event.Event) {
	// The folded values the rules share live in the engine's one memo,
	// warm in cache, not in each event's.
	ev.UseFolds(&e.folds)
	e.process(ev)
	ev.UseFolds(nil)
	e.release()
}

// process offers ev to its rules; their alerts wait in e.pend.
func (e *Engine) process(ev *event.Event) {
	e.gen++
	e.accepted = false
	e.snaps.Next()
	e.snaps.Sweep(e.eachMatcher)
	if len(e.threats) > 0 {
		if e.judging != nil {
			e.judging.v.Indicator = e.indicatorCandidate(ev)
		} else if e.AddIndicator(ev) {
			e.accepted = true
		}
	}
	if e.rs.opt.NoIndex {
		for _, l := range e.live {
			e.offer(l, ev)
		}
		return
	}
	rs := e.routeFor(ev.Index)
	mask := e.offerRoute(rs, ev, 0, false)
	if rs.sourced {
		e.offerRoute(e.sourceRoute(ev), ev, mask, true)
	}
	if len(e.pairs.waiting) > 0 {
		e.offerWaiting(ev)
	}
}

// offerRoute offers ev to the rules of a route that its values select,
// and returns the bits of its categories (see categories), which it
// finds unless known says mask holds them.
func (e *Engine) offerRoute(rs *routeSet, ev *event.Event, mask uint64, known bool) uint64 {
	catSlot := e.rs.catSlot
	slots, vals, ok := ev.Filled()
	if !ok {
		if !known {
			mask = e.rs.cats.mask(ev.Get(catSlot))
		}
		e.offerTo(rs.always, ev, mask)
		for i := range rs.fields {
			if fi := &rs.fields[i]; !fi.skips(mask) {
				e.offerField(fi, ev.Get(fi.slot), ev, mask)
			}
		}
		return mask
	}
	// The index's fields the event holds, found from its few values
	// rather than by a lookup per indexed field, then offered in the
	// index's order as a walk of its fields would: each is a bit of
	// e.held, by its place in the route's fields, and e.heldVal its
	// value's place in the event. The walk meets the categories too: a
	// lookup by slot would read another line of the event, likely long
	// out of cache. Fields whose rules are all of other categories than
	// the event's are dropped before their values are read.
	words := (len(rs.fields) + 63) / 64
	if len(e.heldVal) < len(rs.fields) {
		e.heldVal = make([]int32, len(rs.fields))
		e.held = make([]uint64, words)
	}
	held, heldVal := e.held[:words], e.heldVal
	var cat event.Value
	for j, slot := range slots {
		if int(slot) == catSlot {
			cat = vals[j]
		}
		if uint(slot) < uint(len(rs.fieldOf)) {
			if i := rs.fieldOf[slot]; i > 0 && vals[j].Kind() != event.KindMissing {
				held[(i-1)>>6] |= 1 << ((i - 1) & 63)
				heldVal[i-1] = int32(j)
			}
		}
	}
	if !known {
		mask = e.rs.cats.mask(cat)
	}
	e.touch(rs, held, vals, cat, mask)
	e.offerTo(rs.always, ev, mask)
	for w := range held {
		bs := held[w]
		held[w] = 0
		for ; bs != 0; bs &= bs - 1 {
			f := w<<6 | bits.TrailingZeros64(bs)
			e.offerField(&rs.fields[f], vals[heldVal[f]], ev, mask)
		}
	}
	return mask
}

// touch drops from held the fields an event of categories mask skips
// (fieldIndex.skips), and reads the first byte of each string the index
// will look up in the others (and the categories), one after the other:
// the event was likely decoded long ago (reorder buffers hold
// thousands), and loads that do not wait on each other miss the cache
// together, where the lookups, each waiting for the one before, would
// miss one at a time.
func (e *Engine) touch(rs *routeSet, held []uint64, vals []event.Value, cat event.Value, mask uint64) {
	var b byte
	if cat.Kind() == event.KindString && cat.Str() != "" {
		b = cat.Str()[0]
	}
	for w := range held {
		for bs := held[w]; bs != 0; bs &= bs - 1 {
			f := w<<6 | bits.TrailingZeros64(bs)
			if rs.fields[f].skips(mask) {
				held[w] &^= 1 << (f & 63)
				continue
			}
			switch v := vals[e.heldVal[f]]; v.Kind() {
			case event.KindString:
				if s := v.Str(); s != "" {
					b |= s[0]
				}
			case event.KindArray:
				for _, el := range v.Array() {
					if el.Kind() == event.KindString && el.Str() != "" {
						b |= el.Str()[0]
					}
				}
			}
		}
	}
	e.touched = b
}

// offerField offers ev to the rules filed under one field, whose value in
// ev is v.
func (e *Engine) offerField(fi *fieldIndex, v event.Value, ev *event.Event, mask uint64) {
	if v.Kind() == event.KindMissing || fi.unless != 0 && ev.Get(int(fi.unless-1)).Kind() != event.KindMissing {
		return
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

// offer runs one rule on an event that routing selected for it, in the
// rule's own time (timestamp_override).
func (e *Engine) offer(l *live, ev *event.Event) {
	l.offered++
	matched := l.matched
	if l.offered%evalSample == 1 {
		start := time.Now()
		e.run(l, ev)
		l.timedNs += int64(time.Since(start))
		l.timed++
	} else {
		e.run(l, ev)
	}
	if l.matched != matched {
		e.accepted = true
	}
}

// evalSample is how often a rule's evaluation is timed: one offer in
// evalSample (the first, then every evalSample-th), so reading the clock
// costs little next to the rules.
const evalSample = 32

// run runs the rule on the event.
func (e *Engine) run(l *live, ev *event.Event) {
	c := l.c
	if c.tsSlot >= 0 {
		if t, ok := e.overrideTime(ev, c.tsSlot); ok {
			saved := ev.Time
			ev.Time = t
			defer func() { ev.Time = saved }()
		} else if c.tsNoFallback {
			return
		}
	}
	l.run.offer(ev)
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
// element elem of the field's value. Strings are folded at most once per
// event, shared with the rules' case-insensitive tests
// (event.Event.Folded), and only when a lookup needs the folded form: an
// ASCII value is looked up whole only if some filed value is as long
// (folding keeps its length), and its literals are found without folding
// it when the field has few contained literals (plainLits).
func (e *Engine) offerByValue(fi *fieldIndex, elem int, v event.Value, ev *event.Event, mask uint64) {
	if fi.nums != nil {
		if f, ok := match.NumberKey(v); ok {
			e.offerTo(fi.nums[f], ev, mask)
		}
	}
	if fi.exact == nil && fi.lits == nil {
		return
	}
	if v.Kind() == event.KindString {
		s := v.Str()
		ascii := match.IsASCII(s)
		if fi.exact != nil && (!ascii || fi.lens.has(len(s)) && fi.edges.has(s)) {
			if key := ev.Folded(fi.slot, elem, s, match.AppendFolded); fi.lens.has(len(key)) {
				e.offerTo(fi.exact[key], ev, mask)
			}
		}
		if fi.lits == nil {
			return
		}
		switch {
		case ascii && fi.lits.plain != nil:
			e.hits = fi.lits.plain.match(fi.lits, s, e.hits[:0])
		case fi.lits.set != nil && len(s) <= hitMemoLen:
			e.hits = e.memoHits(fi, elem, s, ev)
		default:
			e.hits = fi.lits.match(ev.Folded(fi.slot, elem, s, match.AppendFolded), e.hits[:0])
		}
		for _, h := range e.hits {
			e.offerTo(fi.lits.lits[h.Lit].ents, ev, mask)
		}
		return
	}
	key, ok := fi.key(elem, v, ev, &e.keyBuf)
	if !ok {
		return
	}
	if fi.exact != nil && fi.lens.has(len(key)) && fi.edges.has(key) {
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
// stages only to rules whose runners take them now.
func (e *Engine) offerTo(ents []entry, ev *event.Event, mask uint64) {
	if e.judging != nil {
		e.record(ents, ev, mask)
		return
	}
	for i := range ents {
		en := &ents[i]
		if en.pair != 0 {
			e.offerPair(*en, ev, mask)
			continue
		}
		if !en.wants(mask) {
			continue
		}
		if e.seen[en.r] == e.gen {
			continue
		}
		l := e.live[en.r]
		if (!en.later || l.run.active()) &&
			(en.unless == 0 || ev.Get(int(en.unless-1)).Kind() == event.KindMissing) {
			e.seen[en.r] = e.gen
			e.offer(l, ev)
		}
	}
}

// Advance tells the engine that no event older than watermark (event
// time, ns) will come: sequences expire what maxspan has closed and decide
// missing-event stages, threshold windows that ended close. Process after
// Advance must not be given older events. A stream that ends calls Flush
// instead.
func (e *Engine) Advance(watermark int64) {
	if watermark <= e.watermark || e.flushed {
		return
	}
	e.watermark = watermark
	for _, l := range e.live {
		l.run.advance(watermark)
		if sup := l.sup; sup != nil {
			sup.Advance(watermark)
		}
	}
	e.release()
}

// Watermark returns the last watermark given to Advance.
func (e *Engine) Watermark() int64 { return e.watermark }

// Flush ends the stream: sequences decide what they were waiting for,
// samples are built, threshold windows close.
func (e *Engine) Flush() {
	if e.flushed {
		return
	}
	e.flushed = true
	for _, l := range e.live {
		l.run.flush()
		if sup := l.sup; sup != nil {
			sup.Flush()
		}
	}
	e.release()
}

// Sync returns at once: one engine has evaluated an event, and raised its
// alerts, when Process returns (Parallel has to wait for its goroutines).
func (e *Engine) Sync() {}

// Close ends the engine without Flush, for a caller that gives up; one
// engine holds nothing to release (Parallel stops its goroutines).
func (e *Engine) Close() {}

// Stats returns per-rule counters, in rule order.
func (e *Engine) Stats() []RuleStats {
	out := make([]RuleStats, 0, len(e.live))
	for _, l := range e.live {
		st := RuleStats{Rule: l.c.rule, Offered: l.offered, Matched: l.matched, Alerts: l.alerts, Capped: l.limit.capped, Excepted: l.excepted, Lost: l.lost}
		if l.timed > 0 {
			st.EvalTime = time.Duration(float64(l.timedNs) * float64(l.offered) / float64(l.timed))
		}
		if l.sup != nil {
			st.Suppressed, st.SuppressionOverflow = l.sup.Stats()
		}
		l.run.stats(&st)
		out = append(out, st)
	}
	return out
}

// emit hands an alert to the sink, within the rule's max_signals budget
// for event time t; build runs only when the alert goes out.
func (e *Engine) emit(l *live, t int64, build func() *alert.Alert) {
	e.deliver(l, t, build)
}

// raise emits an alert of a rule's events (a sequence's or sample's,
// or one event's), which the alert may keep.
func (e *Engine) raise(l *live, events []*event.Event, keys []event.Value) {
	t := int64(0)
	for _, ev := range events {
		if ev != nil {
			t = ev.Time
			break
		}
	}
	e.emit(l, t, func() *alert.Alert { return alert.New(e.rs.fields, l.c.rule, events, keys, e.now()) })
}

// raiseEvent raises a single event's alert, cloning the event only when
// max_signals lets the alert through.
func (e *Engine) raiseEvent(l *live, ev *event.Event) {
	if jm := e.judging; jm != nil {
		jm.v.Matches = append(jm.v.Matches, event.Match{Rule: int32(l.c.idx), Time: ev.Time})
		return
	}
	e.emit(l, ev.Time, func() *alert.Alert {
		return alert.New(e.rs.fields, l.c.rule, []*event.Event{ev.Clone()}, nil, e.now())
	})
}

// eachMatcher calls fn with every sequence matcher (for e.snaps.Sweep).
func (e *Engine) eachMatcher(fn func(*sequence.Matcher)) {
	for _, l := range e.live {
		if r, ok := l.run.(*sequenceRunner); ok {
			fn(r.m)
		}
	}
}

// restore decodes again the events a sequence kept as snapshots (see
// sequence.Snapshots), as its results leave it.
func (e *Engine) restore(events []*event.Event) []*event.Event {
	var out []*event.Event
	for i, ev := range events {
		if ev == nil || !ev.IsSnapshot() {
			continue
		}
		r, err := e.rs.schema.Restore(ev)
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

// String describes the engine for logs.
func (e *Engine) String() string { return e.rs.String() }

// fingerprint identifies what a rule file says, for Reload: the rule
// without where it stands in its file. A rule that uses exception lists
// has none (it always starts afresh): the lists may have changed while
// the rule did not.
func fingerprint(r *rule.Rule) string {
	if len(r.ExceptionsList) > 0 {
		return ""
	}
	c := *r
	c.Path, c.Line, c.QueryLine = "", 0, 0
	b, err := json.Marshal(&c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return string(sum[:])
}
