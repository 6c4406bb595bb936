package order

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// Options configure Read.
type Options struct {
	// From and To keep only events with From <= time < To (ns since the
	// epoch; 0 means unbounded). Events without a time are dropped when
	// either is set.
	From, To int64
	// Lateness is the per-input event-time window (default 5s): an input
	// may be out of time order by this much and still be merged in order.
	Lateness time.Duration
	// MaxWindow caps the events each input holds for reordering, and
	// MaxWindowBytes their size (event.Event.Size): beyond them its
	// oldest are released early and counted (Progress.Overflow). The
	// defaults are 1,024 events and 8 MiB. Each input has its own
	// window, never a share of one budget: inputs decode in parallel,
	// and a shared budget would make which events leave early, and so
	// which are late, depend on timing. Few inputs hold a window at once
	// (those being read, see Read), so the memory of a merge does not
	// grow with the number of inputs. Inputs are mostly in order, so an
	// early release rarely makes an event late.
	MaxWindow      int
	MaxWindowBytes int64
	// Workers bounds how many inputs decode at once (default 2).
	Workers int
	// Decoders is how many goroutines decode the records of one input
	// that is a file of JSON documents (see input.Ahead; default
	// GOMAXPROCS, at most 4). The events and their order do not depend
	// on it.
	Decoders int
	// MaxOpen bounds how many inputs are open at once (default: a quarter
	// of the process's file descriptor limit, at least 16). Inputs are
	// opened when the merge needs them and closed as soon as they are
	// read.
	MaxOpen int
	// Delay, if set, holds events back in the merged order by what it
	// returns (at most MaxDelay): an event sorts as if its time were
	// Time+Delay. It is for sources whose clocks run early for some
	// events; SysmonNetworkDelay is one.
	Delay    func(*event.Event) time.Duration
	MaxDelay time.Duration
	// Advance, if set, receives the watermark of the merged stream each
	// time it moves forward: no event older than it will be passed on
	// in order any more (late events still may, counted). It is what an
	// engine's Advance takes.
	Advance func(watermark int64)
	// Owned gives fn the events it is passed: Read does not reuse them,
	// and whoever ends up holding one hands it back with Recycle (an
	// engine running in other goroutines, see engine.Parallel).
	Owned bool
	// Starts, if it has one entry per input, is when each input starts,
	// as Peek found it, and Read does not peek itself: a caller may peek
	// while it still prepares (compiles rules), with the same From, To,
	// Lateness and MaxWindow.
	Starts []int64
	// Judge, if set, is called once by each goroutine that decodes the
	// events of an input (the input's, or each of its Decoders) and
	// returns what it gives every event it decodes, right after
	// decoding, while the event is in cache (before it waits in the
	// input's window, see engine.Judge), and what it calls when it is
	// done. Events are judged in no particular order, on as many
	// goroutines as decode, so judging spreads over the cores with
	// decoding; events outside From/To are not judged. The judge may record a verdict on the event, and
	// returns whether the event's values are needed in order. An event
	// whose values are not travels on as a tick (event.Verdict.Tick:
	// its time, Seq, Pos and Source, nothing else), its storage reused
	// at once; it is ordered, counted and late like any other. One whose
	// verdict holds offers (event.Verdict.Held) travels as a held tick,
	// a snapshot of its record with the offers (see tick).
	Judge func() (judge func(*event.Event) bool, done func())
	// Report receives every problem: files that cannot be opened,
	// records that cannot be read, late events (once per input), and the
	// Warn notes of the input layer. Nil drops them.
	Report func(error)
}

// Progress counts reading as it happens; a progress display may read it
// from another goroutine. Its Counters are the ones to give the
// input.Opener.
type Progress struct {
	input.Counters
	Inputs     atomic.Int64 // inputs finished
	Failed     atomic.Int64 // inputs that could not be opened or read to the end
	Events     atomic.Int64 // events decoded (before the time filter)
	BadRecords atomic.Int64 // records that could not be read
	Filtered   atomic.Int64 // events outside From/To
	Late       atomic.Int64 // events older than their input had already released
	Overflow   atomic.Int64 // events released early because a window was full
	Window     atomic.Int64 // the most events the inputs held at once for reordering
}

