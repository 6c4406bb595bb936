package event

import (
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Doc is a document built field by field, as a normaliser builds an ECS
// document from a Windows record: dotted keys in insertion order, each with
// a scalar or an array of scalars. It is rendered as nested JSON.
type Doc struct {
	fields []Field
	index  map[string]int
}

// Field is one key of a Doc.
type Field struct {
	Key   string
	Value Value
}

// indexAt is the number of fields above which Doc keeps a key index.
const indexAt = 24

// Reset empties the document for reuse.
func (d *Doc) Reset() {
	clear(d.fields)
	d.fields = d.fields[:0]
	if d.index != nil {
		clear(d.index)
	}
}

// Len returns the number of fields.
func (d *Doc) Len() int { return len(d.fields) }

// Fields returns the fields in insertion order. The slice is the Doc's own.
func (d *Doc) Fields() []Field { return d.fields }

func (d *Doc) find(key string) int {
	if d.index != nil {
		if i, ok := d.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range d.fields {
		if d.fields[i].Key == key {
			return i
		}
	}
	return -1
}

func (d *Doc) add(key string, v Value) {
	d.fields = append(d.fields, Field{Key: key, Value: v})
	if d.index != nil {
		d.index[key] = len(d.fields) - 1
	} else if len(d.fields) > indexAt {
		d.index = make(map[string]int, 2*indexAt)
		for i, f := range d.fields {
			d.index[f.Key] = i
		}
	}
}

// Set stores v at key, replacing any value there. A missing v deletes the
// key.
func (d *Doc) Set(key string, v Value) {
	if v.k == KindMissing {
		d.Delete(key)
		return
	}
	if i := d.find(key); i >= 0 {
		d.fields[i].Value = v
		return
	}
	d.add(key, v)
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
	i := d.find(key)
	if i < 0 {
		if v.k == KindArray {
			d.add(key, Array(slices.Clone(v.a)...))
		} else {
			d.add(key, Array(v))
		}
		return
	}
	old := d.fields[i].Value
	var arr []Value
	if old.k == KindArray {
		arr = old.a
	} else if old.k != KindMissing {
		arr = []Value{old}
	}
	if v.k == KindArray {
		arr = append(arr, v.a...)
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
	if i := d.find(key); i >= 0 {
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
	i := d.find(key)
	if i < 0 {
		return
	}
	d.fields = slices.Delete(d.fields, i, i+1)
	if d.index != nil {
		delete(d.index, key)
		for j := i; j < len(d.fields); j++ {
			d.index[d.fields[j].Key] = j
		}
	}
}

// Clone returns a deep copy of the document: one block for its strings,
// one for its array elements.
func (d *Doc) Clone() *Doc {
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
		c.fields[i] = Field{Key: key, Value: v}
	}
	if len(c.fields) > indexAt {
		c.index = make(map[string]int, len(c.fields))
		for i, f := range c.fields {
			c.index[f.Key] = i
		}
	}
	return c
}

var orderPool = sync.Pool{New: func() any { return new([]int) }}

// AppendJSON appends the document as a nested JSON object: keys are split
// on dots and grouped, and objects' keys are sorted. A key that is both a
// value and the prefix of other keys keeps the value under its own name and
// the rest as dotted keys, so nothing is lost.
func (d *Doc) AppendJSON(dst []byte) []byte {
	op := orderPool.Get().(*[]int)
	order := (*op)[:0]
	for i := range d.fields {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return compareDotted(d.fields[a].Key, d.fields[b].Key)
	})
	dst, _ = d.writeObject(dst, order, 0, 0)
	*op = order
	orderPool.Put(op)
	return dst
}

// segment returns the dotted segment of key that starts at byte off, and
// whether it is the key's last.
func segment(key string, off int) (string, bool) {
	rest := key[off:]
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		return rest[:i], false
	}
	return rest, true
}

// sharesPrefix reports whether key starts with the first n bytes of ref
// and goes on past them.
func sharesPrefix(key, ref string, n int) bool {
	return len(key) > n && key[:n] == ref[:n]
}

// writeObject writes, as one object, the fields order[from:] that share
// their first off bytes (whole segments and the dot after them) with
// order[from]. It returns where it stopped.
func (d *Doc) writeObject(dst []byte, order []int, from, off int) ([]byte, int) {
	dst = append(dst, '{')
	i := from
	first := true
	var ref string
	if from < len(order) {
		ref = d.fields[order[from]].Key
	}
	for i < len(order) && sharesPrefix(d.fields[order[i]].Key, ref, off) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		key := d.fields[order[i]].Key
		seg, last := segment(key, off)
		dst = AppendJSONString(dst, seg)
		dst = append(dst, ':')
		if last {
			dst = d.fields[order[i]].Value.AppendJSON(dst)
			i++
			// Keys below a leaf go out dotted at this level.
			for i < len(order) {
				k := d.fields[order[i]].Key
				if !sharesPrefix(k, ref, off) || !strings.HasPrefix(k[off:], seg+".") {
					break
				}
				dst = append(dst, ',')
				dst = AppendJSONString(dst, k[off:])
				dst = append(dst, ':')
				dst = d.fields[order[i]].Value.AppendJSON(dst)
				i++
			}
			continue
		}
		dst, i = d.writeObject(dst, order, i, off+len(seg)+1)
	}
	return append(dst, '}'), i
}

// LoadDoc fills ev from a Doc: each field whose key the schema knows goes to
// its slot. ev.Doc is set to d (not copied).
func (s *Schema) LoadDoc(d *Doc, ev *Event) {
	src, pos, seq := ev.Source, ev.Pos, ev.Seq
	ev.Reset(len(s.names))
	ev.Source, ev.Pos, ev.Seq = src, pos, seq
	ev.Doc = d
	for _, f := range d.fields {
		if i, ok := s.index[f.Key]; ok {
			ev.Add(i, f.Value)
		}
	}
}

// compareDotted orders dotted keys segment by segment, so that keys sharing
// a prefix are adjacent.
func compareDotted(a, b string) int {
	for {
		ia := strings.IndexByte(a, '.')
		ib := strings.IndexByte(b, '.')
		sa, sb := a, b
		if ia >= 0 {
			sa = a[:ia]
		}
		if ib >= 0 {
			sb = b[:ib]
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
		if ia < 0 || ib < 0 {
			switch {
			case ia < 0 && ib < 0:
				return 0
			case ia < 0:
				return -1
			default:
				return 1
			}
		}
		a, b = a[ia+1:], b[ib+1:]
	}
}
