package event

import (
	"slices"
	"unsafe"
)

// Doc is a document built field by field, as a normaliser builds an ECS
// document from a Windows record: dotted keys in insertion order, each with
// a scalar or an array of scalars. It is rendered as nested JSON.
type Doc struct {
	fields []Field
	// slots is an open-addressing table of field positions (plus one),
	// by key hash, used while indexed: once the document has more than
	// indexAt fields. It keeps its storage across Reset.
	slots   []int32
	indexed bool
	// index is never set: lookups use slots. It stays only because
	// Event.OwnDoc still rebuilds it when it is non-nil.
	index map[string]int

	// A lazy document (LoadDocLazy) has no fields of its own: mapper
	// builds them from src on first use, into full (a *Doc); lazyLen is
	// how many fields they are.
	src     []byte
	mapper  DocMapper
	lazyLen int
	full    unsafe.Pointer
}

// Field is one key of a Doc.
type Field struct {
	Key   string
	Value Value
	h     uint64 // keyHash(Key)
}

// indexAt is the number of fields above which Doc indexes its keys.
const indexAt = 8

// Reset empties the document for reuse.
func (d *Doc) Reset() {
	if d.mapper != nil {
		d.clearLazy()
	}
	clear(d.fields)
	d.fields = d.fields[:0]
	d.indexed = false
}

// Len returns the number of fields.
func (d *Doc) Len() int {
	if d.mapper != nil {
		return d.lazyLen
	}
	return len(d.fields)
}

// Fields returns the fields in insertion order. The slice is the Doc's own.
func (d *Doc) Fields() []Field { return d.whole().fields }

// find returns the position of key, whose hash is h, or -1.
func (d *Doc) find(key string, h uint64) int {
	if !d.indexed {
		for i := range d.fields {
			if d.fields[i].h == h && d.fields[i].Key == key {
				return i
			}
		}
		return -1
	}
	mask := uint64(len(d.slots) - 1)
	for s := h & mask; ; s = (s + 1) & mask {
		p := d.slots[s]
		if p == 0 {
			return -1
		}
		if f := &d.fields[p-1]; f.h == h && f.Key == key {
			return int(p - 1)
		}
	}
}

func (d *Doc) add(key string, h uint64, v *Value) {
	n := len(d.fields)
	if n == cap(d.fields) {
		// A normalised record has a few dozen fields: grow to that at once.
		d.fields = slices.Grow(d.fields, max(n, 32))
	}
	d.fields = d.fields[:n+1]
	// Member by member: the compiler copies a whole Value through a
	// stack temporary with overlapping moves, and reading those back
	// stalls store forwarding (a third of the cost of Set).
	f := &d.fields[n]
	f.Key, f.h = key, h
	f.Value.k, f.Value.n, f.Value.p, f.Value.l = v.k, v.n, v.p, v.l
	switch {
	case d.indexed && 2*len(d.fields) <= len(d.slots):
		d.slot(h, int32(len(d.fields)))
	case len(d.fields) > indexAt:
		d.reindex()
	}
}

// slot enters field position p-1, whose key hash is h, in the table.
func (d *Doc) slot(h uint64, p int32) {
	mask := uint64(len(d.slots) - 1)
	s := h & mask
	for d.slots[s] != 0 {
		s = (s + 1) & mask
	}
	d.slots[s] = p
}

// reindex rebuilds the key table, at most half full.
func (d *Doc) reindex() {
	if len(d.fields) <= indexAt {
		d.indexed = false
		return
	}
	n := len(d.slots)
	if n < 4*indexAt {
		n = 4 * indexAt
	}
	for n < 2*len(d.fields) {
		n *= 2
	}
	if n > cap(d.slots) {
		d.slots = make([]int32, n)
	} else {
		d.slots = d.slots[:n]
		clear(d.slots)
	}
	for i := range d.fields {
		d.slot(d.fields[i].h, int32(i+1))
	}
	d.indexed = true
}

// Set stores v at key, replacing any value there. A missing v deletes the
// key.
func (d *Doc) Set(key string, v Value) {
	if d.mapper != nil {
		d.settle()
	}
	if v.k == KindMissing {
		d.Delete(key)
		return
	}
	h := keyHash(key)
	if i := d.find(key, h); i >= 0 {
		d.fields[i].Value = v
		return
	}
	d.add(key, h, &v)
}

// SetStr stores a string at key unless s is empty.
func (d *Doc) SetStr(key, s string) {
	if s != "" {
		d.Set(key, Str(s))
	}
}

