package order

import (
	"cmp"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vigilsec/vigil/event"
)

// BufferOptions configure a Buffer.
type BufferOptions struct {
	// Tiebreaker returns the value that orders events with the same time
	// (Elasticsearch's tiebreaker_field); nil means none. Numbers compare
	// numerically, strings lexically; events without a value come after
	// those with one, as in Elasticsearch.
	Tiebreaker func(*event.Event) event.Value
	// MaxBuffered caps the events held. When it is reached the oldest is
	// released before its time and counted as forced. 0 means
	// DefaultMaxBuffered.
	MaxBuffered int
	// MaxBytes, if set, caps the size of the events held likewise
	// (event.Event.Size plus a fixed cost per event).
	MaxBytes int64
	// Meter, if set, counts the events held, with other buffers sharing
	// it.
	Meter *Meter
	// DropLate drops events that arrive too late to be put in order
	// instead of passing them on out of order. Either way they are counted
	// and reported to OnLate.
	DropLate bool
	// OnLate, if set, is called with each event that arrived too late and
	// the watermark it missed.
	OnLate func(ev *event.Event, watermark int64)
	// Owned says the caller does not reuse the events it pushes, so they
	// need not be cloned.
	Owned bool
	// Delay, if set, returns how far to hold an event back in the order:
	// the event sorts as if its time were Time+Delay (its Time does not
	// change). It is for sources whose timestamps run early: Sysmon logs
	// some network connections (event 3) up to ~2 s before the start of
	// the process that made them, so delaying them by 2 s lets
	// `[process] -> [network]` match, which strict time order (and
	// Elasticsearch) would miss. Delays must not be negative; MaxDelay
	// bounds them.
	Delay func(*event.Event) time.Duration
	// MaxDelay is the largest delay Delay returns; larger ones are cut to
	// it. The watermark stays MaxDelay behind, so that it still bounds
	// the Time of events to come.
	MaxDelay time.Duration
}

// noTime marks the absence of a time.
const noTime = math.MinInt64

// DefaultMaxBuffered is the default cap on the events a Buffer holds.
const DefaultMaxBuffered = 1_000_000

// BufferStats are a Buffer's counters.
type BufferStats struct {
	Buffered  int    // events held now
	Released  uint64 // events released in order
	Late      uint64 // events that arrived after a later event had been released
	Dropped   uint64 // late events dropped (DropLate)
	Forced    uint64 // events released early because MaxBuffered was reached
	MaxSeen   int64  // latest event time seen (ns), plus its delay
	Watermark int64  // MaxSeen - lateness - MaxDelay
}

// Buffer puts events that arrive slightly out of order back in order of
// time, tiebreaker and arrival (ev.Seq, then the order of Push). It holds
// each event until an event more than the lateness newer has been seen,
// so an event may arrive up to the lateness late and still take its place
// (Sysmon, for one, can log a network connection with a time up to ~2 s
// before the start of the process that made it).
//
// An event that arrives after a later one has already been released cannot
// be put in order. It is counted as late and reported to OnLate, then
// passed on at once, out of order (a sequence can still use it: partial
// sequences waiting for it are found), or dropped if DropLate is set.
//
// Released events belong to the receiver; a Matcher can keep them without
// copying (Options.Owned).
type Buffer struct {
	lateness int64
	maxDelay int64
	opt      BufferOptions
	h        []item // min-heap by ordinal
	arrival  uint64
	bytes    int64 // held, see MaxBytes
	maxSeen  int64
	released bool
	// The last event released: its sort time, tiebreaker (strings copied
	// to tbBuf, as the event is no longer ours), Seq and arrival.
	lastT   int64
	lastTB  event.Value
	tbBuf   []byte
	lastSeq uint64
	lastArr uint64
	stats   BufferStats
}

// item is a buffered event. It is small so that the heap moves little,
// and it holds what orders it but the tiebreaker, so that comparing two
// items need not read their events (a cache miss each, in a heap larger
// than the cache); the tiebreaker is read from the event only when times
// are equal. It holds the event's size too, so that releasing the event
// does not read it either: on two cores it was decoded on the other, and
// it has waited in the window long enough to leave the cache.
type item struct {
	t    int64  // sort time: Time plus any delay
	seq  uint64 // ev.Seq
	arr  uint64
	size int64 // size(ev), charged while the event is held
	ev   *event.Event
}

