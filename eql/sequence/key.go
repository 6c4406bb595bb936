package sequence

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
)

// A join key is encoded as the concatenation of its values, each a tag byte
// and a payload, so that one byte string identifies the whole tuple and can
// index a map without building a Go value per event. Numbers are normalised
// first: an integral float is encoded as the integer it equals, so 1234 and
// 1234.0 are the same key, as they are in Elasticsearch.
const (
	tagNull  byte = 0x00
	tagFalse byte = 0x01
	tagTrue  byte = 0x02
	tagInt   byte = 0x03 // 8 bytes, big endian, sign bit flipped
	tagFloat byte = 0x04 // 8 bytes, order-preserving float bits
	tagStr   byte = 0x05 // uvarint length, then the bytes
)

// appendScalar appends the encoding of a scalar value. It reports false for
// a value that is no key value at all (missing, null, or an object), for
// which the caller decides between null and exclusion.
func appendScalar(dst []byte, v event.Value) ([]byte, bool) {
	switch v.Kind() {
	case event.KindString:
		s := v.Str()
		dst = append(dst, tagStr)
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		return append(dst, s...), true
	case event.KindInt:
		return appendInt(dst, v.Int()), true
	case event.KindFloat:
		f := v.Float()
		if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return appendInt(dst, int64(f)), true
		}
		b := math.Float64bits(f)
		if b>>63 != 0 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		dst = append(dst, tagFloat)
		return binary.BigEndian.AppendUint64(dst, b), true
	case event.KindBool:
		if v.Bool() {
			return append(dst, tagTrue), true
		}
		return append(dst, tagFalse), true
	}
	return dst, false
}

func appendInt(dst []byte, i int64) []byte {
	dst = append(dst, tagInt)
	return binary.BigEndian.AppendUint64(dst, uint64(i)^(1<<63))
}

// keyValue decodes the value at the start of an encoded key and returns it
// with the rest of the key. Strings refer to key's memory, which is an
// immutable Go string, so the values may be kept.
func keyValue(key string) (event.Value, string) {
	if key == "" {
		return event.Value{}, ""
	}
	switch key[0] {
	case tagFalse:
		return event.Bool(false), key[1:]
	case tagTrue:
		return event.Bool(true), key[1:]
	case tagInt:
		u := binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(key[1:9]), 8))
		return event.Int(int64(u ^ (1 << 63))), key[9:]
	case tagFloat:
		b := binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(key[1:9]), 8))
		if b>>63 != 0 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		return event.Float(math.Float64frombits(b)), key[9:]
	case tagStr:
		n, w := uvarint(key[1:])
		start := 1 + w
		return event.Str(key[start : start+n]), key[start+n:]
	}
	return event.Null(), key[1:]
}

func uvarint(s string) (int, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			return int(x | uint64(c)<<shift), i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, len(s)
}

// decodeKey returns the values of an encoded key tuple.
func decodeKey(key string) []event.Value {
	if key == "" {
		return nil
	}
	var out []event.Value
	for key != "" {
		var v event.Value
		v, key = keyValue(key)
		out = append(out, v)
	}
	return out
}

// decodeKeyFrom is decodeKey(key) read from hot, a copy of key's bytes
// still in the cache: the key string of an entry is seldom in the cache
// when a sequence completes, and its bytes need not be read, only referred
// to (the values' strings are key's).
func decodeKeyFrom(hot []byte, key string) []event.Value {
	s := unsafe.String(unsafe.SliceData(hot), len(hot))
	var out []event.Value
	for s != "" {
		v, rest := keyValue(s)
		if v.Kind() == event.KindString {
			end := len(key) - len(rest)
			v = event.Str(key[end-len(v.Str()) : end])
		}
		out = append(out, v)
		s = rest
	}
	return out
}

