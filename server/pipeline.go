package server

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
)

// pipeline takes acknowledged documents to the engine and the engine's
// alerts to the store. Documents reach it in log order (see ingest); one
// goroutine (run) decodes them, orders them within the lateness window,
// evaluates them and stores the alerts, then moves the log's checkpoint
// to the oldest record whose events the rules' state may still need.
type pipeline struct {
	cfg    *Config
	log    *slog.Logger
	wal    *store.WAL
	alerts *store.Alerts
	rs     *engine.RuleSet
	// now runs the rules that judge each event alone
	// (RuleSet.SplitArrival) on every event as it is decoded, in log
	// order; nil when there are none. eng runs the others on the events
	// in event-time order, after the lateness window.
	now *engine.Engine
	eng evaluator
	// single is eng when it is one engine (Config.Engines 1): it tells
	// the touched events itself; a Parallel reports them (OnTouched).
	single *engine.Engine
	// carry keeps the touched events past the log's checkpoint.
	carry *carry
	// given counts the events given to eng (Parallel's stream places).
	given uint64
	// held picks the events eng's rules can use (the rule index's
	// answer); only those wait in src for event-time order, the others
	// only move their source's event time on.
	held  *engine.Filter
	dec   *decoder       // for the log's records at start and after a reload
	decs  *decoders      // for documents as they are received
	src   *order.Sources // event time per source
	queue jobQueue
	// statsReq asks the pipeline's goroutine, which owns the engine, for
	// its rules' counters.
	statsReq chan chan []engine.RuleStats

	sink      alert.Sink
	alertMu   sync.Mutex     // the engines raise alerts in their own goroutine
	pending   []*alert.Alert // raised, not yet stored
	freeMu    sync.Mutex     // evaluated events come back from the engines' goroutines
	free      []*event.Event // evaluated events, for reuse
	outputs   []output       // where new alerts go besides the store
	recent    *recentEvents  // each host's latest events, for the page; nil: none kept
	marks     []mark         // records taken, in log order, for checkpoints
	horizon   int64          // ns of event time the rules' state reaches back
	heldBytes int64          // bytes of the events in src (their Footprint)

	maxSeen     int64     // latest event time seen
	lastArrival time.Time // wall clock of the last document evaluated
	lastPublish time.Time
	sourceStats atomic.Pointer[[]order.SourceStat]
	lastCkpt    time.Time
	// noCheckpoint is set when alerts could not be stored: the log must
	// keep their events until a restart evaluates them again.
	noCheckpoint bool

	st stats
}

// evaluator is one engine, or several in parallel (Config.Engines).
type evaluator interface {
	Process(*event.Event)
	Advance(watermark int64)
	Watermark() int64
	// Sync returns when every event given so far is evaluated and its
	// alerts raised.
	Sync()
	Stats() []engine.RuleStats
	Reload(*engine.RuleSet) int
	Close()
}

// job is one log record's documents, or a refresh or reload request.
type job struct {
	lsn  uint64
	docs []doc
	// evs are the documents decoded when they were received, under the
	// decoders' generation gen (nil: decode them here, as at replay).
	evs []*event.Event
	// held[i]: evs[i] is a compact copy to hold for event-time order
	// (hold).
	held []bool
	gen  uint64
	// body holds the documents' sources; it is reused once the job is
	// processed.
	body *bodyBuffer
	// size is what the job holds in memory: its events and body.
	size    int64
	refresh chan struct{} // closed when everything before it is evaluated and stored
	reload  *reloadJob
}

// reloadJob asks the pipeline to switch to new rules. Compiling happens on
// the pipeline's goroutine: new rules add fields to the schema it decodes
// with.
type reloadJob struct {
	rules []*rule.Rule
	opt   engine.Options
	done  chan reloadResult
}

type reloadResult struct {
	rs       *engine.RuleSet
	statuses []engine.Status
	kept     int
	err      error
}

// jobQueue takes jobs to the pipeline's goroutine. Pushing never blocks:
// log records are pushed under the log's lock (to keep log order), and the
// pipeline takes that lock to checkpoint, so a blocking queue could
// deadlock. Its size is bounded by the log's (every record in it is in the
// log) and, softly, by Config.Backlog, which ingest checks before
// appending.
type jobQueue struct {
	mu    sync.Mutex
	jobs  []job
	bytes int64         // the jobs' size
	wake  chan struct{} // capacity 1: jobs are waiting
}