// windowEvents is the number of events each input holds for reordering
// by default, windowBytes their size.
const (
	windowEvents = 1024
	windowBytes  = 8 << 20
)

// ahead is how many inputs, in order of their first event, are opened
// and decoded before the merge reaches them, so that it does not wait.
const ahead = 2

// batchSize is how many events travel between goroutines at once.
const batchSize = 256

// inFlight is how many batches an input may have ready ahead of the merge.
const inFlight = 4

// Read reads the inputs through op and calls fn with every event in time
// order (ties: input order, then position).
//
// Memory does not grow with the number or size of inputs: Read first
// reads each input's first events to learn when it starts (its first
// event in order, see peek), then opens the inputs in that order, each
// only when the merge is about to need it (and a few ahead); inputs that
// cover separate time ranges are read one after another, holding their
// reordering windows (bounded in events and bytes) one at a time. fn must not keep ev (Clone
// it) unless Options.Owned is set.
// A record that cannot be read, and an input that cannot be opened, are
// reported and the rest goes on.
//
// When ctx is done, reading stops at the next record of every input; the
// events already read are still merged and passed to fn, and Read returns
// ctx.Err(). When fn returns an error, Read stops at once and returns it.
func Read(ctx context.Context, files []input.File, op *input.Opener, opt Options, prog *Progress, fn func(*event.Event) error) error {
	if prog == nil {
		prog = new(Progress)
	}
	opt = opt.withDefaults()
	var errMu sync.Mutex
	report := func(err error) {
		if opt.Report == nil {
			return
		}
		errMu.Lock()
		defer errMu.Unlock()
		opt.Report(err)
	}
	m := &merger{
		opt: opt, op: op, prog: prog, report: report,
		meter: new(Meter),
		// Batches shrink when there are many inputs, so that the events
		// in flight between inputs and the merge stay near 8,192 in all.
		batch:  max(16, min(batchSize, 8192/(inFlight*max(len(files), 1)))),
		tokens: make(chan struct{}, opt.Workers),
		slots:  make(chan struct{}, opt.MaxOpen),
	}
	// abort stops everything at once (fn failed, or Read returned).
	abort, cancel := context.WithCancel(context.Background())
	defer cancel()
	streams := make([]*stream, len(files))
	for i, f := range files {
		streams[i] = &stream{index: i, file: f, out: make(chan []*event.Event, inFlight)}
	}
	if len(opt.Starts) == len(files) {
		for _, s := range streams {
			s.first = opt.Starts[s.index]
		}
	} else {
		m.peekAll(ctx, streams)
	}
	// Inputs in order of their first event; ties in input order.
	slices.SortStableFunc(streams, func(a, b *stream) int { return cmp.Compare(a.first, b.first) })
	var wg sync.WaitGroup
	started := 0
	startUpTo := func(n int) {
		for ; started < min(n, len(streams)); started++ {
			s := streams[started]
			m.waiting.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(s.out)
				// Labelled for CPU profiles (vigil hunt --cpuprofile).
				pprof.Do(context.Background(), pprof.Labels("stage", "read"), func(context.Context) { m.produce(ctx, abort, s) })
			}()
		}
	}
	defer wg.Wait()
	defer cancel()

	emit, flush := m.output(fn)
	// The merge's own few events to reuse (see localPool), for the
	// decoders to take back in bulk.
	mine := new(localPool)
	defer mine.flush()
	h := &streamHeap{}
	admitted := 0
	for {
		// An input joins the merge before any event after its first is
		// passed on: it may hold the next one.
		for admitted < len(streams) && (h.Len() == 0 || streams[admitted].first <= (*h)[0].head().Time) {
			s := streams[admitted]
			admitted++
			startUpTo(admitted + ahead)
			if s.fill(abort) {
				heap.Push(h, s)
			}
		}
		if h.Len() == 0 {
			break
		}
		s := (*h)[0]
		ev := s.batch[s.pos]
		if err := emit(ev); err != nil {
			return err
		}
		s.pos++
		if s.pos == len(s.batch) {
			s.recycle(mine, !opt.Owned)
			if !s.fill(abort) {
				heap.Pop(h)
				continue
			}
		}
		heap.Fix(h, 0)
	}
	if err := flush(); err != nil {
		return err
	}
	prog.Window.Store(m.meter.Peak())
	return ctx.Err()
}

