package sequence

import (
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/span"
)

// Copies of the events a matcher keeps for a caller that reuses its events
// (neither Options.Owned nor Options.Retain).
//
// The matcher itself reads nothing of a kept event but its time: later
// stages are matched on the events pushed, and join keys live in the key
// table. What must survive is what a result hands on: the raw document
// and the values. A copy (copyRec) holds them in the matcher's own
// storage, the document and the strings outside it in one region of an
// arena (see arena), and is recycled as soon as no partial sequence or
// undecided result refers to it any more, so that in a steady stream
// keeping an event costs copying its bytes, not allocating and collecting
// a new object. A copy becomes an event (a clone owning its memory) only
// when a result is emitted.

// held is one event a partial sequence or result holds: the caller's own
// event or the one Options.Retain made (ev), or the matcher's copy (c).
type held struct {
	ev *event.Event
	c  *copyRec
}

// time returns the event's timestamp.
func (h held) time() int64 {
	if h.c != nil {
		return h.c.time
	}
	return h.ev.Time
}

func (h held) none() bool { return h.ev == nil && h.c == nil }

// copyRec is the matcher's copy of an event.
type copyRec struct {
	buf    []byte        // the raw document, then strings that lay outside it
	ch     *chunk        // the arena chunk buf lies in, nil when buf is a buffer of its own
	off    int           // buf's offset in ch
	raw    int           // the document's length in buf
	hasRaw bool          // the event had a raw document (Raw != nil)
	slots  []int32       // the slots holding a value, and
	vals   []event.Value // their values, strings within buf
	elems  []event.Value // array elements of vals

	time, pos     int64
	seq           uint64
	source, index string
	id            string // within buf

	refs    int32        // slots and results referring to the copy
	pending bool         // the copy of the event being pushed, not made yet (see pendingCopy)
	out     *event.Event // the event made for a result, shared while the copy is referred to
}

// maxFreeCopies bounds the copies (and candidates) kept for reuse.
const maxFreeCopies = 1024

// pendingCopy returns a held copy of ev, the event being pushed, whose
// bytes are copied only at the end of Push (fill), and only if something
// still holds it then: an event that completes a sequence at once is
// turned into the result's event straight from the caller's, not copied
// twice. Events whose values are not laid out as decoded (a clone, a
// snapshot, an event built from a Doc) are cloned.
func (m *Matcher) pendingCopy(ev *event.Event) held {
	if _, _, ok := ev.Filled(); !ok || ev.Doc != nil || ev.IsSnapshot() {
		return held{ev: ev.Clone()}
	}
	c := pop(&m.freeCopies)
	if c == nil {
		c = &copyRec{}
	}
	c.pending, c.time = true, ev.Time
	c.refs, c.out = 0, nil
	return held{c: c}
}

// fill copies ev, the event being pushed, into its pending copy c.
func (m *Matcher) fill(c *copyRec, ev *event.Event) {
	slots, vals, _ := ev.Filled()
	c.pending = false
	raw := ev.Raw
	size, elems := len(raw)+len(ev.ID), 0
	for _, v := range vals {
		b, n := outside(v, raw)
		size += b
		elems += n
	}
	buf := m.arena.alloc(c, size)
	buf = append(buf, raw...)
	c.raw, c.hasRaw = len(raw), raw != nil
	c.slots = c.slots[:0]
	c.vals = c.vals[:0]
	if cap(c.elems) < elems {
		c.elems = make([]event.Value, 0, elems)
	}
	c.elems = c.elems[:0]
	for i, v := range vals {
		if v.Kind() == event.KindMissing {
			continue
		}
		v, buf = c.copyValue(v, buf, raw)
		c.slots = append(c.slots, slots[i])
		c.vals = append(c.vals, v)
	}
	c.id = ""
	if ev.ID != "" {
		start := len(buf)
		buf = append(buf, ev.ID...)
		c.id = unsafe.String(&buf[start], len(ev.ID))
	}
	c.buf = buf
	c.time, c.pos, c.seq = ev.Time, ev.Pos, ev.Seq
	c.source, c.index = ev.Source, ev.Index
}

