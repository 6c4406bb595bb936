package event

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// AppendJSON appends the document as a nested JSON object: keys are split
// on dots and grouped, and objects' keys are sorted. A key that is both a
// value and the prefix of other keys keeps the value under its own name and
// the rest as dotted keys, so nothing is lost.
//
// Documents built the same way have the same keys in the same order (a
// normaliser writes every Sysmon process creation alike), so the layout of
// a sequence of keys — the output order of the fields and the braces,
// commas and keys around their values — is computed once and cached
// (jsonShape): writing a document is then copying that text and its
// values. AppendJSON allocates nothing once its shape is cached.
func (d *Doc) AppendJSON(dst []byte) []byte {
	d = d.whole()
	sh := d.shape()
	prev := int32(0)
	for _, st := range sh.steps {
		dst = append(dst, sh.text[prev:st.cut]...)
		prev = st.cut
		v := &d.fields[st.field].Value
		if v.k != KindString || v.n != 0 { // n: see escapedString
			dst = appendJSONValue(dst, v)
		} else if s := v.str(); plainJSON(s) == len(s) { // most strings
			dst = append(dst, '"')
			dst = append(dst, s...)
			dst = append(dst, '"')
		} else {
			dst = appendJSONString(dst, s)
		}
	}
	return append(dst, sh.text[prev:]...)
}

// jsonShape is how a document with a given sequence of keys is written:
// for each field in output order, the text before its value.
type jsonShape struct {
	hash  uint64
	keys  string  // the keys in insertion order, one after the other
	ends  []int32 // key i is keys[ends[i-1]:ends[i]]
	steps []jsonStep
	text  string // text[steps[i-1].cut:steps[i].cut] precedes field steps[i].field; the rest ends the object
}

type jsonStep struct {
	field int32 // position in the document
	cut   int32 // end of the text before the field's value
}

// shapeCache holds the shapes of recent key sequences, two ways per set,
// most recent first. A race between writers can only lose an entry.
var shapeCache [1024]atomic.Pointer[jsonShape]

// shape returns the layout of d's keys, from the cache or built.
func (d *Doc) shape() *jsonShape {
	h := uint64(len(d.fields))
	for i := range d.fields {
		h = bits.RotateLeft64(h, 11) ^ d.fields[i].h
	}
	h = mix(h, hashMul)
	set := h & uint64(len(shapeCache)-1) &^ 1
	for w := range uint64(2) {
		if sh := shapeCache[set+w].Load(); sh != nil && sh.hash == h && d.hasKeys(sh) {
			return sh
		}
	}
	sh := buildShape(d.fields)
	sh.hash = h
	if old := shapeCache[set].Load(); old != nil {
		shapeCache[set+1].Store(old)
	}
	shapeCache[set].Store(sh)
	return sh
}

// hasKeys reports whether d's keys are sh's, in order.
func (d *Doc) hasKeys(sh *jsonShape) bool {
	if len(sh.ends) != len(d.fields) {
		return false
	}
	start := int32(0)
	for i, end := range sh.ends {
		if d.fields[i].Key != sh.keys[start:end] {
			return false
		}
		start = end
	}
	return true
}

// shapeBuilder is the working space of buildShape, reused so that a
// shape costs only its own memory.
type shapeBuilder struct {
	steps []jsonStep
	text  []byte
	segs  []string
	open  []string // segments of the open objects below the root
	// level[i] is the object at depth i: whether it has no member yet, and
	// the last key segment written in it as a value, if any.
	level []shapeLevel
}

type shapeLevel struct {
	empty   bool
	hasLeaf bool
	leaf    string
}

var shapeBuilders = sync.Pool{New: func() any { return new(shapeBuilder) }}

// buildShape lays out fields: sorted so that keys sharing a prefix are
// adjacent, each key opening and closing the objects between it and the
// previous one.
func buildShape(fields []Field) *jsonShape {
	b := shapeBuilders.Get().(*shapeBuilder)
	defer shapeBuilders.Put(b)
	var block strings.Builder
	size := 0
	for _, f := range fields {
		size += len(f.Key)
	}
	block.Grow(size)
	ends := make([]int32, len(fields))
	b.steps = b.steps[:0]
	for i, f := range fields {
		block.WriteString(f.Key)
		ends[i] = int32(block.Len())
		b.steps = append(b.steps, jsonStep{field: int32(i)})
	}
	slices.SortFunc(b.steps, func(x, y jsonStep) int {
		return compareDotted(fields[x.field].Key, fields[y.field].Key)
	})
	text := append(b.text[:0], '{')
	open := b.open[:0]
	level := append(b.level[:0], shapeLevel{empty: true})
	segs := b.segs
	key := func(k string) {
		if top := &level[len(level)-1]; top.empty {
			top.empty = false
		} else {
			text = append(text, ',')
		}
		text = AppendJSONString(text, k)
		text = append(text, ':')
	}
	for i := range b.steps {
		k := fields[b.steps[i].field].Key
		segs = splitKey(segs[:0], k)
		common := 0
		for common < len(open) && common < len(segs)-1 && open[common] == segs[common] {
			common++
		}
		for len(open) > common {
			text = append(text, '}')
			open, level = open[:len(open)-1], level[:len(level)-1]
		}
		depth := len(open)
		if l := &level[depth]; len(segs) > depth+1 && l.hasLeaf && l.leaf == segs[depth] {
			// The prefix is a value at this level: the rest goes out
			// dotted beside it.
			off := 0
			for _, s := range segs[:depth] {
				off += len(s) + 1
			}
			key(k[off:])
		} else {
			for _, s := range segs[depth : len(segs)-1] {
				key(s)
				text = append(text, '{')
				open = append(open, s)
				level = append(level, shapeLevel{empty: true})
			}
			key(segs[len(segs)-1])
			l := &level[len(level)-1]
			l.hasLeaf, l.leaf = true, segs[len(segs)-1]
		}
		b.steps[i].cut = int32(len(text))
	}
	for range open {
		text = append(text, '}')
	}
	text = append(text, '}')
	sh := &jsonShape{keys: block.String(), ends: ends, steps: slices.Clone(b.steps), text: string(text)}
	// Keep the working space, without references to these keys.
	clear(segs[:cap(segs)])
	clear(open[:cap(open)])
	clear(level[:cap(level)])
	b.text, b.open, b.level, b.segs = text, open[:0], level[:0], segs[:0]
	return sh
}

