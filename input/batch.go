package input

import (
	"context"
	"io"
	"runtime/pprof"
	"sync"

	"github.com/vigilsec/vigil/event"
)

// EventReader yields the events of one input in input order, each in an
// event of its own that the caller then holds (and hands back to the
// pool it came from).
type EventReader interface {
	// Next returns the next event, or nil and an error as Reader.Next
	// would return it.
	Next() (*event.Event, error)
	// Close stops reading and releases the input.
	Close() error
}

// AheadOptions configure Ahead.
type AheadOptions struct {
	// Decoders is how many goroutines decode the records of an input of
	// framed JSON documents (1 or less: none, the caller's decodes).
	Decoders int
	// Worker is called once by each goroutine that takes events (the
	// caller's included), before its first, and returns what that
	// goroutine takes its events from, and what it does with each (see
	// Worker). A goroutine of its own may keep a few events in hand
	// rather than go to a pool other cores share for every event.
	Worker func() Worker
}

// Worker is what one goroutine that decodes an input's events uses.
type Worker struct {
	// Get gives an event to decode into; Put takes back one decoded and
	// not passed on (it may come from another goroutine's Get).
	Get func() *event.Event
	Put func(*event.Event)
	// Each, if set, is given each event the goroutine decodes, once the
	// event's time and index are set, and returns the event to pass on
	// in ev's place: ev itself, or another (a tick standing for it, say),
	// having disposed of ev. It is how work on single events spreads
	// over the decoders (vigil hunt judges events there, see
	// order.Options.Judge): it must not depend on the order of the
	// events.
	Each func(ev *event.Event) *event.Event
	// Done, if set, is called when the goroutine is done.
	Done func()
}

// Ahead returns an EventReader over r that takes its events from
// opt.Worker's Get. When opt.Decoders > 1 and r reads framed JSON documents
// (NDJSON lines, the elements of an array), Decoders goroutines take
// turns to split the input into batches of records and each decodes the
// batch it split, ahead of the caller, and sets their times and indexes
// (each with index names of its own); the events, errors and their order
// are exactly those of r.Next, and what keeps per-input state in input
// order (time warnings) is still done on the caller's goroutine. Other
// readers are read one event at a time. Events decoded ahead and not
// taken go back through a Worker's Put. r must not be used afterwards except
// through the EventReader. For a stream that may block for ever
// (standard input, a FIFO) pass Decoders 1: Close waits for the
// decoders' reads.
func Ahead(r Reader, opt AheadOptions) EventReader {
	decoders := opt.Decoders
	jr, ok := r.(*jsonReader)
	if !ok || decoders < 2 {
		return &oneByOne{r: r, w: workerOf(opt.Worker)}
	}
	a := &ahead{r: jr, worker: opt.Worker, mine: workerOf(opt.Worker),
		order: make(chan *recBatch, 2*decoders),
		free:  make(chan *recBatch, 2*decoders),
		stop:  make(chan struct{}),
	}
	for range 2 * decoders {
		a.free <- &recBatch{done: make(chan struct{}, 1)}
	}
	a.wg.Add(decoders)
	for range decoders {
		dec := &jsonReader{o: jr.o, st: recordState{path: jr.st.path, unit: jr.st.unit}, index: jr.index}
		// Labelled for CPU profiles (vigil hunt --cpuprofile).
		go pprof.Do(context.Background(), pprof.Labels("stage", "decode"), func(context.Context) { a.decode(dec) })
	}
	return a
}

// worker is one goroutine's AheadOptions.Worker, made when it is first
// needed: a goroutine that decodes nothing costs nothing.
type worker struct {
	make func() Worker
	w    Worker
	made bool
}

func workerOf(f func() Worker) *worker { return &worker{make: f} }

// use makes the Worker if it is not made yet.
func (w *worker) use() *Worker {
	if !w.made {
		w.made = true
		if w.make != nil {
			w.w = w.make()
		}
		if w.w.Get == nil {
			w.w.Get = func() *event.Event { return new(event.Event) }
		}
		if w.w.Put == nil {
			w.w.Put = func(*event.Event) {}
		}
	}
	return &w.w
}