// outside returns the string bytes of v that do not lie within raw and the
// array elements v holds.
func outside(v event.Value, raw []byte) (bytes, elems int) {
	switch v.Kind() {
	case event.KindString:
		if _, ok := span.Within(v.Str(), raw); !ok {
			return len(v.Str()), 0
		}
	case event.KindArray:
		a := v.Array()
		elems = len(a)
		for _, e := range a {
			b, n := outside(e, raw)
			bytes += b
			elems += n
		}
	}
	return bytes, elems
}

// copyValue returns v with its strings in buf (which has room for them:
// it is never reallocated, so the strings stay valid) and its array
// elements in c.elems (likewise).
func (c *copyRec) copyValue(v event.Value, buf, raw []byte) (event.Value, []byte) {
	switch v.Kind() {
	case event.KindString:
		s := v.Str()
		if s == "" {
			return v, buf
		}
		if off, ok := span.Within(s, raw); ok {
			return event.Str(unsafe.String(&buf[off], len(s))), buf
		}
		start := len(buf)
		buf = append(buf, s...)
		return event.Str(unsafe.String(&buf[start], len(s))), buf
	case event.KindArray:
		a := v.Array()
		if a == nil {
			return v, buf
		}
		start := len(c.elems)
		c.elems = c.elems[:start+len(a)]
		for i, e := range a {
			var ce event.Value
			ce, buf = c.copyValue(e, buf, raw)
			c.elems[start+i] = ce
		}
		return event.Array(c.elems[start : start+len(a) : start+len(a)]...), buf
	}
	return v, buf
}

// event returns the event a held copy stands for, for a result.
func (m *Matcher) event(h held) *event.Event {
	if h.c == nil {
		return h.ev
	}
	c := h.c
	if c.out != nil {
		return c.out
	}
	if c.pending {
		// The event being pushed: its clone is its copy.
		c.out = m.curSrc.Clone()
		return c.out
	}
	// The copy's values go into a scratch event, whose clone owns its
	// memory: the copy's region stays in the arena, to be reused.
	s := m.scratch
	if s == nil {
		s = &event.Event{}
		m.scratch = s
	}
	s.Recycle()
	if c.hasRaw {
		s.Raw = c.buf[:c.raw:c.raw]
		if s.Raw == nil {
			s.Raw = []byte{}
		}
	}
	for i, slot := range c.slots {
		s.Set(int(slot), c.vals[i])
	}
	s.Time, s.Seq, s.Source, s.Pos, s.Index, s.ID = c.time, c.seq, c.source, c.pos, c.index, c.id
	out := s.Clone()
	s.Recycle() // no reference to the copy's region stays behind
	c.out = out
	return out
}

// pop takes the last of a list of free things, or returns nil.
func pop[T any](free *[]*T) *T {
	n := len(*free)
	if n == 0 {
		return nil
	}
	x := (*free)[n-1]
	(*free)[n-1] = nil
	*free = (*free)[:n-1]
	return x
}

// hold records one more reference to h.
func hold(h held) held {
	if h.c != nil {
		h.c.refs++
	}
	return h
}

// let drops one reference to h, recycling a copy nothing refers to.
func (m *Matcher) let(h held) {
	c := h.c
	if c == nil {
		return
	}
	if c.refs--; c.refs > 0 {
		return
	}
	if c == m.cur.c {
		return // the pushed event's copy: Push recycles it if it stays unused
	}
	m.recycle(c)
}

// recycle keeps a copy nothing refers to for reuse.
func (m *Matcher) recycle(c *copyRec) {
	m.arena.release(c)
	c.out, c.buf, c.pending = nil, nil, false
	c.source, c.index, c.id = "", "", ""
	if len(m.freeCopies) < maxFreeCopies {
		m.freeCopies = append(m.freeCopies, c)
	}
}

// letAll drops the references in hs and clears them.
func (m *Matcher) letAll(hs []held) {
	if m.copies {
		for _, h := range hs {
			m.let(h)
		}
	}
	clear(hs)
}
