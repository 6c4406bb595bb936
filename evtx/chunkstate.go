package evtx

import (
	"encoding/binary"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Limits that bound the work and memory spent on hostile input.
const (
	maxDepth      = 64      // nesting of elements, template instances and BinXml values
	recordBudget  = 1 << 16 // nodes parsed or visited while decoding one record
	maxValueCount = chunkSize / 4
	maxChunkNodes = 1 << 17 // parsed nodes per chunk
	maxArena      = 8 << 20 // bytes of rendered strings per chunk
	maxRender     = 8 << 20 // bytes of one rendered value or XML document
)

// Node kinds of the parsed BinXml tree.
const (
	kElem uint8 = iota + 1
	kAttr
	kText    // value text (0x05) or CDATA (0x07) or PI data (0x0b); text holds UTF-8
	kCDATA   // CDATA section
	kSubst   // normal or optional substitution
	kCharRef // character entity reference; n holds the code point
	kEntity  // entity reference; name holds the entity name
	kPI      // processing instruction: name is the target, text the data
	kTmpl    // template instance: first is the definition's content, attr/n the values
)

// node is one item of a parsed BinXml tree. Nodes live in chunkState.nodes and
// refer to each other by index, -1 meaning none.
type node struct {
	kind  uint8
	vtype uint8 // kSubst: value type declared by the token
	opt   bool  // kSubst: optional substitution
	tag   uint8 // kElem, kAttr: well-known name (tagEvent, ...)
	sub   uint16
	name  int32 // kElem, kAttr, kEntity, kPI: index into chunkState.names
	first int32 // kElem: first child; kAttr: first value node; kTmpl: template content
	attr  int32 // kElem: first attribute; kTmpl: index of the first value in chunkState.vals
	next  int32 // next sibling
	n     int32 // kTmpl: number of values; kCharRef: code point
	text  string
}

// value is one substitution value of a template instance: a type and a span
// of the chunk buffer.
type value struct {
	typ  uint8
	off  int32
	size int32
}

// scope is the set of values that substitutions in a node list refer to.
type scope struct {
	vs, nv int32
}

// ref is where a record's content starts: a node list and its values.
type ref struct {
	node int32
	sc   scope
}

type nameEntry struct {
	s   string
	tag uint8
}

// chunkState holds one chunk's bytes and everything decoded from it. It is
// owned by one goroutine at a time: a worker while decoding, then the reader
// of File.Next until it moves past the chunk, then it is recycled.
type chunkState struct {
	buf     []byte // the chunk, up to chunkSize bytes
	index   int
	offset  int64
	hdr     chunkHeader
	err     error // *ChunkError, or nil
	tailErr error // *RecordError that ended the records early, or nil

	nodes     []node
	vals      []value
	names     []nameEntry
	nameCache map[uint32]int32
	templates map[uint32]int32 // definition offset -> first content node; -2 while parsing
	binxml    map[uint32]int32 // BinXml value (offset<<16 | size) -> first content node

	arena []byte   // rendered strings
	strs  []string // backing store for Data.Values
	data  []Data   // backing store for Record.EventData

	recs []Record
	errs []error // per record, aligned with recs

	scratch []byte // text being rendered before it is copied to the arena
	esc     []byte // values being XML-escaped
	budget  int
	file    string
}

func newChunkState() *chunkState {
	return &chunkState{
		buf:       make([]byte, chunkSize),
		nameCache: make(map[uint32]int32, 64),
		templates: make(map[uint32]int32, 32),
		binxml:    make(map[uint32]int32, 32),
		arena:     make([]byte, 0, 64<<10),
	}
}

func (cs *chunkState) reset() {
	cs.nodes = cs.nodes[:0]
	cs.vals = cs.vals[:0]
	cs.names = cs.names[:0]
	clear(cs.nameCache)
	clear(cs.templates)
	clear(cs.binxml)
	cs.arena = cs.arena[:0]
	cs.strs = cs.strs[:0]
	cs.data = cs.data[:0]
	cs.recs = cs.recs[:0]
	cs.errs = cs.errs[:0]
	cs.err = nil
	cs.tailErr = nil
}

// str turns arena[start:] into a string that shares the arena's memory. The
// arena only grows by append, so earlier strings stay intact until reset.
func (cs *chunkState) str(start int) string {
	n := len(cs.arena) - start
	if n == 0 {
		return ""
	}
	return unsafe.String(&cs.arena[start], n)
}

// strBytes copies b into the arena and returns it as a string.
func (cs *chunkState) strBytes(b []byte) string {
	start := len(cs.arena)
	cs.arena = append(cs.arena, b...)
	return cs.str(start)
}

// appendUTF16 appends the UTF-16LE bytes b as UTF-8, stopping at a NUL
// character (values often carry their terminator).
func appendUTF16(dst, b []byte) []byte {
	n := len(b) &^ 1
	// at most 3 bytes of UTF-8 per UTF-16 unit (a surrogate pair makes 4 of 2 units)
	dst = slices.Grow(dst, n/2*3)
	out := dst[len(dst):cap(dst)]
	j := 0
	i := 0
	// fast path: eight, then four ASCII characters (no NUL) at a time
	const lo, hi, notASCII = 0x0001000100010001, 0x8000800080008000, 0xff80ff80ff80ff80
	for ; i+16 <= n && j+8 <= len(out); i += 16 {
		v1, v2 := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		// with all lanes below 0x80, lane-1 sets a lane's top bit only for a NUL
		if (v1|v2)&notASCII != 0 || ((v1-lo)|(v2-lo))&hi != 0 {
			break
		}
		binary.LittleEndian.PutUint64(out[j:], pack4(v1)|pack4(v2)<<32)
		j += 8
	}
	for ; i+8 <= n && j+4 <= len(out); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		if v&notASCII != 0 || (v-lo)&hi != 0 {
			break
		}
		binary.LittleEndian.PutUint32(out[j:], uint32(pack4(v)))
		j += 4
	}
	for ; i < n; i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		switch {
		case c == 0:
			return dst[:len(dst)+j]
		case c < 0x80:
			out[j] = byte(c)
			j++
		case c < 0x800:
			out[j], out[j+1] = byte(0xc0|c>>6), byte(0x80|c&0x3f)
			j += 2
		case utf16.IsSurrogate(rune(c)):
			r := utf8.RuneError
			if c < 0xdc00 && i+3 < n {
				c2 := uint16(b[i+2]) | uint16(b[i+3])<<8
				if c2 >= 0xdc00 && c2 < 0xe000 {
					r = utf16.DecodeRune(rune(c), rune(c2))
					i += 2
				}
			}
			j += utf8.EncodeRune(out[j:], r)
		default:
			out[j], out[j+1], out[j+2] = byte(0xe0|c>>12), byte(0x80|(c>>6)&0x3f), byte(0x80|c&0x3f)
			j += 3
		}
	}
	return dst[:len(dst)+j]
}

// pack4 gathers the low bytes of four 16-bit lanes (all below 0x100).
func pack4(v uint64) uint64 {
	v = (v | v>>8) & 0x0000ffff0000ffff
	return (v | v>>16) & 0xffffffff
}

// appendUTF16All is appendUTF16 without stopping at NUL characters; NULs
// are dropped.
func appendUTF16All(dst, b []byte) []byte {
	for len(b) >= 2 {
		k := 0
		for k+1 < len(b) && (b[k] != 0 || b[k+1] != 0) {
			k += 2
		}
		dst = appendUTF16(dst, b[:k])
		if k+2 > len(b) {
			break
		}
		b = b[k+2:]
	}
	return dst
}
