package event

import (
	"math"
	"strconv"

	"github.com/vigilsec/vigil/internal/jsonscan"
)

// SyntaxError is a malformed JSON document; Offset is the byte offset in it.
type SyntaxError = jsonscan.SyntaxError

// Decode fills ev from one JSON document (an object) with the values of the
// schema's fields. ev.Raw is set to data, which is not copied: keep data
// unchanged while ev is in use, or Clone the event. Decode resets ev first
// but keeps Source, Pos and Seq.
func (s *Schema) Decode(data []byte, ev *Event) error {
	if s.stale.Load() {
		s.reindex()
	}
	src, pos, seq := ev.Source, ev.Pos, ev.Seq
	ev.Reset(len(s.names))
	ev.Source, ev.Pos, ev.Seq = src, pos, seq
	ev.Raw = data
	if cap(ev.cvals) == 0 {
		// A fresh event: room for as many values as the last document
		// had, at once (see Schema.hint).
		ev.reserveVals(int(s.hint.Load()))
	}
	buf, after := ev.afterOwned(data)
	room := !after && ev.roomCap != 0
	switch {
	case room:
		buf = ev.lentRoom()
	case !after:
		buf = ev.buf
	}
	d := decoder{Scanner: jsonscan.Scanner{Data: data, Buf: buf}, ev: ev, unescapeAll: s.unescapeAll.Load()}
	err := d.Begin()
	if err == nil {
		err = d.object(s.root, 0)
	}
	if err == nil {
		err = d.End()
	}
	switch {
	case after:
		ev.keepAfter(d.Buf)
	case room:
		ev.keepRoom(d.Buf)
	default:
		ev.buf = d.Buf
	}
	if err != nil {
		return err
	}
	if len(data) <= math.MaxInt32 {
		ev.decodedAt, ev.decodedLen = &data[0], int32(len(data))
	}
	if n := int32(min(len(ev.cvals), maxHint)); n > s.hint.Load() {
		s.hint.Store(n) // a race between decoders loses at most a little room
	}
	return nil
}

// maxHint bounds Schema.hint, so that one document with very many fields
// does not make every fresh event that large.
const maxHint = 128

// decoder walks a document with the schema's key trie.
type decoder struct {
	jsonscan.Scanner
	ev          *Event
	unescapeAll bool // see Schema.UnescapeAll
}

// object decodes an object whose '{' is at d.Pos, descending into keys the
// trie node n knows and skipping the rest. It walks the members itself,
// as Scanner.Object does, without a call through a closure per member.
func (d *decoder) object(n *node, depth int) error {
	empty, err := d.Open(depth)
	if err != nil || empty {
		return err
	}
	for {
		key, err := d.Key()
		if err != nil {
			return err
		}
		// The entry holds the slot: a string or a number does not read
		// the child node, a cache miss for most keys.
		if e := n.keys.entry(key); e != nil {
			err = d.field(e.n, e.slot(), e.escaped(), depth+1)
		} else if k := n.dotted(key); k != nil {
			err = d.field(k, k.slot, k.escaped, depth+1)
		} else {
			err = d.Skip(depth + 1)
		}
		if err != nil {
			return err
		}
		// A comma and the next key's quote, as machines write them, are
		// passed here; Next takes the rest.
		if p := d.Pos; p+1 < len(d.Data) && d.Data[p] == ',' && d.Data[p+1] == '"' {
			d.Pos = p + 1
			continue
		}
		end, err := d.Next('}')
		if err != nil || end {
			return err
		}
	}
}

// field decodes the value at d.Pos for trie node n, whose slot and
// escaped flag (node.slot, node.escaped) the caller passes: strings and
// numbers are decoded without reading n. Strings, most values, are read
// here rather than through scalar.
func (d *decoder) field(n *node, slot int, escaped bool, depth int) error {
	switch d.Data[d.Pos] {
	case '"':
		if slot < 0 {
			return d.Skip(depth)
		}
		if escaped && !d.unescapeAll {
			return d.escapedString(slot)
		}
		s, err := d.String()
		if err != nil {
			return err
		}
		d.ev.add(slot, strValue(s))
		return nil
	case '{':
		if slot >= 0 && !d.ev.has(slot) {
			d.ev.fill(slot, Value{k: KindObject})
		}
		if n.kids == nil {
			return d.Skip(depth)
		}
		return d.object(n, depth)
	case '[':
		return d.array(n, depth)
	}
	if slot < 0 {
		return d.Skip(depth)
	}
	v, err := d.scalar()
	if err != nil {
		return err
	}
	d.ev.add(slot, v)
	return nil
}

// array decodes an array for node n: scalars are added to n's slot (nested
// arrays flattened), objects are descended into.
func (d *decoder) array(n *node, depth int) error {
	if n.slot >= 0 && !d.ev.has(n.slot) && d.emptyArray() {
		d.ev.fill(n.slot, Value{k: KindArray})
	}
	return d.Array(depth, func() error { return d.field(n, n.slot, n.escaped, depth+1) })
}

// emptyArray reports whether the array at d.Pos is empty.
func (d *decoder) emptyArray() bool {
	for i := d.Pos + 1; i < len(d.Data); i++ {
		switch d.Data[i] {
		case ' ', '\t', '\n', '\r':
		case ']':
			return true
		default:
			return false
		}
	}
	return false
}

// scalar decodes a string, number, true, false or null at d.Pos. A number
// is an int when it is integral and fits in int64, a float otherwise.
func (d *decoder) scalar() (Value, error) {
	start := d.Pos
	k, text, err := d.Scalar()
	if err != nil {
		return Value{}, err
	}
	switch k {
	case jsonscan.String:
		return strValue(text), nil
	case jsonscan.True:
		return Value{k: KindBool, n: 1}, nil
	case jsonscan.False:
		return Value{k: KindBool}, nil
	case jsonscan.Null:
		return Value{k: KindNull}, nil
	}
	if i, ok := jsonscan.Int(text); ok {
		return Value{k: KindInt, n: uint64(i)}, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			d.Pos = start
			return Value{}, d.Fail("invalid number " + strconv.Quote(text))
		}
	}
	return Float(f), nil
}