// NewBuffer returns an event-time buffer that accepts events up to lateness
// late.
func NewBuffer(lateness time.Duration, opt BufferOptions) *Buffer {
	if lateness < 0 {
		lateness = 0
	}
	if opt.MaxBuffered <= 0 {
		opt.MaxBuffered = DefaultMaxBuffered
	}
	r := &Buffer{lateness: int64(lateness), opt: opt, maxSeen: noTime}
	if opt.Delay != nil && opt.MaxDelay > 0 {
		r.maxDelay = int64(opt.MaxDelay)
	}
	return r
}

// Watermark returns a time before which no event will be released in
// order any more: the newest time seen less the lateness (and MaxDelay).
// It is what a Matcher's or an engine's Advance takes. Before the first event it is
// math.MinInt64.
func (r *Buffer) Watermark() int64 {
	return r.due() - r.maxDelay
}

// due returns the sort time below which buffered events are released.
func (r *Buffer) due() int64 {
	// maxSeen - lateness - maxDelay, saturating at math.MinInt64.
	if r.maxSeen == noTime || uint64(r.maxSeen)-(1<<63) < uint64(r.lateness)+uint64(r.maxDelay) {
		return math.MinInt64 + r.maxDelay
	}
	return r.maxSeen - r.lateness
}

// Push adds an event and passes to out the events that are now due, in
// order.
func (r *Buffer) Push(ev *event.Event, out func(*event.Event)) {
	own := ev
	if !r.opt.Owned {
		own = ev.Clone()
	}
	it := item{ev: own, t: own.Time, seq: own.Seq, arr: r.arrival, size: size(own)}
	if r.maxDelay > 0 {
		if d := min(int64(r.opt.Delay(own)), r.maxDelay); d > 0 {
			it.t += d
		}
	}
	r.arrival++
	if r.released && r.beforeLast(&it) {
		r.stats.Late++
		if r.opt.OnLate != nil {
			r.opt.OnLate(own, r.Watermark())
		}
		if r.opt.DropLate {
			r.stats.Dropped++
			return
		}
		out(own)
		return
	}
	if it.t > r.maxSeen {
		r.maxSeen = it.t
	}
	r.push(it)
	due := r.due()
	for len(r.h) > 0 && r.h[0].t < due {
		r.pop(out)
	}
	for r.over() {
		r.stats.Forced++
		r.pop(out)
	}
}

// Flush releases every event held, in order.
func (r *Buffer) Flush(out func(*event.Event)) {
	for len(r.h) > 0 {
		r.pop(out)
	}
}

// Stats returns the counters.
func (r *Buffer) Stats() BufferStats {
	s := r.stats
	s.Buffered = len(r.h)
	s.MaxSeen = r.maxSeen
	s.Watermark = r.Watermark()
	return s
}

func (r *Buffer) pop(out func(*event.Event)) {
	it := r.h[0]
	r.charge(-1, -it.size)
	n := len(r.h) - 1
	r.h[0] = r.h[n]
	r.h[n] = item{}
	r.h = r.h[:n]
	r.down(0)
	r.released = true
	r.lastT, r.lastSeq, r.lastArr = it.t, it.seq, it.arr
	if r.opt.Tiebreaker != nil {
		v := r.opt.Tiebreaker(it.ev)
		if v.Kind() == event.KindArray {
			v = first(v)
		}
		if v.Kind() == event.KindString {
			r.tbBuf = append(r.tbBuf[:0], v.Str()...)
			v = event.Str(unsafe.String(unsafe.SliceData(r.tbBuf), len(r.tbBuf)))
		}
		r.lastTB = v
	}
	r.stats.Released++
	out(it.ev)
}

// beforeLast reports whether an arriving event sorts before the last one
// released.
func (r *Buffer) beforeLast(it *item) bool {
	if it.t != r.lastT {
		return it.t < r.lastT
	}
	if r.opt.Tiebreaker != nil {
		if c := CompareTiebreakers(r.opt.Tiebreaker(it.ev), r.lastTB); c != 0 {
			return c < 0
		}
	}
	if it.seq != r.lastSeq {
		return it.seq < r.lastSeq
	}
	return it.arr < r.lastArr
}

