// This file holds the table the decoder looks document keys up in: every
// key of every document meets it, and most keys are not in it.

package event

import "math/bits"

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
// keyBytes) and the segment's length.
type keyEntry struct {
	lo, hi uint64
	size   int
	n      *node
}

// shortKey is the longest key whose keyBytes are the whole key.
const shortKey = 16

// keyBytes returns a key's first and last eight bytes, overlapping in a
// key of 8 to 16 bytes; a shorter key's bytes are in lo (for 4 to 7
// bytes, its first and last four; for 1 to 3, its first, middle and last
// byte), hi zero. With the key's length they are the whole key, up to
// shortKey bytes. They are keyword.Word's, not folded: lo ^ hi<<<31 plus
// the length is that word.
func keyBytes(k string) (lo, hi uint64) {
	switch n := len(k); {
	case n >= 8:
		return le64(k), le64(k[n-8:])
	case n >= 4:
		return uint64(le32(k)) | uint64(le32(k[n-4:]))<<32, 0
	case n > 0:
		return uint64(k[0]) | uint64(k[n/2])<<8 | uint64(k[n-1])<<16, 0
	}
	return 0, 0
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// segHash is the key's word (keyword.Word) from its bytes and length.
func segHash(lo, hi uint64, n int) uint64 {
	return lo ^ bits.RotateLeft64(hi, 31) + uint64(n)<<56
}

// find returns the child whose segment is key, or nil.
func (t *keyTable) find(key string) *node {
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
		if e.lo == lo && e.hi == hi && e.size == len(key) && (len(key) <= shortKey || e.n.seg == key) {
			return e.n
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
		t.entries[b] = keyEntry{lo, hi, len(list[i].seg), list[i]}
	}
}