// Append adds v to the array at key, creating it (or turning a scalar into
// an array) as needed. Arrays in v are flattened.
func (d *Doc) Append(key string, v Value) {
	if d.mapper != nil {
		d.settle()
	}
	h := keyHash(key)
	i := d.find(key, h)
	if i < 0 {
		if v.k == KindArray {
			a := Array(slices.Clone(v.arr())...)
			d.add(key, h, &a)
		} else {
			a := Array(v)
			d.add(key, h, &a)
		}
		return
	}
	old := d.fields[i].Value
	var arr []Value
	if old.k == KindArray {
		arr = old.arr()
	} else if old.k != KindMissing {
		arr = []Value{old}
	}
	if v.k == KindArray {
		arr = append(arr, v.arr()...)
	} else {
		arr = append(arr, v)
	}
	d.fields[i].Value = Array(arr...)
}

// AppendUnique is Append that skips a string already in the array, as
// Elastic's pipelines do for related.* fields.
func (d *Doc) AppendUnique(key string, v Value) {
	if cur, ok := d.Get(key); ok {
		dup := cur.Each(func(e Value) bool { return e.Equal(v) })
		if dup {
			return
		}
	}
	d.Append(key, v)
}

// Get returns the value at key.
func (d *Doc) Get(key string) (Value, bool) {
	if d.mapper != nil {
		return d.whole().Get(key)
	}
	if i := d.find(key, keyHash(key)); i >= 0 {
		return d.fields[i].Value, true
	}
	return Value{}, false
}

// GetStr returns the string at key, or "".
func (d *Doc) GetStr(key string) string {
	v, _ := d.Get(key)
	return v.Str()
}

// Delete removes key, keeping the order of the others.
func (d *Doc) Delete(key string) {
	if d.mapper != nil {
		d.settle()
	}
	i := d.find(key, keyHash(key))
	if i < 0 {
		return
	}
	d.fields = slices.Delete(d.fields, i, i+1)
	if d.indexed {
		d.reindex()
	}
}

// Clone returns a deep copy of the document: one block for its strings,
// one for its array elements.
func (d *Doc) Clone() *Doc {
	if d.mapper != nil {
		return d.cloneLazy()
	}
	size, elems := 0, 0
	for _, f := range d.fields {
		b, n := f.Value.footprintOutside(nil)
		size += len(f.Key) + b
		elems += n
	}
	block := make([]byte, 0, size)
	store := make([]Value, elems)
	c := &Doc{fields: make([]Field, len(d.fields))}
	for i, f := range d.fields {
		start := len(block)
		block = append(block, f.Key...)
		key := ""
		if len(f.Key) > 0 {
			key = unsafe.String(&block[start], len(f.Key))
		}
		var v Value
		v, block, store = f.Value.copyInto(block, store, nil, nil)
		c.fields[i] = Field{Key: key, Value: v, h: f.h}
	}
	c.reindex()
	return c
}

// LoadDoc fills ev from a Doc: each field whose key the schema knows goes to
// its slot. ev.Doc is set to d (not copied). Keys are looked up by the hash
// the Doc already holds for each field (docTable), not hashed again.
func (s *Schema) LoadDoc(d *Doc, ev *Event) {
	src, pos, seq := ev.Source, ev.Pos, ev.Seq
	ev.Reset(len(s.names))
	ev.Source, ev.Pos, ev.Seq = src, pos, seq
	ev.Doc = d
	t := s.docKeys.Load()
	if t == nil {
		t = s.buildDocKeys()
	}
	idx := ev.idx
	for i := range d.fields {
		f := &d.fields[i]
		slot := t.find(f.Key, f.h)
		if slot < 0 {
			continue
		}
		// Reset has just emptied the event for this schema: a first value
		// is stored directly, without Add's checks for a changed event.
		if slot < len(idx) && idx[slot] == 0 {
			if f.Value.k != KindMissing {
				ev.fill(slot, f.Value)
			}
			continue
		}
		ev.Add(slot, f.Value)
	}
}

// docTable maps every path the schema knows (each spelling Slot was given)
// to its slot by the keyHash a Doc keeps with each field: open addressing,
// at most half full. It is built once registration is done (the first
// LoadDoc after a Slot that added a path) and read-only after that.
type docTable struct {
	mask    uint64
	entries []docEntry
}

type docEntry struct {
	h    uint64
	key  string
	slot int32 // plus one; 0: empty
}

// buildDocKeys builds (or returns the built) docTable.
func (s *Schema) buildDocKeys() *docTable {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.docKeys.Load(); t != nil {
		return t
	}
	n := 16
	for n < 2*len(s.index) {
		n *= 2
	}
	t := &docTable{mask: uint64(n - 1), entries: make([]docEntry, n)}
	for k, slot := range s.index {
		h := keyHash(k)
		i := h & t.mask
		for t.entries[i].slot != 0 {
			i = (i + 1) & t.mask
		}
		t.entries[i] = docEntry{h: h, key: k, slot: int32(slot) + 1}
	}
	s.docKeys.Store(t)
	return t
}

// find returns the slot of key, whose keyHash is h, or -1.
func (t *docTable) find(key string, h uint64) int {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := &t.entries[i]
		if e.slot == 0 {
			return -1
		}
		if e.h == h && e.key == key {
			return int(e.slot) - 1
		}
	}
}
