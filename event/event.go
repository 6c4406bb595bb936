package event

import (
	"strings"
	"unsafe"
)

// Event is one decoded document: the values of the schema's fields, the
// original document for output, and where it came from. Readers reuse Events;
// values (and the strings in them) stay valid until the Event is decoded
// into again. Clone makes a copy that owns its memory.
type Event struct {
	vals  []Value
	arena []Value
	buf   []byte
	store []byte  // bytes the event owns across Decode/LoadDoc; see Own
	vstor []Value // array elements the event owns; see OwnDoc

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
}

// Get returns the value in a slot; a slot the event has no value for is
// missing.
func (e *Event) Get(slot int) Value {
	if uint(slot) < uint(len(e.vals)) {
		return e.vals[slot]
	}
	return Value{}
}

// Set stores a value in a slot, growing the event if the schema grew.
func (e *Event) Set(slot int, v Value) {
	if slot >= len(e.vals) {
		e.grow(slot + 1)
	}
	e.vals[slot] = v
}

// Add adds a value to a slot: the first value is stored as is, later ones
// turn the slot into an array (arrays are flattened).
func (e *Event) Add(slot int, v Value) {
	if slot >= len(e.vals) {
		e.grow(slot + 1)
	}
	old := e.vals[slot]
	if old.k == KindMissing {
		e.vals[slot] = v
		return
	}
	if old.k == KindArray && v.k != KindArray {
		// Extend in place when the array is the last thing in the arena,
		// as it is while the decoder reads an array of scalars.
		n, l := len(old.a), len(e.arena)
		if n > 0 && l >= n && &e.arena[l-n] == &old.a[0] {
			e.arena = append(e.arena, v)
			e.vals[slot] = Value{k: KindArray, a: e.arena[l-n : l+1 : l+1]}
			return
		}
	}
	start := len(e.arena)
	if old.k == KindArray {
		e.arena = append(e.arena, old.a...)
	} else {
		e.arena = append(e.arena, old)
	}
	if v.k == KindArray {
		e.arena = append(e.arena, v.a...)
	} else {
		e.arena = append(e.arena, v)
	}
	e.vals[slot] = Value{k: KindArray, a: e.arena[start:len(e.arena):len(e.arena)]}
}

func (e *Event) grow(n int) {
	if cap(e.vals) >= n {
		e.vals = e.vals[:n]
		return
	}
	v := make([]Value, n, n+n/2)
	copy(v, e.vals)
	e.vals = v
}

// Reset clears the event for reuse with a schema of n slots.
func (e *Event) Reset(n int) {
	if cap(e.vals) < n {
		e.vals = make([]Value, n)
	} else {
		e.vals = e.vals[:n]
		clear(e.vals)
	}
	clear(e.arena)
	e.arena = e.arena[:0]
	e.buf = e.buf[:0]
	e.Raw = nil
	e.Doc = nil
	e.Time, e.Seq, e.Pos = 0, 0, 0
	e.Source, e.Index, e.ID = "", "", ""
}

// NumSlots returns how many slots the event holds.
func (e *Event) NumSlots() int { return len(e.vals) }

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
// it may be retained (e.g. by a pending sequence) while the original is
// reused.
func (e *Event) Clone() *Event {
	c := &Event{
		Time: e.Time, Seq: e.Seq, Source: e.Source, Pos: e.Pos,
		Index: e.Index, ID: strings.Clone(e.ID),
	}
	// One block for all strings, one for all values.
	size := len(e.Raw)
	nvals := len(e.vals)
	for _, v := range e.vals {
		s, n := v.footprint()
		size += s
		nvals += n
	}
	block := make([]byte, 0, size)
	if e.Raw != nil {
		block = append(block, e.Raw...)
		c.Raw = block[:len(e.Raw):len(e.Raw)]
	}
	store := make([]Value, nvals)
	c.vals = store[:len(e.vals):len(e.vals)]
	rest := store[len(e.vals):]
	for i, v := range e.vals {
		c.vals[i], block, rest = v.copyInto(block, rest)
	}
	if e.Doc != nil {
		c.Doc = e.Doc.Clone()
	}
	return c
}

// footprint returns the string bytes and array elements a value holds.
func (v Value) footprint() (bytes, elems int) {
	switch v.k {
	case KindString:
		return len(v.s), 0
	case KindArray:
		elems = len(v.a)
		for _, e := range v.a {
			b, n := e.footprint()
			bytes += b
			elems += n
		}
	}
	return bytes, elems
}

// copyInto copies the value's strings into block and its array elements
// into store, returning the copy and what is left of both.
func (v Value) copyInto(block []byte, store []Value) (Value, []byte, []Value) {
	switch v.k {
	case KindString:
		if len(v.s) == 0 {
			return v, block, store
		}
		start := len(block)
		block = append(block, v.s...)
		v.s = unsafe.String(&block[start], len(v.s))
	case KindArray:
		n := len(v.a)
		arr := store[:n:n]
		store = store[n:]
		for i, e := range v.a {
			arr[i], block, store = e.copyInto(block, store)
		}
		v.a = arr
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
	return e.store[start:len(e.store):len(e.store)]
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
func (e *Event) Recycle() {
	e.Reset(len(e.vals))
	e.store = e.store[:0]
	clear(e.vstor)
	e.vstor = e.vstor[:0]
}

// OwnDoc copies the keys, strings and arrays of d into the event's own
// storage, so that d no longer refers to a reader's buffers.
func (e *Event) OwnDoc(d *Doc) {
	for i := range d.fields {
		f := &d.fields[i]
		f.Key = e.OwnString(f.Key)
		f.Value = e.ownValue(f.Value)
	}
	if d.index != nil {
		clear(d.index)
		for i, f := range d.fields {
			d.index[f.Key] = i
		}
	}
}

func (e *Event) ownValue(v Value) Value {
	switch v.k {
	case KindString:
		v.s = e.OwnString(v.s)
	case KindArray:
		n := len(v.a)
		if cap(e.vstor)-len(e.vstor) < n {
			e.vstor = make([]Value, 0, max(2*cap(e.vstor), n, 64))
		}
		start := len(e.vstor)
		for _, el := range v.a {
			e.vstor = append(e.vstor, e.ownValue(el))
		}
		v.a = e.vstor[start:len(e.vstor):len(e.vstor)]
	}
	return v
}
