package engine

import (
	"context"
	"math"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// Parallel runs a rule set over one stream of events on several cores:
// the host-local rules (Split) in one engine per partition of the events
// by host (PartitionKey, else the event's Source), the shared rules in one
// engine that sees, in stream order, every event it Wants. Its alerts are
// exactly a single engine's, in the same order (see the order of alerts
// in alertorder.go): a merger puts each step's alerts from every engine
// in rule order and applies max_signals across partitions.
//
// Process, Advance, Sync, Flush and Close are called from one goroutine.
// The events given to Process belong to the Parallel until it hands each
// back through the recycle function (after the last engine is done with
// it); the sink is called from the merger's goroutine, one alert at a
// time.
type Parallel struct {
	rs, local, shared *RuleSet
	sink              alert.Sink
	recycle           func(*event.Event)
	onTouched         func(*event.Event, uint64) // see OnTouched

	sharedEng *Engine
	parts     []*Engine
	localIdx  map[int]int // compiled.order -> index in local.rules

	steps  chan *step
	seq    uint64      // events taken
	k      uint64      // steps sent
	cur    *step       // the step being filled
	merged chan uint64 // the merger passed a Sync step
	// the partition of the last event's key, and of others (partitionOf)
	lastKey  string
	lastPart int32
	haveLast bool
	keyPart  map[string]keyPart
	limits   []signalLimiter // per local rule: max_signals across partitions
	capped   []int64         // per local rule: alerts the merge withheld
	done     bool
	wm       int64 // the last watermark given to Advance
	wg       sync.WaitGroup
}

// stepSize is how many events travel between the goroutines at once.
const stepSize = 256

// stepKind says what a step does.
type stepKind uint8

const (
	stepEvents  stepKind = iota
	stepAdvance          // Advance(wm) after the events before it
	stepSync             // nothing: Sync waits for the merger to pass it
	stepFlush
)

// step is a unit of work, passed from the caller to the shared engine and
// from it to each partition; every engine reports each step's alerts.
type step struct {
	k    uint64
	kind stepKind
	evs  []*event.Event
	seqs []uint64 // each event's place in the stream, from 1
	part []int32  // each event's partition
	// touched[i]: the shared engine's rules accepted evs[i] (set only
	// with OnTouched, in the steps sent to the partitions)
	touched []bool
	wm      int64
	last    uint64 // seq of the last event before the step
}

// tagged is an alert with its place in the order of alerts: key is twice
// the seq of the event whose processing raised it, that plus one for an
// Advance after the event, MaxUint64 for Flush.
type tagged struct {
	key uint64
	emitted
}

// stepResult is what one engine raised in one step.
type stepResult struct {
	k      uint64
	kind   stepKind
	alerts []tagged
}

// NewParallel starts n partition engines of the rule set's local rules
// (n < 1: 1) and one engine of its shared rules. Alerts go to sink
// (alert.Discard when nil); recycle, if not nil, takes back each event
// given to Process once no engine uses it any more.
func (rs *RuleSet) NewParallel(n int, sink alert.Sink, recycle func(*event.Event)) *Parallel {
	if sink == nil {
		sink = alert.Discard
	}
	if recycle == nil {
		recycle = func(*event.Event) {}
	}
	n = max(n, 1)
	local, shared := rs.Split()
	p := &Parallel{rs: rs, local: local, shared: shared, sink: sink, recycle: recycle,
		steps: make(chan *step, 4), merged: make(chan uint64, 1), wm: minTime, keyPart: map[string]keyPart{}}
	p.sharedEng = shared.NewEngine(nil)
	for range n {
		p.parts = append(p.parts, local.NewEngine(nil))
	}
	p.startLimits(nil)
	results := make(chan stepResult, 4*(n+1))
	partIn := make([]chan *step, n)
	var workers sync.WaitGroup
	for i := range partIn {
		partIn[i] = make(chan *step, 4)
		workers.Add(1)
		go func() {
			defer workers.Done()
			pprof.Do(context.Background(), pprof.Labels("stage", "partition", "partition", strconv.Itoa(i)), func(context.Context) {
				p.runPartition(p.parts[i], partIn[i], results)
			})
		}()
	}
	workers.Add(1)
	go func() {
		defer workers.Done()
		pprof.Do(context.Background(), pprof.Labels("stage", "shared"), func(context.Context) { p.runShared(partIn, results) })
	}()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		pprof.Do(context.Background(), pprof.Labels("stage", "alerts"), func(context.Context) { p.runMerger(results, n+1) })
	}()
	go func() {
		workers.Wait()
		close(results)
	}()
	return p
}

