// This file holds the table the decoder looks document keys up in: every
// key of every document meets it, and most keys are not in it.

package event

import (
	"math/bits"

	"github.com/vigilsec/vigil/internal/keyword"
)

// keyTable finds a node's child by key segment. Go's map hashes the whole
// key with AES rounds and probes its groups; here a multiply-shift hash of
// the key's length and its first and last eight bytes picks a bucket of
// a table with at least twice as many buckets as keys; a bucket's few
// entries hold their keys' words, so a miss (most document keys) is
// settled without reading a node, and a hit compares one segment. It is rebuilt whenever a child is added
// (Schema.reindex) and read-only after that.
type keyTable struct {
	start   []uint32 // bucket b holds entries[start[b]:start[b+1]]
	entries []keyEntry
	mult    uint64 // odd multiplier of the hash
	shift   uint8  // 64 - log2(len(start)-1)
}

// keyEntry is a child, its segment and the segment's keyWord. The
// segment is kept here too, so that a hit is confirmed without reading
// the node (another cache line, cold for most documents' keys).
type keyEntry struct {
	w   uint64
	seg string
	n   *node
}

// keyWord is keyword.Word: a key's length and first and last eight bytes.
func keyWord(k string) uint64 { return keyword.Word(k) }

// find returns the child whose segment is key, or nil.
func (t *keyTable) find(key string) *node {
	if t.entries == nil {
		return nil
	}
	w := keyWord(key)
	b := (w * t.mult) >> t.shift
	for _, e := range t.entries[t.start[b]:t.start[b+1]] {
		if e.w == w && e.seg == key {
			return e.n
		}
	}
	return nil
}

// build fills t with kids. It tries a few multipliers and keeps the one
// whose fullest bucket is smallest: one node per bucket is the usual
// outcome, and a bucket's extra nodes cost a comparison of lengths each.
func (t *keyTable) build(kids map[string]*node) {
	lg := bits.Len(uint(len(kids))) + 1 // 2^lg > 2*len(kids) buckets
	size := 1 << lg
	words := make([]uint64, 0, len(kids))
	list := make([]*node, 0, len(kids))
	for seg, k := range kids {
		words = append(words, keyWord(seg))
		list = append(list, k)
	}
	count := make([]int, size)
	best, bestMult := len(kids)+1, uint64(0)
	mult := uint64(0x9e3779b97f4a7c15)
	tries := 16
	if len(kids) > 4096 {
		tries = 1
	}
	for try := 0; try < tries && best > 1; try++ {
		clear(count)
		fullest := 0
		for _, w := range words {
			b := (w * mult) >> (64 - lg)
			count[b]++
			fullest = max(fullest, count[b])
		}
		if fullest < best {
			best, bestMult = fullest, mult
		}
		mult = mult*0x5851f42d4c957f2d + 0x14057b7ef767814f | 1
	}
	t.mult, t.shift = bestMult, uint8(64-lg)
	t.start = make([]uint32, size+1)
	for _, w := range words {
		t.start[(w*t.mult)>>t.shift+1]++
	}
	for b := range size {
		t.start[b+1] += t.start[b]
	}
	t.entries = make([]keyEntry, len(list))
	fill := append([]uint32(nil), t.start[:size]...)
	for i, w := range words {
		b := (w * t.mult) >> t.shift
		t.entries[fill[b]] = keyEntry{w, list[i].seg, list[i]}
		fill[b]++
	}
}