// withDefaults fills in the defaults of what is unset.
func (opt Options) withDefaults() Options {
	if opt.MaxWindow <= 0 {
		opt.MaxWindow = windowEvents
	}
	if opt.MaxWindowBytes <= 0 {
		opt.MaxWindowBytes = windowBytes
	}
	if opt.Lateness == 0 {
		opt.Lateness = 5 * time.Second
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.Decoders <= 0 {
		opt.Decoders = min(runtime.GOMAXPROCS(0), 4)
	}
	if opt.MaxOpen <= 0 {
		opt.MaxOpen = defaultMaxOpen()
	}
	return opt
}

// Peek returns when each input starts, as Read would learn it before
// merging (see peek), for Options.Starts. It reads only times and
// indexes, so op needs no rule's fields: a hunt peeks while its rules
// compile, and every file is still read once more by Read. It counts
// and reports nothing.
func Peek(ctx context.Context, files []input.File, op *input.Opener, opt Options) []int64 {
	m := &merger{opt: opt.withDefaults(), op: op}
	streams := make([]*stream, len(files))
	for i, f := range files {
		streams[i] = &stream{index: i, file: f}
	}
	m.peekAll(ctx, streams)
	starts := make([]int64, len(files))
	for i, s := range streams {
		starts[i] = s.first
	}
	return starts
}

// merger is the state of one Read shared by its inputs.
type merger struct {
	opt     Options
	op      *input.Opener
	prog    *Progress
	report  func(error)
	batch   int
	meter   *Meter        // the inputs' reordering windows
	tokens  chan struct{} // decoding inputs
	slots   chan struct{} // open inputs
	waiting atomic.Int64  // inputs waiting for a slot
}

// output returns what the merge passes each event to, through the delay
// stage if there is one and with watermarks, and what ends the stream.
func (m *merger) output(fn func(*event.Event) error) (emit func(*event.Event) error, flush func() error) {
	last := int64(noTime)
	advance := func(wm int64) {
		if m.opt.Advance != nil && wm > last {
			last = wm
			m.opt.Advance(wm)
		}
	}
	if m.opt.Delay == nil || m.opt.MaxDelay <= 0 {
		emit = func(ev *event.Event) error {
			if err := fn(ev); err != nil {
				return err
			}
			advance(ev.Time)
			return nil
		}
		return emit, func() error { return nil }
	}
	d := NewBuffer(0, BufferOptions{Delay: m.opt.Delay, MaxDelay: m.opt.MaxDelay})
	var failed error
	out := func(ev *event.Event) {
		if failed == nil {
			failed = fn(ev)
		}
	}
	emit = func(ev *event.Event) error {
		d.Push(ev, out)
		advance(d.Watermark())
		return failed
	}
	flush = func() error {
		d.Flush(out)
		return failed
	}
	return emit, flush
}

// stream is one input as the merge sees it.
type stream struct {
	index int
	file  input.File
	first int64 // the time of its first event in order (see peek)
	out   chan []*event.Event
	batch []*event.Event
	pos   int
}

// peekAll learns when each input starts (see peek), reading Workers
// inputs at once.
func (m *merger) peekAll(ctx context.Context, streams []*stream) {
	op := m.op.Peeker() // decodes times and indexes only
	work := make(chan *stream)
	var wg sync.WaitGroup
	for range min(m.opt.Workers, len(streams)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := new(event.Event)
			for s := range work {
				s.first = m.peek(ctx, op, s, ev)
			}
		}()
	}
	for _, s := range streams {
		work <- s
	}
	close(work)
	wg.Wait()
}