// compareKeys orders encoded key tuples as Elasticsearch orders join keys
// (composite aggregation order): value by value, null first, then booleans
// (false before true), numbers by value, strings byte-wise.
func compareKeys(a, b string) int {
	for a != "" && b != "" {
		var va, vb event.Value
		va, a = keyValue(a)
		vb, b = keyValue(b)
		if c := order.CompareValues(va, vb); c != 0 {
			return c
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// keyBuilder computes the join keys of an event for a stage: the cartesian
// product of the distinct values of its key fields. It reuses its buffers,
// so building keys does not allocate once they have grown.
type keyBuilder struct {
	keys   []byte // the keys, concatenated
	ends   []int  // end offset of each key in keys
	segs   []byte // distinct encoded values of each field, concatenated
	segEnd []int  // end offset of each value in segs
	fields []int  // index in segEnd one past each field's last value
	idx    []int  // odometer over the fields' values
	max    int    // cap on values per field and on keys per event
	// truncated counts events whose keys were cut to max.
	truncated uint64
}

// build computes the keys of ev for keys and reports how many there are;
// key i is b.key(i). An event whose non-optional key field has no value
// yields none.
func (b *keyBuilder) build(ev *event.Event, keys []Key) int {
	b.keys = b.keys[:0]
	b.ends = b.ends[:0]
	// Fast path: every field holds one scalar.
	multi := false
	for i := range keys {
		v := keys[i].Get(ev)
		if v.Kind() == event.KindArray {
			multi = true
			break
		}
		var ok bool
		b.keys, ok = appendScalar(b.keys, v)
		if !ok {
			if !keys[i].Optional {
				return 0
			}
			b.keys = append(b.keys, tagNull)
		}
	}
	if !multi {
		b.ends = append(b.ends, len(b.keys))
		return 1
	}
	return b.buildMulti(ev, keys)
}

func (b *keyBuilder) buildMulti(ev *event.Event, keys []Key) int {
	b.keys = b.keys[:0]
	b.segs = b.segs[:0]
	b.segEnd = b.segEnd[:0]
	b.fields = b.fields[:0]
	truncated := false
	for i := range keys {
		first := len(b.segEnd)
		v := keys[i].Get(ev)
		if v.Kind() == event.KindArray {
			for _, e := range v.Array() {
				truncated = b.addValue(first, e) || truncated
			}
		} else {
			truncated = b.addValue(first, v) || truncated
		}
		if len(b.segEnd) == first {
			// No value: null when optional, no key otherwise.
			if !keys[i].Optional {
				return 0
			}
			b.segs = append(b.segs, tagNull)
			b.segEnd = append(b.segEnd, len(b.segs))
		}
		b.fields = append(b.fields, len(b.segEnd))
	}
	// Odometer over the fields' values, last field fastest.
	n := len(keys)
	b.idx = b.idx[:0]
	for i := 0; i < n; i++ {
		start := 0
		if i > 0 {
			start = b.fields[i-1]
		}
		b.idx = append(b.idx, start)
	}
	for {
		if len(b.ends) >= b.max {
			truncated = true
			break
		}
		for i := 0; i < n; i++ {
			j := b.idx[i]
			from := 0
			if j > 0 {
				from = b.segEnd[j-1]
			}
			b.keys = append(b.keys, b.segs[from:b.segEnd[j]]...)
		}
		b.ends = append(b.ends, len(b.keys))
		i := n - 1
		for ; i >= 0; i-- {
			b.idx[i]++
			if b.idx[i] < b.fields[i] {
				break
			}
			start := 0
			if i > 0 {
				start = b.fields[i-1]
			}
			b.idx[i] = start
		}
		if i < 0 {
			break
		}
	}
	if truncated {
		b.truncated++
	}
	return len(b.ends)
}

// addValue adds the encoding of e to the values of the field whose first
// value is segEnd[first], unless it is no key value or a duplicate. It
// reports whether the value was dropped because the field is full.
func (b *keyBuilder) addValue(first int, e event.Value) bool {
	start := len(b.segs)
	var ok bool
	b.segs, ok = appendScalar(b.segs, e)
	if !ok {
		return false
	}
	seg := b.segs[start:]
	from := 0
	if first > 0 {
		from = b.segEnd[first-1]
	}
	for j := first; j < len(b.segEnd); j++ {
		if string(b.segs[from:b.segEnd[j]]) == string(seg) {
			b.segs = b.segs[:start]
			return false
		}
		from = b.segEnd[j]
	}
	if len(b.segEnd)-first >= b.max {
		b.segs = b.segs[:start]
		return true
	}
	b.segEnd = append(b.segEnd, len(b.segs))
	return false
}

// key returns key i of the last build.
func (b *keyBuilder) key(i int) []byte {
	from := 0
	if i > 0 {
		from = b.ends[i-1]
	}
	return b.keys[from:b.ends[i]]
}
