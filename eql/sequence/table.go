package sequence

import (
	"hash/maphash"
	"unsafe"
)

// table maps encoded join keys to dense entry numbers, reusing the numbers
// of removed keys, and keeps the order in which entries were last touched,
// so that the least recently used key is found in O(1) for eviction and
// maxspan expiry. Entries hold no pointers besides, for a matcher of two
// positive stages, its one event slot (the key's state in the cache line
// the lookup reads), so a million of them cost the garbage collector
// little. Nor do they hold the key: keys are told apart by their hash
// (see khash), and a result's key is its last event's (see
// Matcher.positiveHit), so that keys are not a heap object each for the
// collector to mark on every cycle.
//
// The order is a queue of touches rather than a linked list of entries:
// a touch appends to it (memory just written) instead of unlinking the
// entry from its neighbours (two cache misses with many keys). A touch
// makes the entry's earlier ones stale; they are skipped when they reach
// the front and dropped when the queue holds more than twice the keys.
type table struct {
	index []slotRef // open addressing by the key's hash, linear probing; see find
	used  int       // slots of index in use
	seeds [2]maphash.Seed
	ents  []entry
	free  []int32
	order []touchRef // touches, oldest first from ohead
	ohead int
	tick  uint64 // touches so far
	n     int
}

type entry struct {
	tick  uint64   // the entry's last touch (see touchRef), 0 when free
	touch int64    // time of the last update, the matcher's clock
	h     khash    // the key's hash, to remove it without hashing again
	ev0   [1]held  // the matcher's event slot for the key, with one group (see Matcher.group)
	_     [16]byte // one cache line an entry (a large ents starts on a page), not two for half of them
}

// touchRef is a touch of an entry: the entry's last one while its tick is
// the entry's.
type touchRef struct {
	tick uint64
	i    int32
}

// slotRef is one slot of the index: the low 32 bits of a key's hash and
// its entry plus one (0: empty). The hash is random (seeded), so its low
// bits place the key; a slot whose bits match is confirmed by the entry's
// whole hash, which costs no extra miss as the caller goes on to read the
// entry anyway. Eight bytes a slot keep the index of 100,000 keys (2 MB)
// mostly in the cache, where 24 took three times that.
type slotRef struct {
	lo uint32
	i  int32
}

// minIndex is the smallest index size.
const minIndex = 64

// khash is a 128-bit hash of an encoded key. Keys are told apart by it
// rather than by the key string so that a lookup compares 16 bytes held in
// the entry instead of following a pointer to the key's bytes (a cache
// miss per event with many keys). The seeds are random per table, so
// collisions (about n²/2¹²⁹) cannot be provoked.
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
	t.order, t.ohead = t.order[:0], 0
	t.n = 0
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
	lo := uint32(h[0])
	mask := uint32(len(t.index) - 1)
	for p := lo & mask; ; p = (p + 1) & mask {
		s := t.index[p]
		if s.i == 0 {
			return -1, h
		}
		if s.lo == lo && t.ents[s.i-1].h == h {
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
	mask := uint32(len(t.index) - 1)
	p := uint32(h[0]) & mask
	for t.index[p].i != 0 {
		p = (p + 1) & mask
	}
	t.index[p] = slotRef{lo: uint32(h[0]), i: i + 1}
	t.used++
}

// unplace removes entry i, whose key hashes to h, from the index,
// shifting back the keys after it that would otherwise no longer be found.
func (t *table) unplace(h khash, i int32) {
	mask := uint32(len(t.index) - 1)
	p := uint32(h[0]) & mask
	for t.index[p].i != i+1 {
		if t.index[p].i == 0 {
			return // not present
		}
		p = (p + 1) & mask
	}
	for q := (p + 1) & mask; t.index[q].i != 0; q = (q + 1) & mask {
		// The key at q may move to p if its home is not in (p, q].
		home := t.index[q].lo & mask
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
	mask := uint32(n - 1)
	for _, s := range old {
		if s.i == 0 {
			continue
		}
		p := s.lo & mask
		for t.index[p].i != 0 {
			p = (p + 1) & mask
		}
		t.index[p] = s
	}
}

// insert adds a key that is not present, whose hash is h, and returns its
// entry number.
func (t *table) insert(h khash, now int64) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = int32(len(t.ents))
		t.ents = append(t.ents, entry{})
	}
	t.ents[i] = entry{touch: now, h: h}
	t.place(h, i)
	t.n++
	t.push(i)
	return i
}

// touch records an update of entry i at now and makes it the newest.
func (t *table) touch(i int32, now int64) {
	e := &t.ents[i]
	if now > e.touch {
		e.touch = now
	}
	if n := len(t.order); n > t.ohead && t.order[n-1].i == i {
		return // the newest already (its last touch is the queue's last)
	}
	t.push(i)
}

// push appends a touch of entry i to the order.
func (t *table) push(i int32) {
	t.tick++
	t.ents[i].tick = t.tick
	t.order = append(t.order, touchRef{t.tick, i})
	t.trim()
}

// trim keeps the order within twice the keys: when it holds more, only
// the live touches (one per key) are kept.
func (t *table) trim() {
	if len(t.order) <= 2*t.n+64 {
		return
	}
	live := t.order[:0]
	for _, r := range t.order[t.ohead:] {
		if t.ents[r.i].tick == r.tick {
			live = append(live, r)
		}
	}
	t.order, t.ohead = live, 0
}

// remove deletes entry i.
func (t *table) remove(i int32) {
	e := &t.ents[i]
	t.unplace(e.h, i)
	*e = entry{} // tick 0: its touches are stale
	t.free = append(t.free, i)
	t.n--
	t.trim()
}

// oldest returns the least recently touched entry, or -1.
func (t *table) oldest() int32 {
	for t.ohead < len(t.order) {
		r := t.order[t.ohead]
		if t.ents[r.i].tick == r.tick {
			return r.i
		}
		t.ohead++
	}
	t.order, t.ohead = t.order[:0], 0
	return -1
}

// bytes estimates the table's memory: entries, free list, order and the
// index.
func (t *table) bytes() int64 {
	return int64(cap(t.ents))*int64(unsafe.Sizeof(entry{})) +
		int64(cap(t.free))*4 +
		int64(cap(t.order))*int64(unsafe.Sizeof(touchRef{})) +
		int64(len(t.index))*int64(unsafe.Sizeof(slotRef{}))
}