// peek returns the time of the first event an input will pass on in
// order: the earliest of its events up to the first that is more than the
// lateness newer than it (or up to its window), which is the event its
// reordering buffer releases first. An input that cannot be peeked (not
// a regular file: standard input, a FIFO, which cannot be read twice),
// that fails, or holds no event, starts at once (noTime), where reading it
// reports what is wrong. Peeking counts and reports nothing.
func (m *merger) peek(ctx context.Context, op *input.Opener, s *stream, ev *event.Event) int64 {
	if fi, err := os.Stat(s.file.Path); err != nil || !fi.Mode().IsRegular() {
		return noTime
	}
	r, err := op.OpenContext(ctx, s.file.Path)
	if err != nil {
		return noTime
	}
	defer r.Close()
	first := int64(math.MaxInt64)
	lateness := int64(m.opt.Lateness)
	for n := 0; n < m.opt.MaxWindow && ctx.Err() == nil; n++ {
		ev.Recycle()
		err := r.Next(ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			var re *input.RecordError
			if errors.As(err, &re) && !re.Fatal && re.Pos > 0 {
				continue
			}
			break
		}
		if !m.keep(ev) {
			continue
		}
		if first != math.MaxInt64 && ev.Time > first && ev.Time-first > lateness {
			break
		}
		first = min(first, ev.Time)
	}
	if first == math.MaxInt64 {
		return noTime
	}
	return first
}

// fill waits for the stream's next batch; false when the stream is done.
func (s *stream) fill(abort context.Context) bool {
	select {
	case b, ok := <-s.out:
		if !ok {
			return false
		}
		s.batch, s.pos = b, 0
		return true
	case <-abort.Done():
		return false
	}
}

// recycle hands the events of a consumed batch back to l, and the batch
// to the pool every input draws from: an input that has finished lends
// its events to the others.
func (s *stream) recycle(l *localPool, events bool) {
	for i, ev := range s.batch {
		if events {
			l.putEvent(ev)
		}
		s.batch[i] = nil
	}
	batchPool.Put(s.batch[:0])
	s.batch = nil
}

// The pools are free lists rather than sync.Pools: events keep large
// buffers (their document, the strings they own), and a sync.Pool would
// drop them at every garbage collection, which those very buffers cause.
var (
	eventPool = newFreeList(maxPooledEvents, func() *event.Event { return new(event.Event) })
	tickPool  = newFreeList(maxPooledEvents, func() *event.Event { return new(event.Event) })
	// heldPool's events are held ticks (see tick), parked; nil for a
	// new one.
	heldPool  = newFreeList(maxPooledEvents, func() *event.Event { return nil })
	batchPool = newFreeList(1<<10, func() []*event.Event { return make([]*event.Event, 0, batchSize) })
)

// freeList is a bounded stack of things to reuse. It hands out the thing
// put last: an event pooled a moment ago is still in the cache, one
// pooled a thousand events ago (as a queue would hand out) is not, and
// its first touch after reuse was a cache miss per line of its header
// and index.
type freeList[T any] struct {
	mu   sync.Mutex
	list []T
	new  func() T
}

func newFreeList[T any](max int, new func() T) *freeList[T] {
	return &freeList[T]{list: make([]T, 0, max), new: new}
}

func (f *freeList[T]) Get() T {
	f.mu.Lock()
	if n := len(f.list) - 1; n >= 0 {
		x := f.list[n]
		var zero T
		f.list[n] = zero
		f.list = f.list[:n]
		f.mu.Unlock()
		return x
	}
	f.mu.Unlock()
	return f.new()
}

func (f *freeList[T]) Put(x T) { f.put(x) }

// take appends up to n things to dst, the one put last at the end.
func (f *freeList[T]) take(dst []T, n int) []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := max(0, len(f.list)-n)
	dst = append(dst, f.list[k:]...)
	clear(f.list[k:])
	f.list = f.list[:k]
	return dst
}

// give puts as many of xs as there is room for, from the first, and
// returns how many.
func (f *freeList[T]) give(xs []T) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(len(xs), cap(f.list)-len(f.list))
	f.list = append(f.list, xs[:n]...)
	return n
}

// put is Put, reporting whether x was kept.
func (f *freeList[T]) put(x T) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.list) == cap(f.list) {
		return false
	}
	f.list = append(f.list, x)
	return true
}