func (w *worker) get() *event.Event   { return w.use().Get() }
func (w *worker) put(ev *event.Event) { w.use().Put(ev) }

// apply is Each (nothing without it).
func (w *worker) apply(ev *event.Event) *event.Event {
	if each := w.use().Each; each != nil {
		return each(ev)
	}
	return ev
}

// end calls Done if the Worker was made.
func (w *worker) end() {
	if w.made && w.w.Done != nil {
		w.w.Done()
	}
	w.made, w.w = false, Worker{}
}

// oneByOne is Ahead's reader without goroutines.
type oneByOne struct {
	r Reader
	w *worker
}

func (o *oneByOne) Next() (*event.Event, error) {
	ev := o.w.get()
	ev.Recycle()
	if err := o.r.Next(ev); err != nil {
		o.w.put(ev)
		return nil, err
	}
	return o.w.apply(ev), nil
}

func (o *oneByOne) Close() error {
	o.w.end()
	return o.r.Close()
}

// Records a batch holds at most, and bytes.
const (
	batchRecords = 64
	batchBytes   = 256 << 10
)

// recBatch is a run of records split from the input, then decoded.
// The batch holds no copy of its own: a record read into a chunk (see
// chunks) is lent to its event (Event.Borrow) by the decoder that decodes
// it, while the batch holds the chunk, or copied there when the chunks do
// not lend (see jsonReader.lend); any other (an array's element, a line
// with invalid UTF-8 replaced) is copied into its event by split
// (Event.Own). The decoders then decode each record in place.
type recBatch struct {
	recs  [][]byte       // each record, owned by its event or lying in a chunk held
	from  []*event.Chunk // the chunk each record lies in, nil for one its event owns
	pos   []int64
	evs   []*event.Event // each record's event (nil when errs holds an error, or for a decoder to take)
	errs  []error        // each record's error (splitting or decoding)
	bad   []bool         // each record's time could not be read (see Opener.stamp)
	bytes int            // the records' total length
	done  chan struct{}  // the batch is decoded
	// held are the chunks records lie in, each with the batch's
	// reference (Chunk.Retain), the last one the current.
	held []*event.Chunk
}

// hold makes the batch hold c, which a record lies in, until it is
// recycled.
func (b *recBatch) hold(c *event.Chunk) {
	if n := len(b.held); n > 0 && b.held[n-1] == c {
		return
	}
	c.Retain()
	b.held = append(b.held, c)
}

// add appends a record: ev, taken from the pool, owns a copy of rec, or
// (nil ev) a decoder will take an event for rec, which lies in c, held
// (see hold).
func (b *recBatch) add(ev *event.Event, c *event.Chunk, rec []byte, pos int64, err error) {
	if ev != nil {
		ev.Recycle()
		rec = ev.Own(rec)
	}
	b.recs = append(b.recs, rec)
	b.from = append(b.from, c)
	b.pos = append(b.pos, pos)
	b.evs = append(b.evs, ev)
	b.errs = append(b.errs, err)
	b.bad = append(b.bad, false)
	b.bytes += len(rec)
}

// ahead is Ahead's reader of framed documents.
type ahead struct {
	r        *jsonReader
	worker   func() Worker  // AheadOptions.Worker
	mine     *worker        // the caller's goroutine's
	order    chan *recBatch // batches in input order, for Next
	free     chan *recBatch // batches to fill: bounds those in flight
	stop     chan struct{}
	splitMu  sync.Mutex // held to split a batch from r and pass it to order
	ended    bool       // the input is split to the end, or stopped: order is closed (splitMu)
	stopOnce sync.Once
	wg       sync.WaitGroup
	cur      *recBatch
	i        int
	closed   bool
}

