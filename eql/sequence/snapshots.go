package sequence

import "github.com/vigilsec/vigil/event"

// Snapshots makes the copies matchers keep of the events of their partial
// sequences (Options.Retain): snapshots (event.Event.SnapshotTo), a copy
// of the raw document without values, shared by every matcher that keeps
// the same event, and recycled once no matcher holds them. Recycling
// matters as much as the copy being small: a hunt keeps a snapshot of a
// large share of its events for a while (every process start, for some
// rules), and fresh memory costs far more than reused memory.
//
// Snapshots in use are found by asking every matcher what it holds
// (Matcher.Retained), once as many snapshots have been made since the last
// time as were then found in use (at least sweepMin), so that the search
// costs a constant per snapshot made. Results hold snapshots: restore them
// (event.Schema.Restore) as they leave a matcher, so that nothing else
// holds them.
//
// The zero value is ready; it is not safe for concurrent use.
type Snapshots struct {
	free  []*event.Event // snapshots no longer in use
	live  []*event.Event // snapshots handed out and not yet found unused
	next  int            // the size of live at which to look for unused ones
	marks map[*event.Event]struct{}

	// Clones makes Retain return clones, recycled by the garbage collector
	// (for tests comparing the two).
	Clones bool
	Made   int64 // snapshots made, and
	Reused int64 // made in recycled memory

	// The snapshot of the event being pushed, shared by the matchers that
	// keep it (see Next).
	gen, srcGen uint64
	src, last   *event.Event
}

// sweepMin is the fewest snapshots made between sweeps. Between two
// sweeps the snapshots made and the free ones together stay about this
// many, each with storage up to maxFreeRaw, per engine: with 4,096 that
// was ~18 MB an engine once a long input had grown them, against a few
// dozen snapshots in use, and peak RSS over 8 copies of the ECS corpus
// was 1.35x that over one; with 512 a sweep (a walk of the matchers) is
// still too rare to show in a CPU profile of a hunt.
const sweepMin = 512

// maxFreeRaw is the largest document storage a recycled snapshot keeps.
const maxFreeRaw = 8 << 10

// Next tells the store a new event is about to be pushed: the matchers
// that keep the current one share one snapshot until Next is called again.
func (st *Snapshots) Next() { st.gen++ }

// Retain returns the copy of ev a matcher keeps; pass it as Options.Retain.
func (st *Snapshots) Retain(ev *event.Event) *event.Event {
	if st.Clones {
		return ev.Clone()
	}
	if st.srcGen == st.gen && st.src == ev && st.last.Time == ev.Time && st.last.Index == ev.Index {
		return st.last
	}
	var s *event.Event
	if n := len(st.free); n > 0 {
		s = st.free[n-1]
		st.free[n-1] = nil
		st.free = st.free[:n-1]
	}
	out := ev.SnapshotTo(s)
	if out.IsSnapshot() {
		st.live = append(st.live, out)
		st.Made++
		if s != nil {
			st.Reused++
		}
	} else if s != nil {
		st.free = append(st.free, s) // a clone: s stays unused
	}
	st.srcGen, st.src, st.last = st.gen, ev, out
	return out
}

// Sweep recycles the snapshots no matcher holds, when enough have been
// made since the last sweep. each calls its argument with every matcher
// that retains through the store. Call it between events, never during a
// Push.
func (st *Snapshots) Sweep(each func(func(*Matcher))) {
	if len(st.live) < max(st.next, sweepMin) {
		return
	}
	if st.marks == nil {
		st.marks = make(map[*event.Event]struct{})
	}
	mark := func(ev *event.Event) { st.marks[ev] = struct{}{} }
	each(func(m *Matcher) { m.Retained(mark) })
	keep := st.live[:0]
	for _, s := range st.live {
		if _, ok := st.marks[s]; ok {
			keep = append(keep, s)
			continue
		}
		s.Raw = s.Raw[:0] // a recycled snapshot holds nothing
		// Storage only grows as a snapshot is reused: one that held a
		// large document is let go, or the free snapshots would come
		// to hold the largest documents' size each, and memory would
		// grow with the input.
		if len(st.free) < len(st.live) && cap(s.Raw) <= maxFreeRaw {
			st.free = append(st.free, s)
		}
	}
	clear(st.live[len(keep):])
	st.live = keep
	st.next = 2 * len(keep)
	clear(st.marks)
	st.src, st.last = nil, nil
}