// Process takes the next event in stream order (see Engine.Process); it
// belongs to the Parallel from now on.
func (p *Parallel) Process(ev *event.Event) {
	if p.done {
		p.recycle(ev)
		return
	}
	if p.cur == nil {
		p.cur = &step{kind: stepEvents, evs: make([]*event.Event, 0, stepSize),
			seqs: make([]uint64, 0, stepSize), part: make([]int32, 0, stepSize)}
	}
	p.seq++
	c := p.cur
	c.evs = append(c.evs, ev)
	c.seqs = append(c.seqs, p.seq)
	c.part = append(c.part, p.partitionOf(ev))
	if len(c.evs) == stepSize {
		p.send(c)
		p.cur = nil
	}
}

// partitionOf returns the partition of an event's host (PartitionKey,
// else its Source). Events mostly come from few hosts in runs, so the
// last host's partition, and a bounded map of the others, spare hashing
// the key each time.
func (p *Parallel) partitionOf(ev *event.Event) int32 {
	key := p.rs.PartitionKey(ev)
	if key == "" {
		key = ev.Source
	}
	if key == p.lastKey && p.haveLast {
		return p.lastPart
	}
	kp, ok := p.keyPart[key]
	if !ok {
		if len(p.keyPart) >= maxKeyParts {
			clear(p.keyPart)
		}
		kp = keyPart{strings.Clone(key), int32(PartitionOf(key, len(p.parts)))} // key points into the event
		p.keyPart[kp.key] = kp
	}
	p.lastKey, p.lastPart, p.haveLast = kp.key, kp.part, true
	return kp.part
}

// keyPart is a partition key, owned, and its partition.
type keyPart struct {
	key  string
	part int32
}

// maxKeyParts bounds Parallel's map of partition keys.
const maxKeyParts = 4096

// send passes a step on, numbered.
func (p *Parallel) send(s *step) {
	s.k = p.k
	p.k++
	s.last = p.seq
	if s.kind == stepEvents {
		s.last = s.seqs[0] - 1
	}
	p.steps <- s
}

// flushEvents sends the events taken so far.
func (p *Parallel) flushEvents() {
	if p.cur != nil && len(p.cur.evs) > 0 {
		p.send(p.cur)
	}
	p.cur = nil
}

// Advance tells every engine that no event older than watermark will
// come (see Engine.Advance).
// The events taken so far are passed on even when the watermark does not
// move, so that a service's alerts do not wait for a full step.
func (p *Parallel) Advance(watermark int64) {
	if p.done {
		return
	}
	p.flushEvents()
	if watermark <= p.wm {
		return
	}
	p.wm = watermark
	p.send(&step{kind: stepAdvance, wm: watermark})
}

// Sync returns once every event given so far has been evaluated and its
// alerts have reached the sink. Stats may be read until the next call of
// Process, Advance or Flush.
func (p *Parallel) Sync() {
	if p.done {
		return
	}
	p.flushEvents()
	s := &step{kind: stepSync}
	p.send(s)
	<-p.merged
}

// Flush ends the stream (see Engine.Flush) and returns once every alert
// has reached the sink. The Parallel takes no more events.
func (p *Parallel) Flush() {
	if p.done {
		return
	}
	p.flushEvents()
	p.send(&step{kind: stepFlush})
	p.Close()
}

// Close stops the engines without ending the stream (no Flush): for a
// caller that gives up. Events taken are recycled.
func (p *Parallel) Close() {
	if p.done {
		return
	}
	p.done = true
	if p.cur != nil {
		for _, ev := range p.cur.evs {
			p.recycle(ev)
		}
		p.cur = nil
	}
	close(p.steps)
	p.wg.Wait()
}