// Len is the number of things in the list.
func (f *freeList[T]) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.list)
}

// Recycle hands back an event Read passed on with Options.Owned, for
// the inputs to decode into again. The caller must not use it afterwards.
func Recycle(ev *event.Event) { putEvent(ev) }

// putEvent pools an event for reuse unless an unusual document made it
// large or the pool holds maxPoolBytes already: pooled events keep their
// storage, which only grows. Events let go are counted (poolDropped).
// A pooled event is parked: it pins nothing but its own storage (see
// event.Event.Park).
func putEvent(ev *event.Event) {
	if ev.Verdict.Tick {
		if ev.IsSnapshot() {
			putHeld(ev)
			return
		}
		ev.Reset(0)
		tickPool.Put(ev)
		return
	}
	if !parkEvent(ev) {
		return
	}
	fp := int64(ev.Footprint())
	if poolBytes.Add(fp) > maxPoolBytes || !eventPool.put(ev) {
		poolBytes.Add(-fp)
		poolDropped.Add(1)
	}
}

// parkEvent parks ev (event.Event.Park) to pool it, unless an unusual
// document made it larger than maxPooled: then it counts it dropped and
// returns false.
func parkEvent(ev *event.Event) bool {
	ev.Park()
	if ev.Footprint() > maxPooled {
		poolDropped.Add(1)
		return false
	}
	return true
}

// tick is (*localPool).tick on the shared pools.
func tick(ev *event.Event, hold bool) *event.Event { return (*localPool)(nil).tick(ev, hold) }

// tick returns a tick standing for ev (see Options.Judge), which it
// hands back to l. An event whose verdict still has offers, all
// of them held (event.Verdict.Held), becomes a held tick: a snapshot of
// its record that carries the offers, decoded again in order only if
// the rules then need it, unless hold is false. One that cannot be
// snapshotted without a clone of its values is returned as it is,
// whole, and so is every such event when hold is false: a Delay reads
// the values of the events it holds back.
func (l *localPool) tick(ev *event.Event, hold bool) *event.Event {
	if len(ev.Verdict.Offers) > 0 {
		if !hold || !ev.Snapshots() {
			return ev
		}
		t := ev.HoldTo(l.getHeld())
		v := &t.Verdict
		v.Offers = append(v.Offers[:0], ev.Verdict.Offers...)
		v.Judged, v.Tick, v.Size = true, true, ev.Size()
		l.putEvent(ev)
		return t
	}
	t := l.getTick()
	t.Time, t.Seq, t.Pos, t.Source = ev.Time, ev.Seq, ev.Pos, ev.Source
	t.Verdict.Judged, t.Verdict.Tick, t.Verdict.Size = true, true, ev.Size()
	l.putEvent(ev)
	return t
}

// putHeld pools a held tick (see tick) for reuse with its record's
// room, unless an unusual document made that large or the pooled held
// ticks hold maxHeldBytes already.
func putHeld(t *event.Event) {
	if !parkHeld(t) {
		return
	}
	n := int64(cap(t.Raw))
	if heldBytes.Add(n) > maxHeldBytes || !heldPool.put(t) {
		heldBytes.Add(-n)
	}
}

// parkHeld parks a held tick to pool it, unless an unusual document made
// its record's room larger than maxPooled (then it returns false).
func parkHeld(t *event.Event) bool {
	t.Park() // gives back a shared record's chunk
	if cap(t.Raw) > maxPooled {
		return false
	}
	t.Verdict = event.Verdict{Offers: t.Verdict.Offers[:0]}
	return true
}

// getHeld takes a held tick from the pool, nil if there is none.
func getHeld() *event.Event {
	t := heldPool.Get()
	if t != nil {
		heldBytes.Add(-int64(cap(t.Raw))) // unchanged since putHeld
	}
	return t
}

// heldBytes is the room of the pooled held ticks' own records, at most
// maxHeldBytes. Most held ticks share their record with the chunk it was
// read into (event.Event.HoldTo) and own none; the others copy theirs
// (2.4 KB on average over the ECS corpus).
var heldBytes atomic.Int64

