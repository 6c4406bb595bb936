package engine

import "github.com/vigilsec/vigil/event"

// snapStore makes the copies sequences keep of the events of their partial
// sequences: snapshots (event.Event.SnapshotTo), a copy of the raw document
// without values, shared by every sequence that keeps the same event, and
// recycled once no sequence holds them. Recycling matters as much as the
// copy being small: a hunt keeps a snapshot of a large share of its events
// for a while (every process start, for some rules), and fresh memory
// costs far more than reused memory.
//
// Snapshots in use are found by asking every sequence matcher what it
// holds (sequence.Matcher.Retained), once as many snapshots have been made
// since the last time as were then found in use (at least sweepMin), so
// that the search costs a constant per snapshot made. Results are restored
// (decoded again, into memory of their own) as they leave a matcher, so
// nothing else holds snapshots.
type snapStore struct {
	free  []*event.Event // snapshots no longer in use
	live  []*event.Event // snapshots handed out and not yet found unused
	next  int            // the size of live at which to look for unused ones
	marks map[*event.Event]struct{}
	off   bool  // keep clones instead (for tests)
	made  int64 // snapshots made, and
	reuse int64 // made in recycled memory

	// The snapshot of the event being processed, shared by the sequences
	// that keep it.
	gen  uint64
	src  *event.Event
	last *event.Event
}

const sweepMin = 4096

// retain returns the copy of ev a sequence keeps.
func (e *Engine) retain(ev *event.Event) *event.Event {
	st := &e.snaps
	if st.off {
		return ev.Clone()
	}
	if st.gen == e.gen && st.src == ev && st.last.Time == ev.Time && st.last.Index == ev.Index {
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
		st.made++
		if s != nil {
			st.reuse++
		}
	} else if s != nil {
		st.free = append(st.free, s) // a clone: s stays unused
	}
	st.gen, st.src, st.last = e.gen, ev, out
	return out
}

// sweep recycles the snapshots no sequence holds, when enough have been
// made since the last sweep. It runs between events.
func (e *Engine) sweep() {
	st := &e.snaps
	if len(st.live) < max(st.next, sweepMin) {
		return
	}
	if st.marks == nil {
		st.marks = make(map[*event.Event]struct{})
	}
	mark := func(ev *event.Event) { st.marks[ev] = struct{}{} }
	for _, r := range e.rules {
		if r.seq != nil {
			r.seq.Retained(mark)
		}
	}
	keep := st.live[:0]
	for _, s := range st.live {
		if _, ok := st.marks[s]; ok {
			keep = append(keep, s)
			continue
		}
		s.Raw = s.Raw[:0] // a recycled snapshot holds nothing
		if len(st.free) < len(st.live) {
			st.free = append(st.free, s)
		}
	}
	clear(st.live[len(keep):])
	st.live = keep
	st.next = 2 * len(keep)
	clear(st.marks)
	st.src, st.last = nil, nil
}