func (q *jobQueue) push(j job) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.bytes += j.size
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns every waiting job, oldest first.
func (q *jobQueue) take() []job {
	q.mu.Lock()
	defer q.mu.Unlock()
	js := q.jobs
	q.jobs = nil
	q.bytes = 0
	return js
}

func (q *jobQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

// full reports whether the queue holds max records or maxBytes of
// memory.
func (q *jobQueue) full(max int, maxBytes int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs) >= max || q.bytes >= maxBytes
}

// size returns the memory the queued jobs hold.
func (q *jobQueue) size() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// mark is a record taken by the pipeline and how many of its events
// still wait for the ordered engine.
type mark struct {
	lsn  uint64
	held int
}

// stats are the service's counters (read by the API and metrics).
type stats struct {
	received, accepted, rejected atomic.Int64 // documents
	evaluated, late, failed      atomic.Int64 // events; failed: accepted but undecodable
	onArrival                    atomic.Int64 // events the stateless rules judged as they came
	notHeld                      atomic.Int64 // events no ordered rule can use: evaluated without waiting
	buffered                     atomic.Int64 // events waiting for event-time order now
	bufferedBytes                atomic.Int64 // their memory
	alerts, stored               atomic.Int64
	replayed                     atomic.Int64 // documents evaluated again from the log at start
	watermark                    atomic.Int64
	forced                       atomic.Int64 // events evaluated early: the ordering buffer was full
	checkpoint                   atomic.Uint64
	storeErrors                  atomic.Int64
	checkpoints                  atomic.Int64 // times the log's checkpoint moved
}

func newPipeline(cfg *Config, log *slog.Logger, wal, carryWAL *store.WAL, alerts *store.Alerts, rs *engine.RuleSet) *pipeline {
	p := &pipeline{cfg: cfg, log: log, wal: wal, carry: &carry{wal: carryWAL}, alerts: alerts, rs: rs, dec: newRuleDecoder(rs), decs: newDecoders(rs),
		queue: jobQueue{wake: make(chan struct{}, 1)}, statsReq: make(chan chan []engine.RuleStats), maxSeen: minTime}
	sink := alert.SinkFunc(func(a *alert.Alert) {
		p.alertMu.Lock()
		p.pending = append(p.pending, a)
		p.alertMu.Unlock()
	})
	p.sink = sink
	arrival, ordered := rs.SplitArrival()
	if arrival.Len() > 0 {
		p.now = arrival.NewEngine(sink)
	}
	if cfg.Engines > 1 {
		// The engines are given held copies (see process), which
		// the garbage collector takes back.
		par := ordered.NewParallel(cfg.Engines, sink, nil)
		par.OnTouched(p.carry.add)
		p.eng = par
	} else {
		p.single = ordered.NewEngine(sink)
		p.eng = p.single
	}
	p.held = ordered.NewFilter()
	h, unbounded := rs.Horizon()
	if unbounded || h > cfg.StateHorizon {
		h = cfg.StateHorizon
	}
	p.horizon = int64(h + cfg.Lateness)
	p.src = order.NewSources(rs.Schema(), cfg.Lateness, cfg.IdleTimeout, cfg.MaxBuffered)
	p.st.watermark.Store(minTime)
	return p
}

const minTime = -1 << 63

// replay evaluates the carry log, then the log from its checkpoint,
// before the service takes requests: the rules' state is rebuilt and
// alerts already stored are raised again under the same ids, which the
// store ignores.
func (p *pipeline) replay() error {
	if err := p.replayCarry(); err != nil {
		return err
	}
	err := p.wal.Replay(func(lsn uint64, payload []byte) error {
		docs, err := decodeRecord(payload)
		if err != nil {
			p.log.Error("log record unreadable, skipped", "lsn", lsn, "err", err)
			return nil
		}
		p.st.replayed.Add(int64(len(docs)))
		// The payload is reused by the log's reader; the decoder copies
		// what the events keep.
		now := time.Now()
		p.process(job{lsn: lsn, docs: docs}, now)
		p.advance(p.src.Release(now, p.evaluate))
		return nil
	})
	p.eng.Sync()
	p.store()
	return err
}

