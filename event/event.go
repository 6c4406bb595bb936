package event

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/vigilsec/vigil/internal/span"
)

// Event is one decoded document: the values of the schema's fields, the
// original document for output, and where it came from. Readers reuse Events;
// values (and the strings in them) stay valid until the Event is decoded
// into again. Clone makes a copy that owns its memory.
type Event struct {
	// The fields are laid out for the caches: what Decode, Get and Set
	// touch comes first, in as few lines as the struct allows, then the
	// storage Footprint reads (order's pool reads it of events gone cold
	// in the reordering windows), and the event fits the allocator's
	// 576-byte class (clones and snapshots are Events too).

	// A value's slot maps through idx to its place in cvals (0: no value),
	// so an event costs two bytes per schema slot plus what it holds, and
	// lookups stay one index away.
	idx       []uint16
	cvals     []Value
	cslots    []int32     // the slot of each cvals entry
	sparse    []slotValue // the values of a compact (cloned) event; see Clone
	cloned    *Event      // the last clone, shared while the event is unchanged
	snap      *Event      // the last snapshot, likewise; see Snapshot
	decodedAt *byte       // the document Decode gave the values from (with decodedLen), until they change; see Snapshot
	folds     *Folds      // the memo of folded strings in use: &ownFolds or lent (see UseFolds)
	arena     []Value
	buf       []byte
	chunk     *Chunk // the chunk the event's record lies in; see Borrow
	// decodedLen is the length of the document at decodedAt.
	decodedLen int32
	// chunk.buf[roomOff:roomOff+roomCap] is the room lent for Decode's
	// strings (roomCap 0: none); roomKept is what Decode kept of it, -1
	// when it outgrew it. See UseRoom.
	roomOff, roomCap, roomKept int32
	snapshot                   bool // the event is a snapshot: Raw without values

	store    []byte  // bytes the event owns across Decode/LoadDoc; see Own
	vstor    []Value // array elements the event owns; see OwnDoc
	ownFolds Folds   // the event's own memo, when none is lent
	owned    int     // bytes given to Own since Recycle; see Size
	spareDoc *Doc    // a Doc to reuse; see NewDoc

	// Raw is the original JSON document, when the event was decoded from JSON.
	Raw []byte
	// Doc is the normalised document, when the event was built from a Doc.
	Doc *Doc

	// Time is the event time in nanoseconds since the Unix epoch, set by the
	// reader from the configured timestamp field.
	Time int64
	// Seq is the arrival order, used to break ties after the tiebreaker.
	Seq uint64
	// Source names where the event came from (a file path, "stdin", an index).
	Source string
	// Pos is the line or record number within Source.
	Pos int64
	// Index is the index or data stream the event belongs to.
	Index string
	// ID is the event's document id, when it has one.
	ID string

	// Verdict is what a stage before ordering decided (see Verdict).
	Verdict Verdict

	// restorer gave the values from the record at decodedAt, when Decode
	// did not; see Restorable. Last: only snapshots read it.
	restorer Restorer
}

// Get returns the value in a slot; a slot the event has no value for is
// missing.
func (e *Event) Get(slot int) Value {
	if uint(slot) < uint(len(e.idx)) {
		if i := e.idx[slot]; i != 0 {
			return e.cvals[i-1]
		}
		return Value{}
	}
	if e.sparse != nil {
		return e.getSparse(slot)
	}
	return Value{}
}

// Filled returns the slots that hold a value and their values, in no
// particular order (a value may be missing: Set can clear a slot), for a
// caller that visits what an event holds rather than looking fields up
// one by one: a few dozen values lie together, where lookups of many
// fields touch the slot table all over. ok is false for a compact
// (cloned) event, whose caller must use Get. The slices are the event's
// own: read them, and only until the event changes.
func (e *Event) Filled() (slots []int32, vals []Value, ok bool) {
	if e.sparse != nil {
		return nil, nil, false
	}
	return e.cslots, e.cvals, true
}

// has reports whether a slot holds a value.
func (e *Event) has(slot int) bool {
	return uint(slot) < uint(len(e.idx)) && e.idx[slot] != 0
}

