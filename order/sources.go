package order

import (
	"container/heap"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
)

// Sources puts the events of many sources into one time order (vigil
// serve: many hosts sending at once). A source is
// a host (host.id, else host.name, else agent.id, else the index the
// events were sent to). Each source may send its events up to the
// lateness out of order against its own newest event; an event is
// evaluated once every active source has sent an event more than the
// lateness newer (or as much wall-clock time has passed since it last
// sent), so one host's delay holds the others back only while it keeps
// sending. A source that sent nothing for the idle timeout stops holding
// anyone back. An event older than one already evaluated is late:
// it is evaluated at once (out of order) and counted against its source.
// Buffered events are bounded: past max the oldest is evaluated early.
type Sources struct {
	lateness int64
	idle     time.Duration
	max      int
	slots    [3]int // host.id, host.name, agent.id
	byKey    map[string]*source
	active   activeHeap // sources not yet found idle, by their watermark
	newest   int64      // the newest event time seen
	buf      sourceHeap
	seq      uint64
	released int64 // time of the last event evaluated in order

	Forced int64 // events evaluated before their time because max was reached
}

// source is one sender's progress.
type source struct {
	key         string
	maxSeen     int64
	lastArrival time.Time
	late        int64
	// base is the source's watermark less the wall clock (maxSeen less
	// its arrival time): fixed while it sends nothing, so the sources
	// are kept in a heap by it.
	base int64
	pos  int // index in active; -1 when not there
}

// maxSources bounds the sources remembered; the quietest go first.
const maxSources = 100_000

// NewSources orders events of many sources with lateness per source;
// sources quiet for idle hold no one back; at most max events wait.
func NewSources(s *event.Schema, lateness, idle time.Duration, max int) *Sources {
	return &Sources{lateness: int64(lateness), idle: idle, max: max, byKey: map[string]*source{}, released: math.MinInt64,
		newest: math.MinInt64, slots: [3]int{s.Slot("host.id"), s.Slot("host.name"), s.Slot("agent.id")}}
}

// keyOf names an event's source.
func (ss *Sources) keyOf(ev *event.Event) string {
	for _, slot := range ss.slots {
		if v := ev.Get(slot); v.Kind() == event.KindString && v.Str() != "" {
			return v.Str()
		}
	}
	return ev.Index
}

// Push takes an event that arrived at now; late events and those the
// bound pushes out go to out at once.
func (ss *Sources) Push(ev *event.Event, now time.Time, out func(*event.Event), late func()) {
	src := ss.note(ev, now)
	if ev.Time < ss.released {
		src.late++
		late()
		out(ev)
		return
	}
	ss.seq++
	heap.Push(&ss.buf, queued{ev: ev, seq: ss.seq})
	for ss.buf.Len() > ss.max {
		ss.Forced++
		ss.pop(out)
	}
}

// SetMax changes the bound on buffered events (vigil serve bounds their
// memory too: it lowers the count as events grow); past it the next Push
// evaluates the oldest early.
func (ss *Sources) SetMax(max int) { ss.max = max }

// Observe takes an event that arrived at now and that need not be put in
// order (no rule downstream can use it): it moves its source's event time
// on as Push would, without holding the event. It reports whether the
// event is late (and counts it against its source).
func (ss *Sources) Observe(ev *event.Event, now time.Time) (late bool) {
	src := ss.note(ev, now)
	if ev.Time < ss.released {
		src.late++
		return true
	}
	return false
}

// note records that ev's source sent it at now.
func (ss *Sources) note(ev *event.Event, now time.Time) *source {
	key := ss.keyOf(ev)
	src := ss.byKey[key]
	if src == nil {
		if len(ss.byKey) >= maxSources {
			ss.Forget(now, true)
		}
		// The key points into the event, which is reused: keep a copy.
		key = strings.Clone(key)
		src = &source{key: key, maxSeen: math.MinInt64, pos: -1}
		ss.byKey[key] = src
	}
	src.maxSeen = max(src.maxSeen, ev.Time)
	src.lastArrival = now
	src.base = src.maxSeen - now.UnixNano()
	ss.newest = max(ss.newest, src.maxSeen)
	if src.pos < 0 {
		heap.Push(&ss.active, src)
	} else {
		heap.Fix(&ss.active, src.pos)
	}
	return src
}