// run evaluates jobs until ctx ends; then it evaluates what is queued and
// stores the alerts.
func (p *pipeline) run(ctx context.Context, done *sync.WaitGroup) {
	defer done.Done()
	defer p.eng.Close()
	tick := time.NewTicker(min(p.cfg.IdleTimeout/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-p.queue.wake:
			for _, j := range p.queue.take() {
				p.handle(j)
			}
		case <-tick.C:
			p.store() // what the engines raised since the last record
			p.idle(time.Now())
		case c := <-p.statsReq:
			p.eng.Sync()
			st := p.eng.Stats()
			if p.now != nil {
				st = append(st, p.now.Stats()...)
			}
			c <- st
		case <-ctx.Done():
			for js := p.queue.take(); len(js) > 0; js = p.queue.take() {
				for _, j := range js {
					p.handle(j)
				}
			}
			p.eng.Sync()
			p.store()
			return
		}
	}
}

func (p *pipeline) handle(j job) {
	if j.reload != nil {
		j.reload.done <- p.reload(j.reload)
		return
	}
	if j.refresh != nil {
		p.src.Flush(p.evaluate)
		p.bound()
		if p.maxSeen != minTime {
			p.advance(p.maxSeen + 1)
		}
		p.eng.Sync()
		p.store()
		// Everything is evaluated and stored: the log may let it go
		// now (the carry log keeps what the rules' state needs).
		p.lastCkpt = time.Time{}
		p.checkpoint(time.Now())
		close(j.refresh)
		return
	}
	now := time.Now()
	p.process(j, now)
	p.advance(p.src.Release(now, p.evaluate))
	p.st.watermark.Store(p.eng.Watermark())
	p.bound()
	p.store()
	p.checkpoint(now)
	p.publish(now)
}

// bound publishes the ordering buffer's size and sets its bound in events
// from the events' average memory, so that it holds at most
// MaxBufferedBytes (a document's decoded event is several times its
// source, and the buffer is most of the service's memory under load).
func (p *pipeline) bound() {
	n := int64(p.src.Len())
	p.st.buffered.Store(n)
	p.st.bufferedBytes.Store(p.heldBytes)
	p.st.forced.Store(p.src.Forced)
	p.setMax()
}

// setMax bounds the ordering buffer in events so that it holds at most
// MaxBufferedBytes at the held events' average size; it is set again
// after every event held, since one request's events may be many.
func (p *pipeline) setMax() {
	n := int64(p.src.Len())
	limit := int64(p.cfg.MaxBuffered)
	if n > 0 && p.heldBytes > 0 {
		limit = min(limit, max(p.cfg.MaxBufferedBytes/max(p.heldBytes/n, 1), 1))
	}
	p.src.SetMax(int(limit))
}

// publish makes the sources' progress readable by the API, at most once a
// second, and forgets sources long quiet.
func (p *pipeline) publish(now time.Time) {
	if now.Sub(p.lastPublish) < time.Second {
		return
	}
	p.lastPublish = now
	p.src.Forget(now, false)
	st := p.src.Stats(now, 50)
	p.sourceStats.Store(&st)
	p.st.forced.Store(p.src.Forced)
}

// process decodes (unless the request's handler did) and orders one
// record's documents, which arrived at now.
func (p *pipeline) process(j job, now time.Time) {
	defer j.body.release()
	if j.evs != nil && j.gen != p.decs.gen {
		// Decoded before a reload added fields to the schema (and
		// maybe changed what the ordered rules use).
		for i, ev := range j.evs {
			if !j.held[i] {
				p.reuse(ev)
			}
		}
		j.evs = nil
	}
	// The record's events not yet evaluated by the ordered engine are
	// counted (evaluate counts them down): the log may drop the record
	// once none is left.
	p.marks = append(p.marks, mark{lsn: j.lsn})
	mi := len(p.marks) - 1
	for i, d := range j.docs {
		var ev *event.Event
		var held bool
		if j.evs != nil {
			ev, held = j.evs[i], j.held[i]
			ev.Pos = int64(j.lsn) // as a replay decodes it
		} else {
			ev = p.newEvent()
			if err := p.dec.decode(int64(j.lsn), d.source, d.index, d.id, ev); err != nil {
				p.st.failed.Add(1)
				p.log.Warn("document not evaluated", "lsn", j.lsn, "index", d.index, "err", err)
				continue
			}
			ev, held = hold(p.held, ev, p.reuse)
		}
		if p.recent != nil {
			p.recent.add(ev, d.source)
		}
		p.maxSeen = max(p.maxSeen, ev.Time)
		if p.now != nil {
			p.now.Process(ev)
			p.st.onArrival.Add(1)
		}
		if !held {
			// No ordered rule is filed for it: holding it would change
			// nothing but memory.
			if p.src.Observe(ev, now) {
				p.st.late.Add(1)
			}
			p.st.notHeld.Add(1)
			p.st.evaluated.Add(1)
			p.reuse(ev)
			continue
		}
		p.heldBytes += heldSize(ev)
		p.marks[mi].held++
		p.src.Push(ev, now, p.evaluate, func() { p.st.late.Add(1) })
		p.setMax()
	}
	p.lastArrival = now
}

