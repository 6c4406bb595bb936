package sequence

import (
	"bytes"
	"encoding/binary"
	"math"
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
// and the values. A copy (copyRec) holds them in one region of an arena
// (see arena): the document, the strings that lay outside it, the id, the
// source and index names, then one fixed-size record per value (see
// putRec) that refers to its strings by offset. So a copy is one block of
// bytes without pointers: writing it is one pass over memory written just
// before, the garbage collector never scans it, and moving it is a plain
// copy. Nor does the copy's own record (copyRec) hold pointers: it names
// its region by chunk number and offset, and what a copy holds only once
// a result is made from it is in a side table (copyOut), so the collector
// marks the copies a matcher keeps without reading them. A copy is
// recycled as soon as no partial sequence or undecided result refers to
// it any more, so that in a steady stream keeping an event costs copying
// its bytes, not allocating and collecting a new object. A copy becomes
// an event owning its memory only when a result is emitted: its bytes
// before the records, copied in one piece, and values decoded from the
// records (event.NewCompact).

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

// copyRec is the matcher's copy of an event. It holds no pointers (see
// above).
type copyRec struct {
	ch     int32 // the arena chunk (arena.byID) of the region, -1 for none
	off    int   // the region's offset in the chunk
	size   int   // the region's size: document, strings outside it, id, names, value records
	cap    int   // the bytes the arena gave the region
	raw    int   // the document's length in the region
	hasRaw bool  // the event had a raw document (Raw != nil)
	idOff  int   // the id's offset in the region (its length is idLen), then source, index
	idLen  int
	srcLen int
	idxLen int
	recs   int // offset of the value records in the region
	nvals  int // values (top-level records)
	nelems int // array elements (records after their array's)

	time, pos int64
	seq       uint64

	refs    int32 // slots and results referring to the copy
	pending bool  // the copy of the event being pushed, not made yet (see pendingCopy)
	out     int32 // the copy's entry in Matcher.outs plus one, 0 for none
}

// copyOut is what a copy holds once a result is made from it, or when it
// is a clone.
type copyOut struct {
	ev    *event.Event // the event made for a result, shared while the copy is referred to
	block []byte       // ev's storage (document, strings, id), nil for none
	outs  int32        // results ev was handed to (see Matcher.Recycle)
	clone *event.Event // the copy, when its region would be too large to encode (see maxRegion)
}

// copyOut returns c's side entry, making one if it has none.
func (m *Matcher) copyOut(c *copyRec) *copyOut {
	if c.out == 0 {
		if n := len(m.freeOuts); n > 0 {
			c.out = m.freeOuts[n-1] + 1
			m.freeOuts = m.freeOuts[:n-1]
		} else {
			m.outs = append(m.outs, copyOut{})
			c.out = int32(len(m.outs))
		}
	}
	return &m.outs[c.out-1]
}

// made returns c's side entry, or nil for none.
func (m *Matcher) made(c *copyRec) *copyOut {
	if c.out == 0 {
		return nil
	}
	return &m.outs[c.out-1]
}

// maxFreeCopies bounds the copies (and candidates) kept for reuse.
const maxFreeCopies = 1024

// A value record is recSize bytes: the slot (4 bytes, little endian), the
// kind, a flag (1: a nil array), two unused bytes, and the payload: for a
// string its offset and length in the region (4 bytes each), for a number
// or boolean its bits, for an array its element count, whose records
// follow it.
const recSize = 16

// maxRegion bounds a copy's region, so that offsets fit in 4 bytes.
const maxRegion = 1<<32 - 1

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
	c.refs, c.out, c.ch = 0, 0, -1
	return held{c: c}
}

// fill copies ev, the event being pushed, into its pending copy c.
func (m *Matcher) fill(c *copyRec, ev *event.Event) {
	slots, vals, _ := ev.Filled()
	c.pending = false
	c.time, c.pos, c.seq = ev.Time, ev.Pos, ev.Seq
	raw := ev.Raw
	strs, nvals, nelems := 0, 0, 0
	known := true
	for _, v := range vals {
		if v.Kind() == event.KindMissing {
			continue
		}
		b, n, ok := footprint(v, raw)
		strs += b
		nelems += n
		nvals++
		known = known && ok
	}
	recs := len(raw) + strs + len(ev.ID) + len(ev.Source) + len(ev.Index)
	size := recs + (nvals+nelems)*recSize
	if !known || uint64(size) > maxRegion {
		m.copyOut(c).clone = ev.Clone()
		return
	}
	buf := m.arena.alloc(c, size)[:size]
	copy(buf, raw)
	w := copyWriter{buf: buf, raw: raw, str: len(raw), rec: recs}
	for i, v := range vals {
		if v.Kind() != event.KindMissing {
			w.put(slots[i], v)
		}
	}
	c.idOff, c.idLen, c.srcLen, c.idxLen = w.str, len(ev.ID), len(ev.Source), len(ev.Index)
	at := w.str + copy(buf[w.str:], ev.ID)
	at += copy(buf[at:], ev.Source)
	copy(buf[at:], ev.Index)
	c.size = size
	c.raw, c.hasRaw = len(raw), raw != nil
	c.recs, c.nvals, c.nelems = recs, nvals, nelems
}