// runShared runs the shared engine: each step's events are offered to it,
// in order, when its rules want their index, then passed on to their
// partitions.
func (p *Parallel) runShared(parts []chan *step, results chan<- stepResult) {
	defer func() {
		for _, c := range parts {
			close(c)
		}
	}()
	w := newWorker(p.sharedEng)
	var wants indexWants
	for s := range p.steps {
		subs := make([]*step, len(parts))
		for i := range subs {
			subs[i] = &step{k: s.k, kind: s.kind, wm: s.wm, last: s.last}
		}
		for i, ev := range s.evs {
			touched := false
			if wants.of(p.shared, ev.Index) {
				w.process(ev, s.seqs[i])
				touched = p.sharedEng.accepted
			}
			sub := subs[s.part[i]]
			sub.evs = append(sub.evs, ev)
			sub.seqs = append(sub.seqs, s.seqs[i])
			if p.onTouched != nil {
				sub.touched = append(sub.touched, touched)
			}
		}
		w.finish(s, results)
		for i, c := range parts {
			c <- subs[i]
		}
	}
}

// runPartition runs one partition's engine.
func (p *Parallel) runPartition(eng *Engine, in <-chan *step, results chan<- stepResult) {
	w := newWorker(eng)
	var wants indexWants
	for s := range in {
		for i, ev := range s.evs {
			touched := s.touched != nil && s.touched[i]
			if wants.of(p.local, ev.Index) {
				w.process(ev, s.seqs[i])
				touched = touched || eng.accepted
			}
			if touched && p.onTouched != nil {
				p.onTouched(ev, s.seqs[i])
			}
			p.recycle(ev)
		}
		w.finish(s, results)
	}
}

// worker is an engine run by one of Parallel's goroutines, with the
// alerts it raised in the current step, each tagged with its place in the
// order of alerts.
type worker struct {
	eng *Engine
	key uint64 // of the alerts raised now
	out []tagged
}

func newWorker(eng *Engine) *worker {
	w := &worker{eng: eng}
	eng.collect = func(es []emitted) {
		for _, e := range es {
			w.out = append(w.out, tagged{w.key, e})
		}
	}
	return w
}

// process offers the engine the event of stream position seq.
func (w *worker) process(ev *event.Event, seq uint64) {
	w.key = 2 * seq
	w.eng.Process(ev)
}

// finish ends a step: an Advance or Flush step runs, and the step's
// alerts go to the merger.
func (w *worker) finish(s *step, results chan<- stepResult) {
	switch s.kind {
	case stepAdvance:
		w.key = 2*s.last + 1
		w.eng.Advance(s.wm)
	case stepFlush:
		w.key = math.MaxUint64
		w.eng.Flush()
	}
	results <- stepResult{k: s.k, kind: s.kind, alerts: w.out}
	w.out = nil
}

// indexWants caches RuleSet.Wants per index for one goroutine.
type indexWants struct {
	rs *RuleSet
	m  map[string]bool
}

func (w *indexWants) of(rs *RuleSet, index string) bool {
	if w.rs != rs || len(w.m) > 10_000 {
		w.rs, w.m = rs, map[string]bool{}
	}
	b, ok := w.m[index]
	if !ok {
		b = rs.Wants(index)
		w.m[index] = b
	}
	return b
}

// runMerger puts each step's alerts, once every engine has reported it,
// in the order of alerts and sends them to the sink, applying the local
// rules' max_signals across partitions (each partition's own budget has
// withheld only alerts beyond the rule's).
func (p *Parallel) runMerger(results <-chan stepResult, engines int) {
	defer close(p.merged)
	type pending struct {
		n      int
		kind   stepKind
		alerts []tagged
	}
	waiting := map[uint64]*pending{}
	next := uint64(0)
	for r := range results {
		w := waiting[r.k]
		if w == nil {
			w = &pending{}
			waiting[r.k] = w
		}
		w.n++
		w.kind = r.kind
		w.alerts = append(w.alerts, r.alerts...)
		for {
			w := waiting[next]
			if w == nil || w.n < engines {
				break
			}
			delete(waiting, next)
			p.emit(w.alerts)
			if w.kind == stepSync {
				p.merged <- next // Sync waits for it
			}
			next++
		}
	}
}