// advance tells the engines no event before watermark will come.
func (p *pipeline) advance(watermark int64) {
	p.carry.advanced(p.given, watermark)
	p.eng.Advance(watermark)
	if p.now != nil {
		p.now.Advance(watermark)
	}
}

// eventSize is what a decoded event holds in memory: a held copy's
// estimate, else the event's storage.
func eventSize(ev *event.Event, held bool) int64 {
	if held {
		return heldSize(ev)
	}
	return int64(ev.Footprint())
}

func (p *pipeline) evaluate(ev *event.Event) {
	p.heldBytes -= heldSize(ev)
	if i, ok := slices.BinarySearchFunc(p.marks, uint64(ev.Pos), func(m mark, lsn uint64) int { return cmp.Compare(m.lsn, lsn) }); ok {
		p.marks[i].held--
	}
	p.give(ev)
	p.st.evaluated.Add(1)
}

// give gives an event to the ordered engine; one its rules accept is
// carried (see carry).
func (p *pipeline) give(ev *event.Event) {
	p.given++
	p.eng.Process(ev)
	if p.single != nil && p.single.Touched() {
		p.carry.add(ev, p.given)
	}
}

// heldSize estimates the heap a held copy (Event.Clone) takes: its
// document's fields (Size counts 64 bytes a field), about as much again
// for the copied keys and strings and the slots' values, and the event
// itself. Measured over 20,000 raw winlog records of the corpus: 11.6 KB
// of heap a copy, 3.7 KB of Size; the decoded event it is copied from
// takes 24 KB (Footprint: 8.7 KB).
func heldSize(c *event.Event) int64 { return 3*int64(c.Size()) + 512 }

// reuse takes back an evaluated event. The engine keeps copies of what it
// needs: the event's memory serves the next document, unless an unusual
// document made it large.
func (p *pipeline) reuse(ev *event.Event) {
	if ev.Footprint() > maxReused {
		return
	}
	ev.Recycle()
	p.freeMu.Lock()
	if len(p.free) < maxFree {
		p.free = append(p.free, ev)
	}
	p.freeMu.Unlock()
}

// maxFree bounds the events kept for reuse, maxReused the storage of one.
const (
	maxFree   = 1024
	maxReused = 64 << 10
)

// newEvent returns an event to decode into, reusing evaluated ones.
func (p *pipeline) newEvent() *event.Event {
	p.freeMu.Lock()
	defer p.freeMu.Unlock()
	if n := len(p.free); n > 0 {
		ev := p.free[n-1]
		p.free = p.free[:n-1]
		return ev
	}
	return new(event.Event)
}

// idle moves event time on by the wall clock when no document came for
// IdleTimeout, so that sequences, thresholds and missing-event stages of
// a quiet stream still close: the buffered events are evaluated and the
// watermark becomes the latest event time plus the time since it came.
func (p *pipeline) idle(now time.Time) {
	if p.lastArrival.IsZero() || now.Sub(p.lastArrival) < p.cfg.IdleTimeout {
		return
	}
	p.src.Flush(p.evaluate)
	p.bound()
	if p.maxSeen != minTime {
		p.advance(p.maxSeen + int64(now.Sub(p.lastArrival)))
		p.st.watermark.Store(p.eng.Watermark())
	}
	p.eng.Sync()
	p.store()
	p.checkpoint(now)
}

// store writes the alerts raised so far.
func (p *pipeline) store() {
	p.alertMu.Lock()
	pending := p.pending
	p.pending = nil
	p.alertMu.Unlock()
	if len(pending) == 0 {
		return
	}
	p.storeAlerts(pending)
}