// change prepares the event for a change of slot: what was derived from
// its values (clones, snapshots, the decoded document, folded values) is
// dropped, and the event grows if the schema grew.
func (e *Event) change(slot int) {
	e.expand()
	e.cloned, e.snap, e.decodedAt = nil, nil, nil
	e.forgetFolded()
	if slot >= len(e.idx) {
		e.grow(slot + 1)
	}
}

// Set stores a value in a slot, growing the event if the schema grew.
func (e *Event) Set(slot int, v Value) {
	e.change(slot)
	if i := e.idx[slot]; i != 0 {
		e.cvals[i-1] = v
		return
	}
	if v.k != KindMissing {
		e.fill(slot, v)
	}
}

// fill stores v in an empty slot.
func (e *Event) fill(slot int, v Value) {
	if len(e.cvals) == cap(e.cvals) {
		e.growVals()
	}
	e.cvals = append(e.cvals, v)
	e.cslots = append(e.cslots, int32(slot))
	e.idx[slot] = uint16(len(e.cvals))
}

// growVals makes room for more values at once: a fresh event would
// otherwise grow its values one doubling at a time, and a hunt makes tens
// of thousands of fresh events before its pool has spares.
func (e *Event) growVals() {
	e.reserveVals(max(2*cap(e.cvals), 32))
}

// reserveVals makes room for n values in all.
func (e *Event) reserveVals(n int) {
	e.cvals = slices.Grow(e.cvals, n-len(e.cvals))
	e.cslots = slices.Grow(e.cslots, n-len(e.cslots))
}

// Add adds a value to a slot: the first value is stored as is, later ones
// turn the slot into an array (arrays are flattened).
func (e *Event) Add(slot int, v Value) {
	e.change(slot)
	i := e.idx[slot]
	if i == 0 {
		if v.k != KindMissing {
			e.fill(slot, v)
		}
		return
	}
	old := e.cvals[i-1]
	if old.k == KindArray && v.k != KindArray {
		// Extend in place when the array is the last thing in the arena,
		// as it is while the decoder reads an array of scalars.
		n, l := old.l, len(e.arena)
		if n > 0 && l >= n && unsafe.Pointer(&e.arena[l-n]) == old.p {
			e.arena = append(e.arena, v)
			e.cvals[i-1] = arrValue(e.arena[l-n : l+1 : l+1])
			return
		}
	}
	start := len(e.arena)
	if old.k == KindArray {
		e.arena = append(e.arena, old.arr()...)
	} else {
		e.arena = append(e.arena, old)
	}
	if v.k == KindArray {
		e.arena = append(e.arena, v.arr()...)
	} else {
		e.arena = append(e.arena, v)
	}
	e.cvals[i-1] = arrValue(e.arena[start:len(e.arena):len(e.arena)])
}

// add is Add for Decode, which reset the event first: nothing derived
// from its values needs dropping (see change) until Decode is done, and
// the first value of a slot is stored at once.
func (e *Event) add(slot int, v Value) {
	if uint(slot) < uint(len(e.idx)) && e.idx[slot] == 0 && v.k != KindMissing {
		// fill, without its call, when there is room (a decoded event
		// made room for as many values as the fullest document had).
		if n := len(e.cvals); n < cap(e.cvals) && n < cap(e.cslots) {
			e.cvals = e.cvals[:n+1]
			e.cvals[n] = v
			e.cslots = e.cslots[:n+1]
			e.cslots[n] = int32(slot)
			e.idx[slot] = uint16(n + 1)
			return
		}
		e.fill(slot, v)
		return
	}
	e.Add(slot, v)
}

// maxSlots is the number of slots an event can address (see idx).
const maxSlots = 1<<16 - 1

func (e *Event) grow(n int) {
	n = min(n, maxSlots)
	if cap(e.idx) >= n {
		e.idx = e.idx[:n]
		return
	}
	v := make([]uint16, n, n+n/2)
	copy(v, e.idx)
	e.idx = v
}

