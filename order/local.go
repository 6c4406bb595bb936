package order

import (
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
)

// localPool is one goroutine's own few events, ticks and held ticks to
// reuse, in front of the free lists every goroutine shares (eventPool,
// tickPool, heldPool). It takes from them and gives back to them
// localBulk at a time: on two cores, a decoder taking each event from a
// shared list, and the merge giving each back, made every event cost a
// few lock and counter cache lines moved between cores. A decoder that
// turns its event into a tick (see tick) gets the same event back for the
// next record without leaving its core. The nil *localPool is the shared
// lists themselves. A localPool is not safe for concurrent use; flush
// hands back what it holds.
//
// What a localPool holds is not counted in poolBytes or heldBytes: each
// list holds at most localMax, and the goroutines that hold one are the
// merge's and its decoders' (a few).
type localPool struct {
	events, ticks, held []*event.Event
}

// localMax is the most a localPool's list holds; localBulk, how many it
// takes or gives back at once.
const (
	localMax  = 32
	localBulk = localMax / 2
)

// getEvent is getEvent from l.
func (l *localPool) getEvent() *event.Event {
	if l == nil {
		return getEvent()
	}
	if ev := from(&l.events, takeEvents); ev != nil {
		return ev
	}
	return new(event.Event)
}

// getTick returns a tick to fill, from l.
func (l *localPool) getTick() *event.Event {
	if l == nil {
		return tickPool.Get()
	}
	if t := from(&l.ticks, takeTicks); t != nil {
		return t
	}
	return new(event.Event)
}

// getHeld is getHeld from l.
func (l *localPool) getHeld() *event.Event {
	if l == nil {
		return getHeld()
	}
	return from(&l.held, takeHeld)
}

// putEvent is putEvent into l.
func (l *localPool) putEvent(ev *event.Event) {
	if l == nil {
		putEvent(ev)
		return
	}
	switch {
	case ev.Verdict.Tick && ev.IsSnapshot():
		if parkHeld(ev) {
			keep(&l.held, ev, giveHeld)
		}
	case ev.Verdict.Tick:
		ev.Reset(0)
		keep(&l.ticks, ev, giveTicks)
	default:
		if parkEvent(ev) {
			keep(&l.events, ev, giveEvents)
		}
	}
}

// from pops the last of *list, first taking some from the shared list
// with take if it is empty; nil if both are.
func from(list *[]*event.Event, take func([]*event.Event) []*event.Event) *event.Event {
	if len(*list) == 0 {
		if *list = take(*list); len(*list) == 0 {
			return nil
		}
	}
	n := len(*list) - 1
	ev := (*list)[n]
	(*list)[n] = nil
	*list = (*list)[:n]
	return ev
}

// keep pushes ev onto *list, first giving the newer half of a full list
// to the shared one with give.
func keep(list *[]*event.Event, ev *event.Event, give func([]*event.Event)) {
	if len(*list) == localMax {
		give((*list)[localBulk:])
		*list = (*list)[:localBulk]
	}
	*list = append(*list, ev)
}

// flush hands back everything l holds to the shared lists.
func (l *localPool) flush() {
	giveEvents(l.events)
	giveTicks(l.ticks)
	giveHeld(l.held)
	l.events, l.ticks, l.held = l.events[:0], l.ticks[:0], l.held[:0]
}

// takeEvents appends up to localBulk pooled events to dst.
func takeEvents(dst []*event.Event) []*event.Event {
	return takeWeighed(eventPool, dst, footprint, &poolBytes)
}

// giveEvents pools the events of evs (each parked by parkEvent) as far as
// maxPoolBytes and the list's room allow, counts the rest as dropped, and
// clears evs.
func giveEvents(evs []*event.Event) {
	poolDropped.Add(int64(giveWeighed(eventPool, evs, footprint, &poolBytes, maxPoolBytes)))
}

// takeTicks appends up to localBulk pooled ticks to dst.
func takeTicks(dst []*event.Event) []*event.Event { return tickPool.take(dst, localBulk) }

// giveTicks pools the ticks of ts (each Reset) as far as the list has
// room, and clears ts.
func giveTicks(ts []*event.Event) {
	tickPool.give(ts)
	clear(ts)
}

// takeHeld and giveHeld are takeEvents and giveEvents for held ticks
// (parked by parkHeld), within maxHeldBytes.
func takeHeld(dst []*event.Event) []*event.Event {
	return takeWeighed(heldPool, dst, room, &heldBytes)
}

func giveHeld(ts []*event.Event) {
	giveWeighed(heldPool, ts, room, &heldBytes, maxHeldBytes)
}

func footprint(ev *event.Event) int64 { return int64(ev.Footprint()) }
func room(t *event.Event) int64       { return int64(cap(t.Raw)) }

// takeWeighed appends up to localBulk things from f to dst and takes
// their weight (unchanged since they were given) off *bytes.
func takeWeighed(f *freeList[*event.Event], dst []*event.Event, weigh func(*event.Event) int64, bytes *atomic.Int64) []*event.Event {
	n := len(dst)
	dst = f.take(dst, localBulk)
	var w int64
	for _, x := range dst[n:] {
		w += weigh(x)
	}
	if w != 0 {
		bytes.Add(-w)
	}
	return dst
}

// giveWeighed gives xs to f as far as *bytes, which counts their weight,
// stays within max and f has room, clears xs, and returns how many it let
// go.
func giveWeighed(f *freeList[*event.Event], xs []*event.Event, weigh func(*event.Event) int64, bytes *atomic.Int64, max int64) (dropped int) {
	var w int64
	for _, x := range xs {
		w += weigh(x)
	}
	kept := xs
	if bytes.Add(w) > max {
		// Over budget: keep those that fit, one at a time.
		bytes.Add(-w)
		kept = xs[:0]
		for _, x := range xs {
			n := weigh(x)
			if bytes.Add(n) > max {
				bytes.Add(-n)
				continue
			}
			kept = append(kept, x)
		}
	}
	n := f.give(kept)
	w = 0
	for _, x := range kept[n:] {
		w += weigh(x)
	}
	if w != 0 {
		bytes.Add(-w)
	}
	dropped = len(xs) - n
	clear(xs)
	return dropped
}