// storeAlerts writes alerts to the store and, those new to it, to the
// outputs.
func (p *pipeline) storeAlerts(pending []*alert.Alert) {
	fields := p.rs.Fields()
	recs := make([]store.Alert, len(pending))
	for i, a := range pending {
		recs[i] = store.FromAlert(a, fields)
	}
	p.st.alerts.Add(int64(len(recs)))
	for attempt := 0; ; attempt++ {
		fresh, err := p.alerts.PutNew(context.Background(), recs)
		if err == nil {
			p.st.stored.Add(int64(len(fresh)))
			for _, o := range p.outputs {
				for _, i := range fresh {
					o.Alert(pending[i])
				}
				if err := o.flush(); err != nil {
					p.log.Error("alert output", "err", err)
				}
			}
			break
		}
		p.st.storeErrors.Add(1)
		p.log.Error("storing alerts", "alerts", len(recs), "attempt", attempt+1, "err", err)
		if attempt == 4 {
			// The log keeps the events (the checkpoint does not pass
			// them): a restart raises these alerts again.
			p.noCheckpoint = true
			return
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
}

// checkpoint moves the log's checkpoint past the records whose events
// are all evaluated and their alerts stored, at most once a second,
// after writing the events among them that changed some rule's state to
// the carry log (see carry); the carry log drops what is older than the
// rules' horizon behind the watermark.
func (p *pipeline) checkpoint(now time.Time) {
	if now.Sub(p.lastCkpt) < time.Second || p.noCheckpoint {
		return
	}
	// Everything given to the engines must be evaluated and its alerts
	// stored before the log may drop it; and every touched event
	// reported.
	p.eng.Sync()
	p.store()
	if p.noCheckpoint {
		return
	}
	p.lastCkpt = now
	i := 0
	for i < len(p.marks) && p.marks[i].held <= 0 {
		i++
	}
	if i > 0 {
		lsn := p.marks[i-1].lsn + 1
		if _, err := p.carry.write(lsn, p.given+1); err != nil {
			p.log.Error("carry log: the log's checkpoint waits", "lsn", lsn, "err", err)
			return
		}
		p.marks = append(p.marks[:0], p.marks[i:]...)
		if err := p.wal.Checkpoint(lsn); err != nil {
			p.log.Error("checkpoint", "lsn", lsn, "err", err)
			return
		}
		p.st.checkpoint.Store(lsn)
		p.st.checkpoints.Add(1)
	}
	if wm := p.eng.Watermark(); wm != minTime {
		if err := p.carry.drop(wm - p.horizon); err != nil {
			p.log.Error("carry log checkpoint", "err", err)
		}
	}
}

// ruleStats returns the engine's per-rule counters; false if ctx ended
// first.
func (p *pipeline) ruleStats(ctx context.Context) ([]engine.RuleStats, bool) {
	c := make(chan []engine.RuleStats, 1)
	select {
	case p.statsReq <- c:
	case <-ctx.Done():
		return nil, false
	}
	select {
	case st := <-c:
		return st, true
	case <-ctx.Done():
		return nil, false
	}
}

// reload compiles rules against the running schema and, if every rule
// compiles, switches the engine to them.
func (p *pipeline) reload(j *reloadJob) reloadResult {
	opt := j.opt
	opt.Schema = p.rs.Schema()
	var rs *engine.RuleSet
	var statuses []engine.Status
	var failed []engine.Status
	// The request handlers decode with the schema the new rules add
	// fields to: they wait while it grows.
	p.decs.update(func() (*engine.RuleSet, bool) {
		rs, statuses = engine.Compile(j.rules, opt)
		for _, st := range statuses {
			if st.State == engine.Failed {
				failed = append(failed, st)
			}
		}
		return rs, len(failed) == 0 && rs.Len() > 0
	})
	if len(failed) > 0 {
		return reloadResult{err: &ReloadError{Failed: failed}}
	}
	if rs.Len() == 0 {
		return reloadResult{err: errors.New("no rule to run; the running rules are kept")}
	}
	arrival, ordered := rs.SplitArrival()
	kept := p.eng.Reload(ordered)
	p.held = ordered.NewFilter()
	switch {
	case p.now != nil:
		kept += p.now.Reload(arrival)
	case arrival.Len() > 0:
		p.now = arrival.NewEngine(p.sink)
	}
	if rs.HasSigma() != p.rs.HasSigma() {
		p.dec = newRuleDecoder(rs)
	}
	p.store()
	p.rs = rs
	h, unbounded := rs.Horizon()
	if unbounded || h > p.cfg.StateHorizon {
		h = p.cfg.StateHorizon
	}
	p.horizon = int64(h + p.cfg.Lateness)
	return reloadResult{rs: rs, statuses: statuses, kept: kept}
}