// Reset clears the event for reuse with a schema of n slots.
func (e *Event) Reset(n int) {
	e.sparse = nil
	e.cloned, e.snap, e.decodedAt, e.snapshot, e.restorer = nil, nil, nil, false, nil
	e.forgetFolded()
	// Clear only the slots that were filled: a schema may have thousands
	// of slots and an event a few dozen values.
	full := e.idx[:cap(e.idx)]
	for _, slot := range e.cslots {
		full[slot] = 0
	}
	e.cslots = e.cslots[:0]
	clear(e.cvals)
	e.cvals = e.cvals[:0]
	n = min(n, maxSlots)
	if cap(e.idx) < n {
		e.idx = make([]uint16, n)
	} else {
		e.idx = e.idx[:n]
	}
	clear(e.arena)
	e.arena = e.arena[:0]
	e.buf = e.buf[:0]
	e.Raw = nil
	if e.Doc != nil {
		e.spareDoc = e.Doc
	}
	e.Doc = nil
	e.Time, e.Seq, e.Pos = 0, 0, 0
	e.Source, e.Index, e.ID = "", "", ""
	e.Verdict.reset()
}

// NumSlots returns how many slots the event holds.
func (e *Event) NumSlots() int {
	if e.sparse != nil && len(e.sparse) > 0 {
		return int(e.sparse[len(e.sparse)-1].slot) + 1
	}
	return len(e.idx)
}

// AppendJSON appends the event's document to dst: the original bytes when it
// was decoded from JSON, the normalised document otherwise.
func (e *Event) AppendJSON(dst []byte) []byte {
	if e.Raw != nil {
		return append(dst, e.Raw...)
	}
	if e.Doc != nil {
		return e.Doc.AppendJSON(dst)
	}
	return append(dst, "{}"...)
}

// Clone returns a deep copy of the event that shares no memory with it, so
// it may be retained (e.g. by a pending sequence or an alert) while the
// original is reused. Clones must not be modified: while the event is not
// changed (Decode, Set, Add, or a new Time or Index), Clone returns the same
// copy again. The copy keeps only the slots that hold a value, in a
// compact form: cloning does not cost in proportion to the schema's size,
// and strings that lie within the raw document are not copied twice. A
// clone is meant to be read; Set and Add on it first expand it.
func (e *Event) Clone() *Event {
	// Several consumers (one per sequence rule) often retain the same
	// event: they share one copy while the event is unchanged.
	if c := e.cloned; c != nil && c.Time == e.Time && c.Index == e.Index {
		return c
	}
	c := &Event{
		Time: e.Time, Seq: e.Seq, Source: e.Source, Pos: e.Pos,
		Index: e.Index, ID: strings.Clone(e.ID), snapshot: e.snapshot,
		restorer: e.restorer, // a snapshot's (see Snapshot)
	}
	// The document's bytes: Raw, or a lazy Doc's (see LoadDocLazy), in
	// which most values' strings lie.
	raw := e.Raw
	lazy := raw == nil && e.Doc != nil && e.Doc.mapper != nil
	if lazy {
		raw = e.Doc.src
	}
	var scratch [128]int32
	var order []int32
	if e.sparse == nil {
		order = e.slotOrder(scratch[:0])
	}
	size, elems, n := len(raw), 0, 0
	e.each(order, func(_ int, v Value) {
		b, m := v.footprintOutside(raw)
		size += b
		elems += m
		n++
	})
	block := make([]byte, 0, size)
	var rawCopy []byte
	if raw != nil {
		block = append(block, raw...)
		rawCopy = block[:len(raw):len(raw)]
	}
	if e.Raw != nil {
		c.Raw = rawCopy
	}
	store := make([]Value, elems)
	c.sparse = make([]slotValue, 0, n)
	e.each(order, func(slot int, v Value) {
		var cv Value
		cv, block, store = v.copyInto(block, store, raw, rawCopy)
		c.sparse = append(c.sparse, slotValue{slot: int32(slot), v: cv})
	})
	switch {
	case lazy:
		c.Doc = &Doc{src: rawCopy, mapper: e.Doc.mapper, lazyLen: e.Doc.lazyLen}
	case e.Doc != nil:
		c.Doc = e.Doc.Clone()
	}
	e.cloned = c
	return c
}

// slotValue is one slot of a compact (cloned) event.
type slotValue struct {
	slot int32
	v    Value
}

// each calls fn for every slot that holds a value, in slot order;
// order is the event's values in slot order (slotOrder), nil for a
// compact event.
func (e *Event) each(order []int32, fn func(slot int, v Value)) {
	if e.sparse != nil {
		for _, sv := range e.sparse {
			fn(int(sv.slot), sv.v)
		}
		return
	}
	for _, i := range order {
		if v := e.cvals[i]; v.k != KindMissing {
			fn(int(e.cslots[i]), v)
		}
	}
}

