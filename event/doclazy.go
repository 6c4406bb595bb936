package event

import (
	"bytes"
	"sync/atomic"
	"unsafe"

	"github.com/vigilsec/vigil/internal/span"
)

// A DocMapper builds a document again from the bytes it was first built
// from (a raw Windows record's JSON), for a Doc that LoadDocLazy made
// without its fields. MapDoc must give the same document each time for the
// same bytes, in memory of its own that nothing writes again; safe for
// concurrent use. A document that cannot be built (which bytes that were
// built from once never give) is empty.
type DocMapper interface {
	MapDoc(src []byte) *Doc
}

// whole returns the document itself, or for a lazy one the document its
// mapper builds from its bytes, built on first use and then kept. Readers
// on several goroutines may ask at once: one built document wins.
func (d *Doc) whole() *Doc {
	if d.mapper == nil {
		return d
	}
	if p := atomic.LoadPointer(&d.full); p != nil {
		return (*Doc)(p)
	}
	w := d.mapper.MapDoc(d.src)
	if w == nil {
		w = &Doc{}
	}
	if !atomic.CompareAndSwapPointer(&d.full, nil, unsafe.Pointer(w)) {
		return (*Doc)(atomic.LoadPointer(&d.full))
	}
	return w
}

// settle turns a lazy document into an ordinary one holding the built
// fields, before it is changed.
func (d *Doc) settle() {
	if d.mapper == nil {
		return
	}
	w := d.whole()
	d.fields = append(d.fields[:0], w.fields...)
	d.clearLazy()
	d.reindex()
}

func (d *Doc) clearLazy() {
	d.src, d.mapper, d.lazyLen = nil, nil, 0
	atomic.StorePointer(&d.full, nil)
}

// cloneLazy is Clone for a lazy document: a copy of its bytes.
func (d *Doc) cloneLazy() *Doc {
	return &Doc{src: bytes.Clone(d.src), mapper: d.mapper, lazyLen: d.lazyLen}
}

// LoadDocLazy fills ev from built, a document of src that its builder
// reuses, as LoadDoc does, but without keeping built: ev.Doc is a lazy
// document that m builds again from src when it is read (Fields, Get,
// AppendJSON, ...), which only the rare event that raises an alert needs.
// Only the values that go to slots are made the event's own (the strings
// lying in one of reused are copied, as OwnDocReusing does, and the
// elements of arrays); the rest of built is not looked at twice. src must
// be the event's own (Own) and stay unchanged while ev holds it; m must
// build from src a document whose fields with a slot are built's. built
// may leave out fields no slot takes; the lazy document's Len is then
// built's, not the whole document's.
func (s *Schema) LoadDocLazy(built *Doc, ev *Event, reused [][]byte, src []byte, m DocMapper) {
	s.LoadDocLazyMoving(built, nil, ev, reused, nil, src, m)
}

// SlotValue is a value for a slot, given by a builder that knows the slot
// of the field (see LoadDocLazyMoving).
type SlotValue struct {
	Slot  int
	Value Value
}

// LoadDocLazyMoving is LoadDocLazy for a builder that gives some of the
// document's fields by slot, slotted, rather than in built (after built's
// fields, and counted in the lazy document's Len; a negative slot is no
// field), and that has one more
// buffer it writes again, moved, holding many short strings that slotted values
// share (the strings a raw record's decoder unescaped: a command line
// and the arguments split from it, a path and the name cut from it).
// The event gets them by copying moved whole, once, when the first of
// them fills a slot, and each at its offset there: one copy of a few
// hundred bytes rather than one for each value, and a string that
// several values share is held once. Strings in moved need not also be
// in reused.
func (s *Schema) LoadDocLazyMoving(built *Doc, slotted []SlotValue, ev *Event, reused [][]byte, moved []byte, src []byte, m DocMapper) {
	srcName, pos, seq := ev.Source, ev.Pos, ev.Seq
	ev.Reset(len(s.names))
	ev.Source, ev.Pos, ev.Seq = srcName, pos, seq
	d := ev.spareDoc
	ev.spareDoc = nil
	if d == nil {
		d = &Doc{}
	} else {
		d.Reset()
	}
	d.src, d.mapper, d.lazyLen = src, m, len(built.fields)
	ev.Doc = d
	t := s.docKeys.Load()
	if t == nil {
		t = s.buildDocKeys()
	}
	o := mover{owner: owner{e: ev, owned: ev.store, reused: reused, some: reused != nil}, moved: moved}
	idx := ev.idx
	for i := range built.fields {
		f := &built.fields[i]
		slot := t.find(f.Key, f.h)
		if slot < 0 || f.Value.k == KindMissing {
			continue
		}
		o.load(slot, f.Value, idx)
	}
	for i := range slotted {
		if sv := &slotted[i]; sv.Slot >= 0 && sv.Value.k != KindMissing {
			o.load(sv.Slot, sv.Value, idx)
			d.lazyLen++
		}
	}
}

// load gives slot the value v, made the event's own; idx is the event's.
func (o *mover) load(slot int, v Value, idx []uint16) {
	switch v.k {
	case KindString:
		v.setStr(o.str(v.str()))
	case KindArray:
		v = o.value(v)
	}
	if slot < len(idx) && idx[slot] == 0 {
		o.e.fill(slot, v)
		return
	}
	o.e.Add(slot, v)
}

// mover is an owner that copies the strings lying in moved as one block
// (see LoadDocLazyMoving).
type mover struct {
	owner
	moved []byte
	copy  []byte // the event's copy of moved, once made
}

// str returns s in memory the event may hold.
func (o *mover) str(s string) string {
	if off, ok := span.Within(s, o.moved); ok {
		if o.copy == nil {
			o.copy = o.e.Own(o.moved)
		}
		return unsafe.String(&o.copy[off], len(s))
	}
	s, _ = o.owner.str(s)
	return s
}

// value is owner.value with the strings of moved copied as str does.
func (o *mover) value(v Value) Value {
	switch v.k {
	case KindString:
		v.setStr(o.str(v.str()))
	case KindArray:
		v = o.e.storeArray(v, o.value)
	}
	return v
}

// HasKey reports whether a document key (a dotted path) has a slot.
func (s *Schema) HasKey(key string) bool { return s.KeySet().Has(key) }

// KeySet is the set of document keys (dotted paths) a schema had slots for
// at one time, for a builder that leaves out what no slot takes
// (winlog.Normalizer.Only): it may keep what it derived from one KeySet
// while the schema's KeySet compares equal to it (==), that is until a
// path is registered. The zero KeySet is empty.
type KeySet struct{ t *docTable }

// KeySet returns the schema's keys as they are now.
func (s *Schema) KeySet() KeySet {
	t := s.docKeys.Load()
	if t == nil {
		t = s.buildDocKeys()
	}
	return KeySet{t}
}

// Has reports whether key has a slot.
func (k KeySet) Has(key string) bool { return k.t != nil && k.t.find(key, keyHash(key)) >= 0 }