const maxHeldBytes = 8 << 20

// getEvent takes an event from the pool (or a new one), to Recycle.
func getEvent() *event.Event {
	ev := eventPool.Get()
	poolBytes.Add(-int64(ev.Footprint())) // unchanged since putEvent
	return ev
}

var (
	poolBytes   atomic.Int64 // the Footprint of the pooled events
	poolDropped atomic.Int64 // events not pooled (too large, or the pool full)
)

// maxPooled is the largest event storage pooled (Footprint, which
// counts the values too: 5 to 8 KiB on average over the ECS corpus), and
// maxPoolBytes the most all pooled events hold.
//
// The pool fills to maxPoolBytes in a long run, not in a short one: an
// event's buffers grow to the largest record it ever decoded, so pooled
// events hold more the more records they have seen (2,048 pooled events
// held 12 MB at the end of one copy of the ECS corpus, 16 MB after 8).
// Peak RSS follows twice the live heap, so a budget the short run never
// reaches is paid twice over by every long one. With 8 MiB (2-core hunt,
// 8 copies of the ECS corpus) the pool made 17k fresh events in 1.6M
// rather than 7.5k, 13% more bytes allocated, and peak RSS fell from
// 158 to 143 MB (medians), that over one copy staying 121-124 MB; 4 and
// 6 MiB saved no more and allocated more again. A 1-core hunt's pool
// stops at maxPooledEvents near 8 MiB anyway.
const (
	maxPooled    = 32 << 10
	maxPoolBytes = 8 << 20
)

// maxPooledEvents is how many events the pool keeps: about the events in
// flight between the inputs, the merge and the engines. Each keeps its
// storage, so a larger pool held more memory the longer the input (8
// copies of the ECS corpus: peak RSS 388 MiB with 16,384, 323 MiB with
// 2,048); maxPoolBytes bounds what they keep.
const maxPooledEvents = 2048

// newBatch returns an empty batch.
func newBatch() []*event.Event { return batchPool.Get()[:0] }

func (s *stream) head() *event.Event { return s.batch[s.pos] }

type streamHeap []*stream