// size is what an event held costs, for MaxBytes: its decoded size (not
// its storage, which depends on what the event held before) and a fixed
// cost, so that a buffer's limits decide the same way in every run.
func size(ev *event.Event) int64 {
	if ev.Verdict.Tick {
		return int64(ev.Verdict.Size) + 1024 // the event it stands for
	}
	return int64(ev.Size()) + 1024
}

// Meter counts the events that several buffers hold together (Read's
// inputs share one) and the most at once. It limits nothing: a limit
// shared by buffers filled in parallel would release events early
// depending on which goroutine ran first, and so would make the order of
// the stream, and what is late in it, depend on timing. It is safe for
// concurrent use.
type Meter struct {
	held, peak atomic.Int64
}

// Peak returns the most events held at once.
func (m *Meter) Peak() int64 { return m.peak.Load() }

// over reports whether the buffer holds more than it may.
func (r *Buffer) over() bool {
	n := len(r.h)
	switch {
	case n > r.opt.MaxBuffered:
		return true
	case n <= 1:
		return false
	}
	return r.opt.MaxBytes > 0 && r.bytes > r.opt.MaxBytes
}

// charge counts events coming in (n > 0) or going out of the buffer.
func (r *Buffer) charge(n, bytes int64) {
	r.bytes += bytes
	if m := r.opt.Meter; m != nil {
		held := m.held.Add(n)
		for p := m.peak.Load(); held > p && !m.peak.CompareAndSwap(p, held); p = m.peak.Load() {
		}
	}
}

func (r *Buffer) push(it item) {
	r.charge(1, it.size)
	r.h = append(r.h, it)
	i := len(r.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !r.less(&r.h[i], &r.h[p]) {
			break
		}
		r.h[i], r.h[p] = r.h[p], r.h[i]
		i = p
	}
}

func (r *Buffer) down(i int) {
	n := len(r.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if l+1 < n && r.less(&r.h[l+1], &r.h[l]) {
			c = l + 1
		}
		if !r.less(&r.h[c], &r.h[i]) {
			return
		}
		r.h[i], r.h[c] = r.h[c], r.h[i]
		i = c
	}
}

// less orders items by time, tiebreaker, ev.Seq and arrival.
func (r *Buffer) less(a, b *item) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if r.opt.Tiebreaker != nil {
		if c := CompareTiebreakers(r.opt.Tiebreaker(a.ev), r.opt.Tiebreaker(b.ev)); c != 0 {
			return c < 0
		}
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return a.arr < b.arr
}

// CompareTiebreakers orders tiebreaker values as Elasticsearch does: numbers numerically,
// strings lexically, booleans false first; a missing or null value comes
// last. For an array the first element counts.
func CompareTiebreakers(a, b event.Value) int {
	if a.Kind() == event.KindArray {
		a = first(a)
	}
	if b.Kind() == event.KindArray {
		b = first(b)
	}
	an, bn := a.IsNull() || a.Kind() == event.KindObject, b.IsNull() || b.Kind() == event.KindObject
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return CompareValues(a, b)
}

// CompareValues orders values as Elasticsearch orders sort and composite
// keys: missing or null first, then booleans (false before true), numbers
// by value, strings byte-wise.
func CompareValues(a, b event.Value) int {
	ra, rb := kindRank(a), kindRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case 1:
		return cmp.Compare(a.Int(), b.Int())
	case 2:
		if a.Kind() == event.KindInt && b.Kind() == event.KindInt {
			return cmp.Compare(a.Int(), b.Int())
		}
		x, y := a.Float(), b.Float()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case 3:
		return strings.Compare(a.Str(), b.Str())
	}
	return 0
}

func kindRank(v event.Value) int {
	switch v.Kind() {
	case event.KindBool:
		return 1
	case event.KindInt, event.KindFloat:
		return 2
	case event.KindString:
		return 3
	}
	return 0
}

func first(v event.Value) event.Value {
	if a := v.Array(); len(a) > 0 {
		return a[0]
	}
	return event.Value{}
}
