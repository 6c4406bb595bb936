package source

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
)

// Progress counts reading as it happens; a progress display may read it
// from another goroutine.
type Progress struct {
	Inputs     atomic.Int64 // inputs finished
	Failed     atomic.Int64 // inputs that could not be opened
	Bytes      atomic.Int64 // bytes read from inputs (compressed size for .gz; EVTX counts at the end of a file)
	Events     atomic.Int64 // events decoded (before the time filter)
	BadRecords atomic.Int64 // records that could not be read
	Filtered   atomic.Int64 // events outside --from/--to
	Late       atomic.Int64 // events older than their input had already released
	Overflow   atomic.Int64 // events released early because a window was full
}

// windowBudget is the number of events all inputs together hold for
// reordering by default.
const windowBudget = 1 << 16

// batchSize is how many events travel between goroutines at once.
const batchSize = 256

// inFlight is how many batches an input may have ready ahead of the merge.
const inFlight = 4

// Read reads the inputs and calls fn with every event in time order
// (ties: input order, then position). fn must not keep ev: Clone it. A
// record that cannot be read is passed to onErr and reading goes on; an
// input that cannot be opened is passed to onErr and skipped. Read stops
// early when ctx is done or fn returns an error.
func Read(ctx context.Context, inputs []Input, opt Options, prog *Progress, onErr func(error), fn func(*event.Event) error) error {
	if prog == nil {
		prog = new(Progress)
	}
	if opt.MaxWindow <= 0 {
		opt.MaxWindow = max(1024, windowBudget/max(len(inputs), 1))
	}
	c := newConfig(opt)
	// Batches shrink when there are many inputs, so that the events in
	// flight between inputs and the merge stay near 8,192 in all.
	c.batch = max(16, min(batchSize, 8192/(inFlight*max(len(inputs), 1))))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errMu sync.Mutex
	report := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if onErr != nil {
			onErr(err)
		}
	}
	tokens := make(chan struct{}, c.opt.Workers)
	streams := make([]*stream, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		s := &stream{index: i, in: in, out: make(chan []*event.Event, inFlight)}
		streams[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(s.out)
			c.produce(ctx, s, tokens, prog, report)
		}()
	}
	defer wg.Wait()
	defer cancel()

	h := &streamHeap{}
	for _, s := range streams {
		if s.fill(ctx) {
			heap.Push(h, s)
		}
	}
	for h.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := (*h)[0]
		ev := s.batch[s.pos]
		if err := fn(ev); err != nil {
			return err
		}
		s.pos++
		if s.pos == len(s.batch) {
			s.recycle()
			if !s.fill(ctx) {
				heap.Pop(h)
				continue
			}
		}
		heap.Fix(h, 0)
	}
	return ctx.Err()
}

// stream is one input as the merge sees it.
type stream struct {
	index int
	in    Input
	out   chan []*event.Event
	batch []*event.Event
	pos   int
}

// fill waits for the stream's next batch; false when the stream is done.
func (s *stream) fill(ctx context.Context) bool {
	select {
	case b, ok := <-s.out:
		if !ok {
			return false
		}
		s.batch, s.pos = b, 0
		return true
	case <-ctx.Done():
		return false
	}
}

// recycle hands the events of a consumed batch, and the batch, back to
// the pools every input draws from: an input that has finished lends its
// events to the others.
func (s *stream) recycle() {
	for i, ev := range s.batch {
		eventPool.Put(ev)
		s.batch[i] = nil
	}
	batchPool.Put(s.batch[:0])
	s.batch = nil
}

// The pools are free lists rather than sync.Pools: events keep large
// buffers (their document, the strings they own), and a sync.Pool would
// drop them at every garbage collection, which those very buffers cause.
var (
	eventPool = freeList[*event.Event]{c: make(chan *event.Event, 1<<16), new: func() *event.Event { return new(event.Event) }}
	batchPool = freeList[[]*event.Event]{c: make(chan []*event.Event, 1<<10), new: func() []*event.Event { return make([]*event.Event, 0, batchSize) }}
)

// freeList is a bounded list of things to reuse.
type freeList[T any] struct {
	c   chan T
	new func() T
}

func (f *freeList[T]) Get() T {
	select {
	case x := <-f.c:
		return x
	default:
		return f.new()
	}
}