// footprint returns the string bytes of v that do not lie within raw and
// the array elements v holds, and whether a record can hold each of its
// values.
func footprint(v event.Value, raw []byte) (bytes, elems int, ok bool) {
	switch v.Kind() {
	case event.KindString:
		if _, in := span.Within(v.Str(), raw); !in {
			return len(v.Str()), 0, true
		}
	case event.KindArray:
		a := v.Array()
		elems, ok = len(a), true
		for _, e := range a {
			b, n, eok := footprint(e, raw)
			bytes += b
			elems += n
			ok = ok && eok
		}
		return bytes, elems, ok
	case event.KindNull, event.KindBool, event.KindInt, event.KindFloat, event.KindObject:
	default:
		return 0, 0, false
	}
	return 0, 0, true
}

// copyWriter writes value records into a region whose document is in
// place: strings within the document are referred to there, others are
// written from str on; records from rec on.
type copyWriter struct {
	buf      []byte
	raw      []byte // the source's document
	str, rec int
}

// put writes the record of value v of slot, and those of its elements.
func (w *copyWriter) put(slot int32, v event.Value) {
	var flag byte
	var p uint64
	switch v.Kind() {
	case event.KindString:
		s := v.Str()
		off, in := span.Within(s, w.raw)
		if !in {
			off = w.str
			w.str += copy(w.buf[off:], s)
		}
		p = uint64(off) | uint64(len(s))<<32
	case event.KindInt:
		p = uint64(v.Int())
	case event.KindFloat:
		p = math.Float64bits(v.Float())
	case event.KindBool:
		if v.Bool() {
			p = 1
		}
	case event.KindArray:
		a := v.Array()
		if a == nil {
			flag = 1
		}
		p = uint64(len(a))
	}
	putRec(w.buf[w.rec:w.rec+recSize], slot, v.Kind(), flag, p)
	w.rec += recSize
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			w.put(0, e)
		}
	}
}

func putRec(b []byte, slot int32, k event.Kind, flag byte, p uint64) {
	binary.LittleEndian.PutUint32(b, uint32(slot))
	b[4], b[5], b[6], b[7] = byte(k), flag, 0, 0
	binary.LittleEndian.PutUint64(b[8:], p)
}

// value decodes the record at offset at of region and returns its value,
// with strings in strs (the region, or a copy of its start) and array
// elements in elems (which has room for them), and the offset of the next
// record.
func value(region, strs []byte, at int, elems *[]event.Value) (int32, event.Value, int) {
	b := region[at : at+recSize]
	slot := int32(binary.LittleEndian.Uint32(b))
	k, flag := event.Kind(b[4]), b[5]
	p := binary.LittleEndian.Uint64(b[8:])
	at += recSize
	switch k {
	case event.KindString:
		off, n := int(uint32(p)), int(p>>32)
		if n == 0 {
			return slot, event.Str(""), at
		}
		return slot, event.Str(unsafe.String(&strs[off], n)), at
	case event.KindInt:
		return slot, event.Int(int64(p)), at
	case event.KindFloat:
		return slot, event.Float(math.Float64frombits(p)), at
	case event.KindBool:
		return slot, event.Bool(p != 0), at
	case event.KindNull:
		return slot, event.Null(), at
	case event.KindObject:
		return slot, event.Object(), at
	}
	// An array: its elements follow.
	if flag == 1 {
		return slot, event.Array(), at
	}
	n := int(p)
	start := len(*elems)
	*elems = (*elems)[:start+n]
	for i := range n {
		var e event.Value
		_, e, at = value(region, strs, at, elems)
		(*elems)[start+i] = e
	}
	return slot, event.Array((*elems)[start : start+n : start+n]...), at
}