func splitKey(dst []string, k string) []string {
	for {
		i := strings.IndexByte(k, '.')
		if i < 0 {
			return append(dst, k)
		}
		dst = append(dst, k[:i])
		k = k[i+1:]
	}
}

// compareDotted orders dotted keys segment by segment, so that keys sharing
// a prefix are adjacent: it compares bytes, with '.' (the end of a
// segment) below every other byte.
func compareDotted(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		switch {
		case ca == cb:
			continue
		case ca == '.':
			return -1
		case cb == '.', ca > cb:
			return 1
		}
		return -1
	}
	return len(a) - len(b)
}

// appendJSONValue is Value.AppendJSON with a faster string writer.
func appendJSONValue(dst []byte, v *Value) []byte {
	switch v.k {
	case KindString:
		return appendJSONString(dst, v.Str())
	case KindArray:
		dst = append(dst, '[')
		for i := range v.l {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, &v.arr()[i])
		}
		return append(dst, ']')
	}
	return v.AppendJSON(dst)
}

// appendJSONString is AppendJSONString: it looks for bytes to escape eight
// at a time.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for {
		i := plainJSON(s)
		dst = append(dst, s[:i]...)
		if i == len(s) {
			return append(dst, '"')
		}
		switch c := s[i]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		s = s[i+1:]
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainJSON returns the length of the longest prefix of s that needs no
// escaping in a JSON string: no control byte, '"' or '\\'.
func plainJSON(s string) int {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	n := len(b)
	switch {
	case n >= 8:
		i := 0
		for ; i+8 <= n; i += 8 {
			if m := escapeMask(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				return i + bits.TrailingZeros64(m)/8
			}
		}
		// The last few bytes: one more word, overlapping the ones checked.
		if i < n {
			if m := escapeMask(binary.LittleEndian.Uint64(b[n-8:])); m != 0 {
				return n - 8 + bits.TrailingZeros64(m)/8
			}
		}
		return n
	case n >= 4:
		// The first and the last four bytes, overlapping: a byte to escape
		// in both halves is found in the first.
		w := uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
		m := escapeMask(w)
		if m == 0 {
			return n
		}
		if k := bits.TrailingZeros64(m) / 8; k < 4 {
			return k
		}
		return n - 8 + bits.TrailingZeros64(m)/8
	}
	for i := range n {
		if !plainByte[b[i]] {
			return i
		}
	}
	return n
}

// plainByte tells the bytes that a JSON string holds as they are.
var plainByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// escapeMask has the high bit set of the bytes of w that are a control
// byte, '"' or '\\' (the classic "has a byte less than n" tests: n = 0x20,
// and 1 for a zero byte of w^'"' and of w^'\\'). Borrows can mark bytes
// above a matching one too, but the lowest marked byte always matches, and
// bytes from 0x80 up never do: w's high bits mask them out.
func escapeMask(w uint64) uint64 {
	q := w ^ ('"' * ones)
	bs := w ^ ('\\' * ones)
	return ((w - 0x20*ones) | (q - ones) | (bs - ones)) &^ w & highs
}

// hashSeed makes key hashes differ between processes, so that inputs
// cannot be made to collide in a document's key table. Each multiplication
// takes a seeded operand from either side, so that no chosen input can
// zero one and lose the seed.
var (
	hashSeed  = rand.Uint64()
	hashSeed1 = rand.Uint64()
	hashSeed2 = rand.Uint64()
)

const hashMul = 0x9e3779b97f4a7c15

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// keyHash hashes a document key: every byte, sixteen at a time (two words
// per multiplication, as wyhash does).
func keyHash(s string) uint64 {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	n := len(b)
	h := hashSeed ^ uint64(n)*hashMul
	var w0, w1 uint64
	switch {
	case n > 16:
		for len(b) > 16 {
			h = mix(binary.LittleEndian.Uint64(b)^hashSeed1, binary.LittleEndian.Uint64(b[8:])^h)
			b = b[16:]
		}
		// The last sixteen bytes, overlapping those hashed.
		b = unsafe.Slice(unsafe.StringData(s), n)[n-16:]
		w0, w1 = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	case n >= 8:
		w0, w1 = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		w0, w1 = uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		w0 = uint64(b[0])<<16 | uint64(b[n/2])<<8 | uint64(b[n-1])
	}
	return mix(mix(w0^hashSeed2, w1^h), hashMul)
}