func (h streamHeap) Len() int { return len(h) }
func (h streamHeap) Less(i, j int) bool {
	a, b := h[i].head(), h[j].head()
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	if h[i].index != h[j].index {
		return h[i].index < h[j].index
	}
	return a.Pos < b.Pos
}
func (h streamHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)   { *h = append(*h, x.(*stream)) }
func (h *streamHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// keep applies the time filter.
func (m *merger) keep(ev *event.Event) bool {
	from, to := m.opt.From, m.opt.To
	if from == 0 && to == 0 {
		return true
	}
	if ev.Time == 0 {
		return false
	}
	return (from == 0 || ev.Time >= from) && (to == 0 || ev.Time < to)
}

// produce reads one input, puts it in order within its window and sends
// batches. It holds a worker token only while decoding and an open slot
// only while the input is open, never while waiting for the merge (unless
// nobody waits for a slot), so that inputs cannot deadlock one another.
func (m *merger) produce(ctx, abort context.Context, s *stream) {
	defer m.prog.Inputs.Add(1)
	// Wait for an open slot (Read counted the input as waiting).
	select {
	case m.slots <- struct{}{}:
		m.waiting.Add(-1)
	case <-abort.Done():
		m.waiting.Add(-1)
		return
	case <-ctx.Done():
		m.waiting.Add(-1)
		return
	}
	open := true
	release := func() {
		if open {
			open = false
			<-m.slots
		}
	}
	defer release()
	r, err := m.op.OpenContext(ctx, s.file.Path)
	if err != nil {
		m.prog.Failed.Add(1)
		m.report(err)
		return
	}
	// A regular file's records decode on several goroutines when there
	// are cores for them (not standard input or a FIFO, whose reads may
	// block for ever).
	decoders := 1
	if fi, err := os.Stat(s.file.Path); err == nil && fi.Mode().IsRegular() {
		decoders = m.opt.Decoders
	}
	src := input.Ahead(r, input.AheadOptions{Decoders: decoders, Worker: m.worker})
	closed := false
	closeInput := func() {
		if !closed {
			closed = true
			src.Close()
			release()
		}
	}
	defer closeInput()

	batch := newBatch()
	var spill [][]*event.Event // batches held while others wait for a slot
	aborted := false
	send := func() {
		if aborted {
			return
		}
		if len(batch) > 0 {
			spill = append(spill, batch)
			batch = newBatch()
		}
		if len(spill) == 1 {
			select {
			case s.out <- spill[0]:
				spill = spill[:0]
				return
			default:
			}
		}
		if open && m.waiting.Load() > 0 {
			// Blocking here while holding an open input could
			// deadlock the merge, which may be waiting for an input
			// that cannot open: hold the batches instead.
			return
		}
		for len(spill) > 0 {
			<-m.tokens // never wait for the merge while holding a token
			select {
			case s.out <- spill[0]:
				m.tokens <- struct{}{}
				spill = spill[1:]
			case <-abort.Done():
				m.tokens <- struct{}{}
				aborted = true
				return
			}
		}
		spill = nil
	}
	lateReported := false
	buf := NewBuffer(m.opt.Lateness, BufferOptions{
		Owned:       true,
		MaxBuffered: m.opt.MaxWindow,
		MaxBytes:    m.opt.MaxWindowBytes,
		Meter:       m.meter,
		OnLate: func(ev *event.Event, _ int64) {
			m.prog.Late.Add(1)
			if !lateReported {
				lateReported = true
				m.report(&input.RecordError{Path: s.file.Path, Pos: ev.Pos, Unit: r.Unit(), Err: fmt.Errorf(
					"event is older than events already passed on by more than the %s ordering window; such events are counted and passed on out of order", m.opt.Lateness)})
			}
		},
	})
	pass := func(ev *event.Event) {
		batch = append(batch, ev)
		if len(batch) >= m.batch {
			send()
		}
	}
	// Events are counted batchSize at a time: Progress's counters share
	// cache lines with those the decoders count on other cores.
	var counted int64
	defer func() { m.prog.Events.Add(counted) }()
	m.tokens <- struct{}{}
	for !aborted && ctx.Err() == nil {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				break // interrupted: not a fault of the input
			}
			var re *input.RecordError
			if errors.As(err, &re) && !re.Fatal && re.Pos > 0 {
				m.prog.BadRecords.Add(1)
				m.report(err)
				continue
			}
			m.prog.Failed.Add(1)
			m.report(err)
			break
		}
		if counted++; counted == batchSize {
			m.prog.Events.Add(counted)
			counted = 0
		}
		if !m.keep(ev) {
			m.prog.Filtered.Add(1)
			putEvent(ev)
			continue
		}
		buf.Push(ev, pass)
	}
	closeInput()
	buf.Flush(pass)
	m.prog.Overflow.Add(int64(buf.Stats().Forced))
	send()
	<-m.tokens
}

// worker is what each goroutine that decodes the events of an input
// uses (input.AheadOptions.Worker): a pool of its own (see localPool),
// and the judge (Options.Judge), on the decoders' goroutines when an
// input has several, so that judging spreads over the cores with
// decoding. An event the time filter drops is not judged (the rules'
// counters would count it), and one the judge has no further use for is
// passed on as a tick.
func (m *merger) worker() input.Worker {
	l := new(localPool)
	w := input.Worker{Get: l.getEvent, Put: l.putEvent, Done: l.flush}
	if m.opt.Judge == nil {
		return w
	}
	judge, done := m.opt.Judge()
	hold := m.opt.Delay == nil
	w.Each = func(ev *event.Event) *event.Event {
		if !m.keep(ev) || judge(ev) {
			return ev
		}
		return l.tick(ev, hold)
	}
	w.Done = func() {
		done()
		l.flush()
	}
	return w
}

// defaultMaxOpen is a quarter of the soft limit on open files (Go raises
// it to the hard limit at start), at least 16 and at most 4,096.
func defaultMaxOpen() int {
	return max(16, min(4096, openFileLimit()/4))
}