// split frames the next batch of records and passes it, in input order,
// to Next; the caller decodes it. It returns nil once the input is split
// to the end or Close has stopped it. The decoders take turns to split,
// each then decoding the batch it split: a batch's records are still in
// the cache of the core that framed them (a splitting goroutine of its
// own handed every batch over to another core, and cost the decoders a
// cache miss on every line of the input), and no goroutine wakes up
// another to decode.
func (a *ahead) split(w *worker) *recBatch {
	a.splitMu.Lock()
	defer a.splitMu.Unlock()
	for !a.ended {
		var b *recBatch
		select {
		case <-a.stop:
			a.end()
			return nil
		default:
		}
		select {
		case b = <-a.free:
		case <-a.stop:
			a.end()
			return nil
		}
		eof := false
		for len(b.recs) < batchRecords && b.bytes < batchBytes {
			rec, pos, err := a.r.frame()
			if err == io.EOF {
				eof = true
				break
			}
			if err == nil {
				if c := a.r.lines.chunkOf(rec); c != nil {
					b.hold(c)
					b.add(nil, c, rec, pos, nil)
					continue
				}
				b.add(w.get(), nil, rec, pos, nil)
				continue
			}
			b.add(nil, nil, rec, pos, err)
		}
		if len(b.recs) > 0 {
			a.order <- b // never blocks: order holds every batch in flight
		} else {
			a.free <- b
			b = nil
		}
		if eof {
			a.end()
		}
		if b != nil {
			return b
		}
	}
	return nil
}

// end closes order: nothing more is split. splitMu is held.
func (a *ahead) end() {
	if !a.ended {
		a.ended = true
		close(a.order)
	}
}

// decode splits batches and decodes them with dec, its own reader state,
// and sets the events' times and indexes. An event whose time cannot be
// read is left to Next, which reports it in input order before Then sees
// it.
func (a *ahead) decode(dec *jsonReader) {
	defer a.wg.Done()
	w := workerOf(a.worker)
	defer w.end()
	for b := a.split(w); b != nil; b = a.split(w) {
		for i, ev := range b.evs {
			if ev == nil {
				if b.errs[i] != nil {
					continue // a record split could not frame
				}
				ev = w.get()
				ev.Recycle()
				b.recs[i] = dec.lend(ev, b.from[i], b.recs[i])
				b.evs[i] = ev
			}
			if err := dec.decodeDoc(b.recs[i], ev, b.pos[i]); err != nil {
				w.put(ev)
				b.evs[i], b.errs[i] = nil, err
				continue
			}
			if dec.o.stamp(ev, &dec.st.names) {
				b.bad[i] = true
				continue
			}
			b.evs[i] = w.apply(ev)
		}
		b.done <- struct{}{}
	}
}

func (a *ahead) Next() (*event.Event, error) {
	for {
		if a.closed {
			return nil, io.EOF
		}
		if b := a.cur; b != nil {
			if a.i < len(b.recs) {
				i := a.i
				a.i++
				ev, err := b.evs[i], b.errs[i]
				b.evs[i] = nil
				if err != nil {
					return nil, err
				}
				if b.bad[i] {
					a.r.o.badTime(ev, &a.r.st)
					ev = a.mine.apply(ev)
				}
				return ev, nil
			}
			a.recycle(b)
			a.cur = nil
		}
		b, ok := <-a.order
		if !ok {
			return nil, io.EOF
		}
		<-b.done
		a.cur, a.i = b, 0
	}
}

// recycle empties a batch, handing back its events not taken, for
// split to fill again.
func (a *ahead) recycle(b *recBatch) {
	for i, ev := range b.evs {
		if ev != nil {
			a.mine.put(ev)
			b.evs[i] = nil
		}
	}
	clear(b.errs)
	clear(b.recs)
	clear(b.from)
	for _, c := range b.held {
		c.Release()
	}
	clear(b.held)
	b.held = b.held[:0]
	b.recs, b.from, b.pos, b.evs, b.errs, b.bad, b.bytes = b.recs[:0], b.from[:0], b.pos[:0], b.evs[:0], b.errs[:0], b.bad[:0], 0
	a.free <- b
}

// Close stops the goroutines, hands back the events decoded ahead, and
// closes the input.
func (a *ahead) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	close(a.stop)
	// Drain what is in flight so that the decoders end.
	if a.cur != nil {
		a.recycle(a.cur)
		a.cur = nil
	}
	for b := range a.order {
		<-b.done
		a.recycle(b)
	}
	a.wg.Wait()
	a.mine.end()
	return a.r.Close()
}
