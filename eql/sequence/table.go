package sequence

import (
	"hash/maphash"
	"unsafe"
)

// table maps encoded join keys to dense entry numbers, reusing the numbers
// of removed keys, and keeps the entries in a list ordered by when they
// were last touched, so that the least recently used key is found in O(1)
// for eviction and maxspan expiry. Entries hold no pointers besides the
// key, so a million of them cost the garbage collector little.
type table struct {
	index    []slotRef // open addressing by the key's hash, linear probing; see find
	used     int       // slots of index in use
	seeds    [2]maphash.Seed
	ents     []entry
	free     []int32
	head     int32 // least recently touched, -1 when empty
	tail     int32
	n        int
	keyBytes int64
}

type entry struct {
	key        string
	prev, next int32
	touch      int64 // time of the last update, the matcher's clock
	h          khash // the key's hash, to remove it without hashing again
}

// slotRef is one slot of the index: a key's hash and its entry plus one
// (0: empty). The hash is random (seeded), so its low bits place the key.
type slotRef struct {
	h khash
	i int32
}

// minIndex is the smallest index size.
const minIndex = 64

// khash is a 128-bit hash of an encoded key. The index is keyed by it
// rather than by the key string so that a lookup compares 16 bytes held in
// the index instead of following a pointer to the key's bytes (a cache miss
// per event with many keys). The seeds are random per table, so collisions
// (about n²/2¹²⁹) cannot be provoked.
type khash [2]uint64

func (t *table) hash(key []byte) khash {
	return khash{maphash.Bytes(t.seeds[0], key), maphash.Bytes(t.seeds[1], key)}
}

func (t *table) init(max int) {
	t.index = make([]slotRef, minIndex)
	t.used = 0
	t.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	clear(t.ents)
	t.ents = t.ents[:0]
	t.free = t.free[:0]
	t.head, t.tail = -1, -1
	t.n = 0
	t.keyBytes = 0
}

// keyBytes views a string as bytes without copying; the bytes must not be
// modified.
func keyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// lookup returns the entry of a key, or -1.
func (t *table) lookup(key []byte) int32 {
	i, _ := t.find(key)
	return i
}

// find returns the entry of a key, or -1, and the key's hash for insert.
func (t *table) find(key []byte) (int32, khash) {
	h := t.hash(key)
	mask := uint64(len(t.index) - 1)
	for p := h[0] & mask; ; p = (p + 1) & mask {
		s := &t.index[p]
		if s.i == 0 {
			return -1, h
		}
		if s.h == h {
			return s.i - 1, h
		}
	}
}

// place puts entry i, whose key hashes to h, in the index, growing it to
// keep it at most half full.
func (t *table) place(h khash, i int32) {
	if 2*(t.used+1) > len(t.index) {
		t.resize(2 * len(t.index))
	}
	mask := uint64(len(t.index) - 1)
	p := h[0] & mask
	for t.index[p].i != 0 {
		p = (p + 1) & mask
	}
	t.index[p] = slotRef{h: h, i: i + 1}
	t.used++
}

// unplace removes the key hashing to h from the index, shifting back the
// keys after it that would otherwise no longer be found.
func (t *table) unplace(h khash) {
	mask := uint64(len(t.index) - 1)
	p := h[0] & mask
	for t.index[p].h != h || t.index[p].i == 0 {
		if t.index[p].i == 0 {
			return // not present
		}
		p = (p + 1) & mask
	}
	for q := (p + 1) & mask; t.index[q].i != 0; q = (q + 1) & mask {
		// The key at q may move to p if its home is not in (p, q].
		home := t.index[q].h[0] & mask
		if (q-home)&mask >= (q-p)&mask {
			t.index[p] = t.index[q]
			p = q
		}
	}
	t.index[p] = slotRef{}
	t.used--
	// Keep the index within eight times the keys: a burst of keys must not
	// leave a large index behind.
	if len(t.index) > minIndex && 8*t.used < len(t.index) {
		t.resize(len(t.index) / 2)
	}
}

// resize rebuilds the index with n slots (a power of two).
func (t *table) resize(n int) {
	old := t.index
	t.index = make([]slotRef, n)
	mask := uint64(n - 1)
	for _, s := range old {
		if s.i == 0 {
			continue
		}
		p := s.h[0] & mask
		for t.index[p].i != 0 {
			p = (p + 1) & mask
		}
		t.index[p] = s
	}
}

// insert adds a key that is not present, whose hash is h, and returns its
// entry number.
func (t *table) insert(key []byte, h khash, now int64) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = int32(len(t.ents))
		t.ents = append(t.ents, entry{})
	}
	k := string(key)
	t.ents[i] = entry{key: k, prev: t.tail, next: -1, touch: now, h: h}
	if t.tail >= 0 {
		t.ents[t.tail].next = i
	} else {
		t.head = i
	}
	t.tail = i
	t.place(h, i)
	t.n++
	t.keyBytes += int64(len(k))
	return i
}

// touch records an update of entry i at now and makes it the newest.
func (t *table) touch(i int32, now int64) {
	e := &t.ents[i]
	if now > e.touch {
		e.touch = now
	}
	if t.tail == i {
		return
	}
	t.unlink(i)
	e.prev, e.next = t.tail, -1
	t.ents[t.tail].next = i
	t.tail = i
}

func (t *table) unlink(i int32) {
	e := &t.ents[i]
	if e.prev >= 0 {
		t.ents[e.prev].next = e.next
	} else {
		t.head = e.next
	}
	if e.next >= 0 {
		t.ents[e.next].prev = e.prev
	} else {
		t.tail = e.prev
	}
}

// remove deletes entry i.
func (t *table) remove(i int32) {
	t.unlink(i)
	e := &t.ents[i]
	t.unplace(e.h)
	t.keyBytes -= int64(len(e.key))
	*e = entry{prev: -1, next: -1}
	t.free = append(t.free, i)
	t.n--
}

// oldest returns the least recently touched entry, or -1.
func (t *table) oldest() int32 { return t.head }

// bytes estimates the table's memory: entries, free list, key strings and
// the index.
func (t *table) bytes() int64 {
	return int64(cap(t.ents))*int64(unsafe.Sizeof(entry{})) +
		int64(cap(t.free))*4 +
		t.keyBytes +
		int64(len(t.index))*int64(unsafe.Sizeof(slotRef{}))
}
