package sequence

import (
	"unsafe"

	"github.com/vigilsec/vigil/event"
)

// Results handed back (Matcher.Recycle).
//
// The events of a result made from the matcher's copies are most of what
// a matcher allocates: each a block holding its document, strings and id
// (about as large as the document), and a compact event around it. A
// caller done with a result may hand it back, and the blocks of its events
// that nothing else refers to are reused for later results: memory just
// written, instead of fresh memory the collector must reclaim.
//
// Without Recycle nothing else can stand in: a result's events are the
// caller's for as long as it keeps them, so each needs memory of its own,
// and writing it fresh is the cost. In BenchmarkSequenceTwoStage (two
// stages, 100,000 keys, ~0.23 results per event) the blocks (~2.7 KB a
// result) and events (~1.5 KB) take about 40% of the time of a caller that
// keeps its results; a caller that hands them back runs as fast as one
// given no result memory at all. Sharing the partial's copy with the
// result instead of copying it saves a copy, not the fresh memory (see
// arena); dropping fields from results, or results valid only during
// emit, would change what a caller may rely on.
//
// A block is lent with its result only when the result is the only holder
// of its event: the copy it was made from is gone, and the event went to
// no other result (a copy kept for several join keys, or an event ending
// sequences of several keys at once, is handed out more than once). The
// matcher then notes the block by the address of its document, which is
// the event's Raw, and takes it back, with the event, when the result is
// handed back.

// maxLent bounds the blocks noted as lent: a caller that hands back few
// results must not make the matcher hold on to the others. When it is
// reached the notes are dropped; results handed back later are simply
// not reused.
const maxLent = 1024

// maxFreeBlocks bounds the blocks (and events) kept for reuse.
const maxFreeBlocks = 64

// lend notes the blocks of the events of a result that only the result
// holds; from lists the copies its events were made from, with their
// blocks and how many results the events went to, taken before the
// candidate let go of its copies.
func (m *Matcher) lend(evs []*event.Event, from []lentFrom) {
	for _, f := range from { // empty unless a result was handed back
		c := f.c
		if c == nil || f.outs != 1 || c.refs != 0 || len(f.block) == 0 {
			continue
		}
		ev := evs[f.stage]
		if len(ev.Raw) == 0 || unsafe.SliceData(ev.Raw) != unsafe.SliceData(f.block) {
			continue
		}
		if m.lent == nil {
			m.lent = make(map[*byte]lentBlock)
		}
		if len(m.lent) >= maxLent {
			clear(m.lent)
		}
		m.lent[unsafe.SliceData(f.block)] = lentBlock{f.block, ev}
	}
}

// lentBlock is a block lent with a result, and the event around it.
type lentBlock struct {
	block []byte
	ev    *event.Event
}

// lentFrom is where the event of one stage of a result came from.
type lentFrom struct {
	c     *copyRec
	block []byte
	outs  int32
	stage int
}

// Recycle hands back a result the caller is done with, events included:
// the matcher may reuse the storage of the events it made for it, which
// must not be read afterwards. It is optional, may be called during emit,
// and does nothing for results of a matcher that keeps the caller's
// events (Options.Owned or Options.Retain). A result must be handed back
// at most once, by its matcher's caller: its storage may already serve
// another result.
func (m *Matcher) Recycle(r Result) {
	m.recycling = true
	if len(m.lent) == 0 {
		return
	}
	for _, ev := range r.Events {
		if ev == nil || len(ev.Raw) == 0 {
			continue
		}
		p := unsafe.SliceData(ev.Raw)
		l, ok := m.lent[p]
		if !ok || l.ev != ev {
			continue
		}
		delete(m.lent, p)
		if len(m.freeBlocks) < maxFreeBlocks {
			m.freeBlocks = append(m.freeBlocks, l.block[:0])
			m.freeEvents = append(m.freeEvents, ev)
		}
	}
}

// newEvent returns an empty compact event with raw as its document and
// room for n values (event.NewCompact), one handed back if there is one.
func (m *Matcher) newEvent(raw []byte, n int) *event.Event {
	return event.RenewCompact(pop(&m.freeEvents), raw, n)
}

// reuseBlock returns an empty block handed back with room for n bytes, or
// nil.
func (m *Matcher) reuseBlock(n int) []byte {
	b := pop(&m.freeBlocks)
	if cap(b) < n {
		return nil // let go: the blocks kept fit the events that come
	}
	return b
}

// takeBlock returns an empty block with room for n bytes, one handed back
// if it is large enough.
func (m *Matcher) takeBlock(n int) []byte {
	if b := m.reuseBlock(n); b != nil || n == 0 {
		return b
	}
	if m.recycling {
		// Some room to spare, so that a block handed back fits the
		// next event more often than not.
		n += n / 4
	}
	return make([]byte, 0, n)
}

// spareBytes is the memory of the blocks and events kept for reuse.
func (m *Matcher) spareBytes() int64 {
	n := int64(len(m.freeEvents)) * int64(unsafe.Sizeof(event.Event{}))
	for _, b := range m.freeBlocks {
		n += int64(cap(b))
	}
	return n
}
