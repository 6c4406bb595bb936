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
	index    map[khash]int32
	seeds    [2]maphash.Seed
	ents     []entry
	free     []int32
	head     int32 // least recently touched, -1 when empty
	tail     int32
	n        int
	keyBytes int64
	deletes  int
}

type entry struct {
	key        string
	prev, next int32
	touch      int64 // time of the last update, the matcher's clock
}

// khash is a 128-bit hash of an encoded key. The index is keyed by it
// rather than by the key string so that a lookup compares 16 bytes held in
// the map instead of following a pointer to the key's bytes (a cache miss
// per event with many keys). The seeds are random per table, so collisions
// (about n²/2¹²⁹) cannot be provoked.
type khash [2]uint64

func (t *table) hash(key []byte) khash {
	return khash{maphash.Bytes(t.seeds[0], key), maphash.Bytes(t.seeds[1], key)}
}

func (t *table) init(max int) {
	t.index = make(map[khash]int32)
	t.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	clear(t.ents)
	t.ents = t.ents[:0]
	t.free = t.free[:0]
	t.head, t.tail = -1, -1
	t.n = 0
	t.keyBytes = 0
	t.deletes = 0
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
	if i, ok := t.index[h]; ok {
		return i, h
	}
	return -1, h
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
	t.ents[i] = entry{key: k, prev: t.tail, next: -1, touch: now}
	if t.tail >= 0 {
		t.ents[t.tail].next = i
	} else {
		t.head = i
	}
	t.tail = i
	t.index[h] = i
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
	delete(t.index, t.hash(keyBytes(e.key)))
	t.keyBytes -= int64(len(e.key))
	*e = entry{prev: -1, next: -1}
	t.free = append(t.free, i)
	t.n--
	t.deletes++
	// Go maps do not shrink: after heavy churn, rebuild the index so that
	// its size follows the live keys rather than the peak.
	if t.deletes > 4*len(t.ents)+4096 {
		t.rebuild()
	}
}

func (t *table) rebuild() {
	idx := make(map[khash]int32, t.n)
	for i := t.head; i >= 0; i = t.ents[i].next {
		idx[t.hash(keyBytes(t.ents[i].key))] = i
	}
	t.index = idx
	t.deletes = 0
}

// oldest returns the least recently touched entry, or -1.
func (t *table) oldest() int32 { return t.head }

// bytes estimates the table's memory: entries, free list, key strings and
// the map (a Swiss table slot of 24 bytes plus a control byte, at a load
// of about 7/8, doubled while growing).
func (t *table) bytes() int64 {
	return int64(cap(t.ents))*int64(unsafe.Sizeof(entry{})) +
		int64(cap(t.free))*4 +
		t.keyBytes +
		int64(t.n)*2*25*8/7
}