// Watermark is the time up to which no source can still send an event in
// order. A source's own watermark is its newest event time less the
// lateness, moved on by the wall-clock time since it last sent: event time
// goes on while a host is quiet, so one that sent a single event holds the
// others back for the lateness, not for the idle timeout. Sources quiet
// for the idle timeout do not count; with none left it is the newest time
// seen.
func (ss *Sources) Watermark(now time.Time) int64 {
	// The source with the least base holds the watermark unless it has
	// gone idle; idle sources leave the heap until they send again. Each
	// call costs O(log n) per source found idle, not O(n).
	for ss.active.Len() > 0 {
		src := ss.active[0]
		quiet := now.Sub(src.lastArrival)
		if quiet >= ss.idle {
			heap.Pop(&ss.active)
			continue
		}
		return src.maxSeen - ss.lateness + int64(max(quiet, 0))
	}
	return ss.newest
}

// Release evaluates the buffered events up to the watermark and returns
// the watermark.
func (ss *Sources) Release(now time.Time, out func(*event.Event)) int64 {
	w := ss.Watermark(now)
	for ss.buf.Len() > 0 && ss.buf[0].ev.Time <= w {
		ss.pop(out)
	}
	return w
}

// Len returns the number of events buffered.
func (ss *Sources) Len() int { return ss.buf.Len() }

// Flush evaluates every buffered event.
func (ss *Sources) Flush(out func(*event.Event)) {
	for ss.buf.Len() > 0 {
		ss.pop(out)
	}
}

func (ss *Sources) pop(out func(*event.Event)) {
	q := heap.Pop(&ss.buf).(queued)
	ss.released = max(ss.released, q.ev.Time)
	out(q.ev)
}

// Forget drops sources quiet for ten idle timeouts (or, with all, the
// quietest tenth when the table is full).
func (ss *Sources) Forget(now time.Time, full bool) {
	if full {
		all := make([]*source, 0, len(ss.byKey))
		for _, s := range ss.byKey {
			all = append(all, s)
		}
		slices.SortFunc(all, func(a, b *source) int { return a.lastArrival.Compare(b.lastArrival) })
		for _, s := range all[:len(all)/10+1] {
			ss.drop(s)
		}
		return
	}
	for _, s := range ss.byKey {
		if now.Sub(s.lastArrival) > 10*ss.idle {
			ss.drop(s)
		}
	}
}

// drop forgets a source.
func (ss *Sources) drop(s *source) {
	delete(ss.byKey, s.key)
	if s.pos >= 0 {
		heap.Remove(&ss.active, s.pos)
	}
}

// SourceStat is one source's progress.
type SourceStat struct {
	Source      string  `json:"source"`
	Watermark   string  `json:"watermark"`
	LagSeconds  float64 `json:"lag_seconds"`
	Late        int64   `json:"late"`
	LastArrival string  `json:"last_arrival"`
}

// Stats lists the n sources whose event time lags the wall clock most.
func (ss *Sources) Stats(now time.Time, n int) []SourceStat {
	all := make([]*source, 0, len(ss.byKey))
	for _, s := range ss.byKey {
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b *source) int { return int(min(max(a.maxSeen-b.maxSeen, -1), 1)) })
	out := make([]SourceStat, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		wm := time.Unix(0, s.maxSeen-ss.lateness).UTC()
		out = append(out, SourceStat{Source: s.key, Watermark: wm.Format(time.RFC3339Nano), LagSeconds: now.Sub(wm).Seconds(),
			Late: s.late, LastArrival: s.lastArrival.UTC().Format(time.RFC3339Nano)})
	}
	return out
}

// queued is a buffered event and its arrival number (ties keep arrival
// order).
type queued struct {
	ev  *event.Event
	seq uint64
}

type sourceHeap []queued

func (h sourceHeap) Len() int { return len(h) }
func (h sourceHeap) Less(i, j int) bool {
	if h[i].ev.Time != h[j].ev.Time {
		return h[i].ev.Time < h[j].ev.Time
	}
	return h[i].seq < h[j].seq
}
func (h sourceHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sourceHeap) Push(x any)   { *h = append(*h, x.(queued)) }
func (h *sourceHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = queued{}
	*h = old[:len(old)-1]
	return x
}

// activeHeap orders sources by base (see source), keeping each one's
// index so a source that sends again is moved, not added twice.
type activeHeap []*source

func (h activeHeap) Len() int           { return len(h) }
func (h activeHeap) Less(i, j int) bool { return h[i].base < h[j].base }
func (h activeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *activeHeap) Push(x any) {
	s := x.(*source)
	s.pos = len(*h)
	*h = append(*h, s)
}
func (h *activeHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	s.pos = -1
	*h = old[:len(old)-1]
	return s
}
