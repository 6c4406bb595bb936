// This file holds the table the decoder looks document keys up in: every
// key of every document meets it, and most keys are not in it.

package event

import (
	"math/bits"

	"github.com/vigilsec/vigil/internal/keyword"
)

// keyTable finds a node's child by key segment. Go's map hashes the whole
// key with AES rounds and probes its groups; here a multiply-shift hash of
// the key's length and its first and last eight bytes picks a place in
// an open-addressed table with at least half again as many places as
// keys, probed linearly: a lookup reads one entry, most often. An entry
// holds those bytes of its key, which are the whole key when it has at
// most 16 (most keys of Windows documents): a miss (many document keys)
// and such a hit are settled by the entry alone, without reading the
// node or the segment's bytes (other cache lines, cold for most keys). A
// longer key's segment is compared too. It is rebuilt whenever a child is
// added (Schema.reindex) and read-only after that.
type keyTable struct {
	entries []keyEntry // a power of two of them; n is nil in an empty one
	mult    uint64     // odd multiplier of the hash
	shift   uint8      // 64 - log2(len(entries))
}

// keyEntry is a child, the first and last bytes of its segment (see
// keyBytes) and the segment's length, and what the decoder needs of the
// child for a value: its slot, and whether its strings are kept escaped.
// The child node itself lies elsewhere in memory, a cache line that most
// keys would miss: the decoder reads it only for an object or an array.
type keyEntry struct {
	lo, hi uint64
	n      *node
	size   int32
	// info is the child's slot times two, plus one when its strings are
	// kept escaped (node.escaped): -2 for no slot.
	info int32
}

// slot is the child's slot, -1 for none.
func (e *keyEntry) slot() int { return int(e.info >> 1) }

// escaped reports whether the child's strings are kept escaped.
func (e *keyEntry) escaped() bool { return e.info&1 != 0 }

// entryInfo is keyEntry.info for node n.
func entryInfo(n *node) int32 {
	info := int32(n.slot) << 1
	if n.escaped {
		info |= 1
	}
	return info
}

// shortKey is the longest key whose keyBytes are the whole key.
const shortKey = 16

// keyBytes returns a key's first and last eight bytes (keyword.Bytes):
// with the key's length they are the whole key, up to shortKey bytes, and
// lo ^ hi<<<31 plus the length is its keyword.Word.
func keyBytes(k string) (lo, hi uint64) { return keyword.Bytes(k) }

// segHash is the key's word (keyword.Word) from its bytes and length.
func segHash(lo, hi uint64, n int) uint64 {
	return lo ^ bits.RotateLeft64(hi, 31) + uint64(n)<<56
}

// find returns the child whose segment is key, or nil.
func (t *keyTable) find(key string) *node {
	if e := t.entry(key); e != nil {
		return e.n
	}
	return nil
}

// entry returns the entry of the child whose segment is key, or nil.
func (t *keyTable) entry(key string) *keyEntry {
	if t.entries == nil {
		return nil
	}
	lo, hi := keyBytes(key)
	mask := uint64(len(t.entries) - 1)
	for b := (segHash(lo, hi, len(key)) * t.mult) >> t.shift; ; b = (b + 1) & mask {
		e := &t.entries[b]
		if e.n == nil {
			return nil
		}
		if e.lo == lo && e.hi == hi && int(e.size) == len(key) && (len(key) <= shortKey || e.n.seg == key) {
			return e
		}
	}
}

// build fills t with kids. It tries a few multipliers and keeps the one
// that leaves the fewest keys away from their home place: one probe is
// the usual outcome, and each further one costs a comparison of words.
func (t *keyTable) build(kids map[string]*node) {
	lg := bits.Len(uint(len(kids) + len(kids)/2)) // 2^lg > 1.5*len(kids) places
	size := 1 << lg
	words := make([]uint64, 0, len(kids))
	list := make([]*node, 0, len(kids))
	for seg, k := range kids {
		lo, hi := keyBytes(seg)
		words = append(words, segHash(lo, hi, len(seg)))
		list = append(list, k)
	}
	used := make([]bool, size)
	place := func(mult uint64) (displaced int) {
		clear(used)
		for _, w := range words {
			b := (w * mult) >> (64 - lg)
			for used[b] {
				b = (b + 1) & uint64(size-1)
				displaced++
			}
			used[b] = true
		}
		return displaced
	}
	best, bestMult := len(kids)*len(kids)+1, uint64(0)
	mult := uint64(0x9e3779b97f4a7c15)
	tries := 16
	if len(kids) > 4096 {
		tries = 1
	}
	for try := 0; try < tries && best > 0; try++ {
		if d := place(mult); d < best {
			best, bestMult = d, mult
		}
		mult = mult*0x5851f42d4c957f2d + 0x14057b7ef767814f | 1
	}
	t.mult, t.shift = bestMult, uint8(64-lg)
	t.entries = make([]keyEntry, size)
	for i, w := range words {
		b := (w * t.mult) >> t.shift
		for t.entries[b].n != nil {
			b = (b + 1) & uint64(size-1)
		}
		lo, hi := keyBytes(list[i].seg)
		t.entries[b] = keyEntry{lo: lo, hi: hi, n: list[i], size: int32(len(list[i].seg)), info: entryInfo(list[i])}
	}
}