// slotOrder returns the places of the values in cvals in slot order,
// appended to dst (scratch of the caller's: an event keeps none).
func (e *Event) slotOrder(dst []int32) []int32 {
	for i := range e.cslots {
		dst = append(dst, int32(i))
	}
	slices.SortFunc(dst, func(a, b int32) int { return int(e.cslots[a] - e.cslots[b]) })
	return dst
}

// getSparse looks a slot up in a compact event.
func (e *Event) getSparse(slot int) Value {
	if i := e.sparseIndex(slot); i >= 0 {
		return e.sparse[i].v
	}
	return Value{}
}

// sparseIndex returns the place of a slot in a compact event, or -1.
func (e *Event) sparseIndex(slot int) int {
	lo, hi := 0, len(e.sparse)
	for lo < hi {
		m := (lo + hi) / 2
		if int(e.sparse[m].slot) < slot {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(e.sparse) && int(e.sparse[lo].slot) == slot {
		return lo
	}
	return -1
}

// expand turns a compact event back into the dense form.
func (e *Event) expand() {
	if e.sparse == nil {
		return
	}
	sp := e.sparse
	e.sparse = nil
	for _, sv := range sp {
		if int(sv.slot) >= len(e.idx) {
			e.grow(int(sv.slot) + 1)
		}
		if int(sv.slot) < len(e.idx) && e.idx[sv.slot] == 0 {
			e.fill(int(sv.slot), sv.v)
		}
	}
}

// footprintOutside returns the string bytes (those not inside raw) and
// array elements a value holds.
func (v Value) footprintOutside(raw []byte) (bytes, elems int) {
	switch v.k {
	case KindString:
		if _, ok := span.Within(v.str(), raw); ok {
			return 0, 0
		}
		return v.l, 0
	case KindArray:
		elems = v.l
		for _, e := range v.arr() {
			b, n := e.footprintOutside(raw)
			bytes += b
			elems += n
		}
	}
	return bytes, elems
}

// copyInto copies the value's strings into block (or re-points those inside
// raw to the same place in rawCopy) and its array elements into store,
// returning the copy and what is left of both.
func (v Value) copyInto(block []byte, store []Value, raw, rawCopy []byte) (Value, []byte, []Value) {
	switch v.k {
	case KindString:
		if v.l == 0 {
			return v, block, store
		}
		if off, ok := span.Within(v.str(), raw); ok {
			v.p = unsafe.Pointer(&rawCopy[off])
			return v, block, store
		}
		start := len(block)
		block = append(block, v.str()...)
		v.p = unsafe.Pointer(&block[start])
	case KindArray:
		n := v.l
		arr := store[:n:n]
		store = store[n:]
		for i, e := range v.arr() {
			arr[i], block, store = e.copyInto(block, store, raw, rawCopy)
		}
		v.setArr(arr)
	}
	return v, block, store
}

// Own copies b into storage the event owns and returns the copy. Readers
// that hand events to other goroutines use it to keep a record's bytes (a
// JSON line, a normalised document's strings) alive with the event. The
// storage survives Decode and LoadDoc and is released by Recycle; it never
// moves, so earlier copies stay valid.
func (e *Event) Own(b []byte) []byte {
	if len(b) == 0 {
		return b[:0:0]
	}
	if cap(e.store)-len(e.store) < len(b) {
		e.store = make([]byte, 0, max(2*cap(e.store), len(b), 4096))
	}
	start := len(e.store)
	e.store = append(e.store, b...)
	e.owned += len(b)
	return e.store[start:len(e.store):len(e.store)]
}

// Reserve makes room for at least n more bytes in the event's own
// storage at once, for a reader that will Own a record and then decode
// its strings into Spare: a fresh event allocates its storage once, not
// once for the record and again for its strings.
func (e *Event) Reserve(n int) {
	if cap(e.store)-len(e.store) < n {
		// What is asked and an eighth, not double: a pooled event's
		// storage only grows, and its size decides how many events the
		// pools keep.
		e.store = make([]byte, 0, max(n+n/8, 4096))
	}
}

// Spare returns the free end of the event's own storage, empty and with
// room for at least n bytes, for a decoder that writes the strings of the
// event's values there (winlog.DecodeJSONTo); give what it returns to
// Keep before anything else uses the event's storage.
func (e *Event) Spare(n int) []byte {
	if cap(e.store)-len(e.store) < n {
		e.store = make([]byte, 0, max(2*cap(e.store), n, 4096))
	}
	// Exactly n bytes of room, however much the storage has: a decoder
	// that outgrows it then does so at the same point whatever the event
	// held before, so that the bytes Keep counts (Size) do not depend on
	// the event's history.
	return e.store[len(e.store) : len(e.store) : len(e.store)+n]
}

// Keep makes the bytes a decoder appended to Spare's buffer the event's
// own, as Own does, until Recycle. When they outgrew it, b is a buffer
// of the decoder's own (which the event's values keep alive) and an
// unknown part of the spare room was written too: it is all kept.
func (e *Event) Keep(b []byte) {
	free := e.store[len(e.store):cap(e.store)]
	e.owned += len(b)
	if cap(b) == 0 || cap(b) <= cap(free) && &b[:1][0] == &free[:1][0] {
		e.store = e.store[:len(e.store)+len(b)]
		return
	}
	e.store = e.store[:cap(e.store)]
}

// afterOwned returns the free room right after data in the event's own
// storage when data is the last record given to Own and that room can
// hold as many bytes as data has: Decode unescapes the record's strings
// there (they are never longer than their escaped text), next to the
// record it has just read, rather than into a buffer of its own that a
// pooled event last touched long ago. The room is what the storage has
// spare (Own allocates at least 4 KiB, and doubles); reserving it for
// every record costs more in allocations than it saves (measured with
// a tenth of the events fresh, as in a hunt).
func (e *Event) afterOwned(data []byte) ([]byte, bool) {
	n := len(e.store)
	if len(data) == 0 || n < len(data) || cap(e.store)-n < len(data) || &e.store[n-len(data)] != &data[0] {
		return nil, false
	}
	return e.store[n:n:cap(e.store)], true
}

// keepAfter keeps what a decoder appended to afterOwned's room, like
// Keep, but leaves Size as it was: Size counts the record, and the
// strings unescaped from it are not counted elsewhere either.
func (e *Event) keepAfter(b []byte) {
	owned := e.owned
	e.Keep(b)
	e.owned = owned
}

// Footprint is the bytes of storage the event holds for its documents
// (owned bytes, array elements, unescaped strings, folded values) and its
// values (the slot index and the value slices), reused when it is
// recycled.
func (e *Event) Footprint() int {
	return cap(e.store) + (cap(e.vstor)+cap(e.cvals)+cap(e.arena))*int(unsafe.Sizeof(Value{})) + cap(e.buf) +
		cap(e.ownFolds.buf) + 2*cap(e.idx) + 4*cap(e.cslots)
}

// Size is about the bytes of the event's documents as decoded: the bytes
// given to Own (the record), its values and the normalised document's
// fields (or a lazy document's bytes). Unlike Footprint it does not depend on what the event's storage
// held before, so that limits decided by it (order's reordering windows)
// decide the same way in every run.
func (e *Event) Size() int {
	n := e.owned + (len(e.cvals)+len(e.arena))*int(unsafe.Sizeof(Value{}))
	switch d := e.Doc; {
	case d != nil && d.mapper != nil:
		// A lazy document holds its bytes (which a copy of the event,
		// Clone, copies), not fields.
		n += len(d.src)
	case d != nil:
		n += d.Len() * int(unsafe.Sizeof(Field{}))
	}
	return n
}

// OwnString is Own for a string.
func (e *Event) OwnString(s string) string {
	if s == "" {
		return ""
	}
	b := e.Own(unsafe.Slice(unsafe.StringData(s), len(s)))
	return unsafe.String(&b[0], len(b))
}

// Recycle clears the event, including the storage Own handed out, so that
// a pool can reuse it. Nothing from the event may be in use afterwards.
// Storage is kept for the next record up to MaxKept bytes a buffer; a
// larger one (left by an unusually large record) is let go, so that
// pooled events do not hold the largest record's memory for ever.
func (e *Event) Recycle() {
	e.Reset(len(e.idx))
	e.roomCap, e.roomKept = 0, 0
	e.releaseChunk()
	e.store = bounded(e.store)
	e.owned = 0
	e.buf = bounded(e.buf)
	e.ownFolds.buf = bounded(e.ownFolds.buf)
	if cap(e.vstor)*int(unsafe.Sizeof(Value{})) > MaxKept {
		e.vstor = nil
	} else {
		clear(e.vstor)
		e.vstor = e.vstor[:0]
	}
}

// MaxKept is the capacity in bytes up to which a recycled event keeps
// each of its buffers.
const MaxKept = 256 << 10

// bounded empties b, or drops it when it is larger than MaxKept.
func bounded(b []byte) []byte {
	if cap(b) > MaxKept {
		return nil
	}
	return b[:0]
}

// OwnDoc copies the keys, strings and arrays of d into the event's own
// storage, so that d no longer refers to a reader's buffers. Strings that
// already lie in the event's storage (the record's bytes, kept with Own)
// are not copied again.
func (e *Event) OwnDoc(d *Doc) {
	e.ownDoc(d, nil)
}

// OwnDocReusing is OwnDoc for a document whose builder knows which of its
// buffers it writes again: only the strings lying in one of reused are
// copied (and the elements of arrays, always). Every other string of d
// must stay unchanged while the event holds it: constants, the event's
// own storage, memory its builder has let go of and never writes again.
func (e *Event) OwnDocReusing(d *Doc, reused [][]byte) {
	e.ownDoc(d, reused)
}

// ownDoc is OwnDoc (reused nil) or OwnDocReusing.
func (e *Event) ownDoc(d *Doc, reused [][]byte) {
	o := owner{e: e, owned: e.store, reused: reused, some: reused != nil}
	for i := range d.fields {
		// Write back only what was copied: most strings are not, and
		// writing pointers into the document costs write barriers.
		f := &d.fields[i]
		if k, copied := o.str(f.Key); copied {
			f.Key = k
		}
		switch f.Value.k {
		case KindString:
			if s, copied := o.str(f.Value.str()); copied {
				f.Value.setStr(s)
			}
		case KindArray:
			f.Value = o.value(f.Value)
		}
	}
	if d.index != nil {
		clear(d.index)
		for i, f := range d.fields {
			d.index[f.Key] = i
		}
	}
}

// owner copies a document's strings into an event; see ownDoc.
type owner struct {
	e      *Event
	owned  []byte   // bytes Own handed out so far; they never move
	reused [][]byte // with some: copy only strings lying here
	some   bool
}

// str returns s in memory the event may hold, and whether it is a copy.
func (o *owner) str(s string) (string, bool) {
	if o.some {
		for _, b := range o.reused {
			if _, ok := span.Within(s, b); ok {
				return o.e.OwnString(s), true
			}
		}
		return s, false
	}
	if _, ok := span.Within(s, o.owned); ok || s == "" {
		return s, false
	}
	return o.e.OwnString(s), true
}

func (o *owner) value(v Value) Value {
	switch v.k {
	case KindString:
		s, _ := o.str(v.str())
		v.setStr(s)
	case KindArray:
		v = o.e.storeArray(v, o.value)
	}
	return v
}

// storeArray returns v, an array, with its elements passed through f
// and stored in e's value storage.
func (e *Event) storeArray(v Value, f func(Value) Value) Value {
	n := v.l
	if cap(e.vstor)-len(e.vstor) < n {
		e.vstor = make([]Value, 0, max(2*cap(e.vstor), n, 32))
	}
	start := len(e.vstor)
	for _, el := range v.arr() {
		e.vstor = append(e.vstor, f(el))
	}
	v.setArr(e.vstor[start:len(e.vstor):len(e.vstor)])
	return v
}

// freshDocFields is the capacity of a fresh event's first Doc.
const freshDocFields = 64

// NewDoc returns an empty Doc for building this event's document, reusing
// the one the event held before it was last reset.
func (e *Event) NewDoc() *Doc {
	d := e.spareDoc
	e.spareDoc = nil
	if d == nil {
		// Room for a normalised Windows record at once (45 fields on
		// average over the winlog corpus, 80% of them 32 to 47), rather
		// than growing to it through a smaller array.
		return &Doc{fields: make([]Field, 0, freshDocFields)}
	}
	d.Reset()
	return d
}