// event returns the event a held copy stands for, for a result.
func (m *Matcher) event(h held) *event.Event {
	if h.c == nil {
		return h.ev
	}
	c := h.c
	if o := m.made(c); o != nil {
		switch {
		case o.ev != nil:
			o.outs++
			return o.ev
		case o.clone != nil:
			return o.clone
		}
	}
	if c.pending {
		// The event being pushed: made straight from the caller's.
		o := m.copyOut(c)
		o.ev, o.block = m.compactCopy(m.curSrc)
		o.outs = 1
		return o.ev
	}
	// The region's bytes before its records (document, strings, id) are
	// copied in one piece and handed over to a compact event, whose
	// values are read from the records: strings keep their offsets. The
	// region stays in the arena, to be reused.
	region := m.arena.region(c)
	block := m.reuseBlock(c.recs)
	if block == nil {
		block = bytes.Clone(region[:c.recs]) // not cleared first, as make would
	} else {
		block = append(block, region[:c.recs]...)
	}
	var raw []byte
	if c.hasRaw {
		raw = block[:c.raw:c.raw]
		if raw == nil {
			raw = []byte{}
		}
	}
	out := m.newEvent(raw, c.nvals)
	var elems []event.Value
	if c.nelems > 0 {
		elems = make([]event.Value, 0, c.nelems)
	}
	at := c.recs
	for range c.nvals {
		var slot int32
		var v event.Value
		slot, v, at = value(region, block, at, &elems)
		out.PutCompact(int(slot), v)
	}
	out.Time, out.Seq, out.Pos = c.time, c.seq, c.pos
	out.ID = blockString(block, c.idOff, c.idLen)
	out.Source = blockString(block, c.idOff+c.idLen, c.srcLen)
	out.Index = blockString(block, c.idOff+c.idLen+c.srcLen, c.idxLen)
	o := m.copyOut(c)
	o.ev, o.block, o.outs = out, block, 1
	return out
}

// blockString returns the n bytes of block at off as a string: block is
// the storage of a result's event, which nothing writes afterwards.
func blockString(block []byte, off, n int) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&block[off], n)
}

// compactCopy returns a compact event owning a copy of ev's document,
// values and id (as Clone does, without ordering the values first: they
// mostly come in order of slot), for ev being pushed and laid out as
// decoded (see pendingCopy), and the block holding them (nil for a clone).
func (m *Matcher) compactCopy(ev *event.Event) (*event.Event, []byte) {
	slots, vals, _ := ev.Filled()
	raw := ev.Raw
	strs, nvals, nelems := 0, 0, 0
	for _, v := range vals {
		if v.Kind() == event.KindMissing {
			continue
		}
		b, n, ok := footprint(v, raw)
		if !ok {
			return ev.Clone(), nil
		}
		strs += b
		nelems += n
		nvals++
	}
	// One block: the document, then the strings outside it and the id.
	block := append(m.takeBlock(len(raw)+strs+len(ev.ID)), raw...)
	var doc []byte
	if raw != nil {
		doc = block[:len(raw):len(raw)]
		if doc == nil {
			doc = []byte{}
		}
	}
	out := m.newEvent(doc, nvals)
	w := compactWriter{block: block, raw: raw}
	if nelems > 0 {
		w.elems = make([]event.Value, 0, nelems)
	}
	for i, v := range vals {
		if v.Kind() != event.KindMissing {
			out.PutCompact(int(slots[i]), w.value(v))
		}
	}
	out.Time, out.Seq, out.Source, out.Pos, out.Index = ev.Time, ev.Seq, ev.Source, ev.Pos, ev.Index
	if ev.ID != "" {
		out.ID = w.str(ev.ID)
	}
	return out, block
}

// compactWriter copies values into a block that starts with a copy of
// their document: strings within the document are referred to there,
// others appended to the block (which has room for them), array elements
// go to elems (likewise).
type compactWriter struct {
	block []byte
	raw   []byte
	elems []event.Value
}

func (w *compactWriter) str(s string) string {
	if s == "" {
		return ""
	}
	off, in := span.Within(s, w.raw)
	if !in {
		off = len(w.block)
		w.block = append(w.block, s...)
	}
	return unsafe.String(&w.block[off], len(s))
}

func (w *compactWriter) value(v event.Value) event.Value {
	switch v.Kind() {
	case event.KindString:
		return event.Str(w.str(v.Str()))
	case event.KindArray:
		a := v.Array()
		if a == nil {
			return v
		}
		start := len(w.elems)
		w.elems = w.elems[:start+len(a)]
		for i, e := range a {
			w.elems[start+i] = w.value(e)
		}
		return event.Array(w.elems[start : start+len(a) : start+len(a)]...)
	}
	return v
}

// pop takes the last of a list of free things, or the zero value (nil)
// when there is none.
func pop[T any](free *[]T) T {
	var zero T
	n := len(*free)
	if n == 0 {
		return zero
	}
	x := (*free)[n-1]
	(*free)[n-1] = zero
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
	if c.out != 0 {
		m.outs[c.out-1] = copyOut{}
		m.freeOuts = append(m.freeOuts, c.out-1)
	}
	c.out, c.size, c.pending = 0, 0, false
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