// emit sends one step's alerts in order.
func (p *Parallel) emit(alerts []tagged) {
	slices.SortStableFunc(alerts, func(a, b tagged) int {
		switch {
		case a.key != b.key:
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	for _, a := range alerts {
		if i, ok := p.localIdx[a.order]; ok && !p.limits[i].allow(a.t) {
			p.capped[i]++
			continue
		}
		p.sink.Alert(a.a)
	}
}

// Watermark returns the last watermark given to Advance.
func (p *Parallel) Watermark() int64 { return p.wm }

// startLimits makes the merge's max_signals budgets of the local rules,
// keeping those of old (by rule_id) for rules still local.
func (p *Parallel) startLimits(old map[string]int) {
	limits, capped := p.limits, p.capped
	p.localIdx = map[int]int{}
	p.limits = make([]signalLimiter, len(p.local.rules))
	p.capped = make([]int64, len(p.local.rules))
	for i, c := range p.local.rules {
		p.localIdx[c.order] = i
		if j, ok := old[c.rule.ID]; ok {
			p.limits[i], p.capped[i] = limits[j], capped[j]
			continue
		}
		p.limits[i] = newSignalLimiter(c.rule.MaxSignals, c.rule.IntervalDuration())
	}
}

// Reload switches every engine to another rule set compiled against the
// same schema, keeping the state of unchanged rules (see Engine.Reload),
// and returns how many rules kept their state. A rule's locality depends
// only on what its file says, so an unchanged rule stays where it ran.
func (p *Parallel) Reload(rs *RuleSet) (kept int) {
	if p.done {
		return 0
	}
	p.Sync() // the engines are idle until the next step
	old := map[string]int{}
	for i, c := range p.local.rules {
		old[c.rule.ID] = i
	}
	p.rs = rs
	p.local, p.shared = rs.Split()
	kept = p.sharedEng.Reload(p.shared)
	for i, eng := range p.parts {
		if k := eng.Reload(p.local); i == 0 {
			kept += k
		}
	}
	p.startLimits(old)
	return kept
}

// Rules returns the number of rules running.
func (p *Parallel) Rules() int { return p.rs.Len() }

// RuleSet returns the rule set the engines run.
func (p *Parallel) RuleSet() *RuleSet { return p.rs }

// Partitions returns the number of partition engines.
func (p *Parallel) Partitions() int { return len(p.parts) }

// AddIndicator gives threat_match rules an indicator (see
// Engine.AddIndicator); call it before the first Process.
func (p *Parallel) AddIndicator(ev *event.Event) bool { return p.sharedEng.AddIndicator(ev) }

// IndicatorStats returns the indicators kept and dropped.
func (p *Parallel) IndicatorStats() (kept, overflow int64) { return p.sharedEng.IndicatorStats() }

// Stats returns per-rule counters in rule order, as a single engine
// would count them (state overflow is counted per partition). Call it
// after Sync or Flush.
func (p *Parallel) Stats() []RuleStats {
	out := make([]RuleStats, p.rs.Len())
	for i, c := range p.rs.rules {
		out[i].Rule = c.rule
	}
	for _, st := range p.sharedEng.Stats() {
		out[p.orderOf(p.shared, st.Rule)] = st
	}
	for _, eng := range p.parts {
		for i, st := range eng.Stats() {
			o := &out[eng.live[i].c.order]
			addStats(o, st)
		}
	}
	for i, c := range p.local.rules {
		o := &out[c.order]
		o.Alerts -= p.capped[i]
		o.Capped += p.capped[i]
	}
	return out
}

// orderOf returns a rule's place in the whole rule set.
func (p *Parallel) orderOf(rs *RuleSet, r *rule.Rule) int {
	for _, c := range rs.rules {
		if c.rule == r {
			return c.order
		}
	}
	return -1
}

// addStats adds one partition's counters of a rule to o.
func addStats(o *RuleStats, st RuleStats) {
	o.Offered += st.Offered
	o.Matched += st.Matched
	o.Alerts += st.Alerts
	o.Capped += st.Capped
	o.EvalTime += st.EvalTime
	o.Overflow += st.Overflow
	o.Excepted += st.Excepted
	o.Lost += st.Lost
	o.Suppressed += st.Suppressed
	o.SuppressionOverflow += st.SuppressionOverflow
	if s := st.Sequence; s != nil {
		if o.Sequence == nil {
			o.Sequence = new(sequence.Stats)
		}
		q := o.Sequence
		q.Keys += s.Keys
		q.Partials += s.Partials
		q.Undecided += s.Undecided
		q.Retained += s.Retained
		q.Results += s.Results
		q.Replaced += s.Replaced
		q.Evictions += s.Evictions
		q.EvictedPartials += s.EvictedPartials
		q.EvictedResults += s.EvictedResults
		q.Expired += s.Expired
		q.RejectedMaxSpan += s.RejectedMaxSpan
		q.Cancelled += s.Cancelled
		q.RejectedMissing += s.RejectedMissing
		q.FanoutTruncated += s.FanoutTruncated
		q.Bytes += s.Bytes
	}
}