func (f *freeList[T]) Put(x T) {
	select {
	case f.c <- x:
	default:
	}
}

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

// produce reads one input, reorders it within the window and sends
// batches. It holds a worker token only while decoding, never while
// waiting for the merge, so inputs cannot deadlock one another.
func (c *config) produce(ctx context.Context, s *stream, tokens chan struct{}, prog *Progress, report func(error)) {
	defer prog.Inputs.Add(1)
	var r reader
	var err error
	switch s.in.Format {
	case EVTX:
		if c.opt.OpenEVTX == nil {
			prog.Failed.Add(1)
			report(&RecordError{Path: s.in.Path, Err: errors.New("EVTX input is not supported by this command")})
			return
		}
		var dr DocReader
		dr, err = c.opt.OpenEVTX(s.in.Path)
		if err == nil {
			r = &docReader{c: c, path: s.in.Path, dr: dr}
		}
	default:
		r, err = openNDJSON(c, s.in, &prog.Bytes)
	}
	if err != nil {
		prog.Failed.Add(1)
		if strings.HasPrefix(err.Error(), s.in.Path+":") {
			report(err) // already names the file
		} else {
			report(&RecordError{Path: s.in.Path, Err: err})
		}
		return
	}
	defer r.close()
	if s.in.Format == EVTX {
		defer prog.Bytes.Add(s.in.Size)
	}

	w := window{}
	lateReported := false
	var released int64 = -1 << 63
	batch := newBatch()
	send := func() bool {
		if len(batch) == 0 {
			return true
		}
		<-tokens // never wait for the merge while holding a token
		select {
		case s.out <- batch:
		case <-ctx.Done():
			tokens <- struct{}{}
			return false
		}
		tokens <- struct{}{}
		batch = newBatch()
		return true
	}
	release := func(ev *event.Event) bool {
		released = ev.Time
		batch = append(batch, ev)
		if len(batch) == c.batch {
			return send()
		}
		return true
	}
	tokens <- struct{}{}
	defer func() { <-tokens }()
	lateness := int64(c.opt.Lateness)
	for {
		if ctx.Err() != nil {
			return
		}
		ev := eventPool.Get()
		ev.Recycle()
		err := r.next(ev)
		if err == io.EOF {
			break
		}
		if err != nil {
			prog.BadRecords.Add(1)
			report(err)
			var re *RecordError
			if !errors.As(err, &re) || re.Pos == 0 {
				break
			}
			eventPool.Put(ev)
			continue
		}
		prog.Events.Add(1)
		if !c.keep(ev) {
			prog.Filtered.Add(1)
			eventPool.Put(ev)
			continue
		}
		if ev.Time < released {
			prog.Late.Add(1)
			if !lateReported {
				lateReported = true
				report(&RecordError{Path: s.in.Path, Pos: ev.Pos, Unit: unitOf(s.in), Err: fmt.Errorf(
					"event is older than events already passed on by more than the %s ordering window; such events are counted and passed on out of order", c.opt.Lateness)})
			}
		}
		w.push(ev)
		for w.Len() > 0 && (w.top().Time < ev.Time-lateness || w.Len() > c.opt.MaxWindow) {
			if w.Len() > c.opt.MaxWindow {
				prog.Overflow.Add(1)
			}
			if !release(w.pop()) {
				return
			}
		}
	}
	for w.Len() > 0 {
		if !release(w.pop()) {
			return
		}
	}
	send()
}

func unitOf(in Input) string {
	if in.Format == EVTX {
		return "record"
	}
	return "line"
}

// window is a min-heap of events by (time, position).
type window []*event.Event

func (w window) Len() int { return len(w) }
func (w window) Less(i, j int) bool {
	if w[i].Time != w[j].Time {
		return w[i].Time < w[j].Time
	}
	return w[i].Pos < w[j].Pos
}
func (w window) Swap(i, j int)         { w[i], w[j] = w[j], w[i] }
func (w *window) Push(x any)           { *w = append(*w, x.(*event.Event)) }
func (w *window) Pop() any             { old := *w; x := old[len(old)-1]; *w = old[:len(old)-1]; return x }
func (w *window) push(ev *event.Event) { heap.Push(w, ev) }
func (w *window) pop() *event.Event    { return heap.Pop(w).(*event.Event) }
func (w window) top() *event.Event     { return w[0] }
