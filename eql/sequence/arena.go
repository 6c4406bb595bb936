package sequence

// arena holds the bytes of a matcher's copies (see copies.go) in chunks
// written one after the other. Writing a copy where the last one ended
// costs a fraction of writing it to a recycled buffer somewhere in a heap
// of a few hundred megabytes: the memory written next is the memory just
// written, not a cache and TLB miss per line.
//
// A chunk is reused once no live copy lies in it. (Handing a copy's
// region to a result's event instead of copying it out was tried: chunks
// then cannot be reused, and writing fresh memory costs more than the copy
// saves.) Copies that outlive most of their chunk's neighbours would keep
// the arena growing: when the chunks hold more than twice the live bytes
// plus two chunks, the live copies of chunks less than half live move to
// the current chunk and those chunks are emptied. Emptied chunks are kept
// for reuse within that same bound (chunks in use and free together), so
// that a steady stream writes its copies into the same memory over and
// over instead of mapping (and unmapping) a chunk every chunk's worth of
// copies. Chunks grow from minChunk to maxChunk, in the Go heap; full-size
// ones are slabs outside it (see slab.go). A copy larger than maxArenaCopy
// gets a chunk of its own, which no other copy shares (solo).
//
// A copy names its chunk by number (chunk.id), not by pointer, so that a
// copy holds no pointers: the collector then marks the tens of thousands
// of copies a busy matcher keeps without scanning them.
type arena struct {
	cur    *chunk
	chunks []*chunk // chunks holding live copies, cur included; see chunk.at
	free   []*chunk // empty chunks to reuse, all of maxChunk bytes
	size   int      // of the next new chunk
	held   int      // bytes of the chunks in chunks
	live   int      // bytes of live copies
	moved  int      // copies moved by compaction
	slabs  *slabs   // the chunks whose bytes are slabs (see slab.go), nil for none
	byID   []*chunk // chunks by id, nil for ids free
	ids    []int32  // ids free
}

type chunk struct {
	buf    []byte
	used   int
	live   int         // bytes of live copies
	copies []placement // copies placed here, some since moved or dead
	at     int         // index in arena.chunks, -1 when not there
	slab   int         // index in arena.slabs, -1 when buf is in the Go heap
	id     int32       // index in arena.byID
	solo   bool        // the chunk of one large copy, in no list
}

// placement is a copy placed in a chunk at an offset: it is still there
// while the copy's ch and off say so.
type placement struct {
	c   *copyRec
	off int
}

const (
	minChunk = 16 << 10
	maxChunk = 2 << 20 // a huge page (see slab.go)
	// Copies larger than this get a buffer of their own.
	maxArenaCopy = maxChunk / 8
	minRegion    = 16
)

// alloc returns an empty slice with room for n bytes for copy c, which
// records where it lies (see region).
func (a *arena) alloc(c *copyRec, n int) []byte {
	switch {
	case n == 0:
		c.ch, c.off, c.cap = -1, 0, 0
		return nil
	case n > maxArenaCopy:
		ch := &chunk{buf: make([]byte, n), at: -1, slab: -1, solo: true}
		a.name(ch)
		c.ch, c.off, c.cap = ch.id, 0, n
		return ch.buf[:0]
	}
	// At least minRegion, so that the placements a chunk records stay
	// within its size.
	n = max(n, minRegion)
	ch := a.cur
	if ch == nil || ch.used+n > len(ch.buf) {
		ch = a.next()
	}
	off := ch.used
	ch.used += n
	ch.live += n
	a.live += n
	ch.copies = append(ch.copies, placement{c, off})
	c.ch, c.off, c.cap = ch.id, off, n
	return ch.buf[off : off : off+n]
}

// region returns the bytes of copy c (its size), nil for none.
func (a *arena) region(c *copyRec) []byte {
	if c.ch < 0 {
		return nil
	}
	return a.byID[c.ch].buf[c.off : c.off+c.size : c.off+c.cap]
}

// name gives ch an id.
func (a *arena) name(ch *chunk) {
	if n := len(a.ids); n > 0 {
		ch.id = a.ids[n-1]
		a.ids = a.ids[:n-1]
		a.byID[ch.id] = ch
		return
	}
	ch.id = int32(len(a.byID))
	a.byID = append(a.byID, ch)
}

// unname frees ch's id.
func (a *arena) unname(ch *chunk) {
	a.byID[ch.id] = nil
	a.ids = append(a.ids, ch.id)
	ch.id = -1
}

// next makes a new current chunk.
func (a *arena) next() *chunk {
	if old := a.cur; old != nil && old.live == 0 {
		a.drop(old)
	}
	ch := pop(&a.free)
	if ch == nil {
		a.size = min(max(2*a.size, minChunk), maxChunk)
		ch = a.newChunk(a.size)
	}
	ch.at = len(a.chunks)
	a.chunks = append(a.chunks, ch)
	a.held += len(ch.buf)
	a.cur = ch
	return ch
}

// removeChunk takes the chunk at *at out of list, moving its last chunk
// into the gap (index, the chunk's field holding its place in list, is
// updated), and sets *at to -1.
func removeChunk(list []*chunk, at *int, index func(*chunk) *int) []*chunk {
	i, last := *at, list[len(list)-1]
	list[i] = last
	*index(last) = i
	list[len(list)-1] = nil
	*at = -1
	return list[:len(list)-1]
}

// drop takes an empty chunk out of the arena, keeping it for reuse while
// the arena stays within its bound (see keep).
func (a *arena) drop(ch *chunk) {
	a.chunks = removeChunk(a.chunks, &ch.at, func(c *chunk) *int { return &c.at })
	a.held -= len(ch.buf)
	if a.cur == ch {
		a.cur = nil
	}
	clear(ch.copies)
	ch.copies = ch.copies[:0]
	ch.used, ch.live = 0, 0
	if len(ch.buf) == maxChunk && a.keep(len(a.free)+1) {
		a.free = append(a.free, ch)
	} else {
		a.forget(ch)
	}
}

// limit is the bytes the arena's chunks in use may hold before it
// compacts them: twice the live bytes plus two chunks.
func (a *arena) limit() int { return 2*a.live + 2*maxChunk }

// keep reports whether the arena may hold n free chunks: chunks in use
// and free ones together within twice the live bytes plus two chunks
// (what compaction keeps the chunks in use within), and always two.
func (a *arena) keep(n int) bool {
	return n <= 2 || a.held+n*maxChunk <= a.limit()
}

// trim lets go of free chunks once the live bytes shrank well below what
// the arena holds: two chunks beyond its bound (see keep), so that a
// stream whose live bytes go up and down a little does not drop and
// allocate chunks in turn.
func (a *arena) trim() {
	for n := len(a.free); n > 2 && a.held+n*maxChunk > a.limit()+2*maxChunk; n-- {
		a.forget(pop(&a.free))
	}
}

// release returns the region of a copy that is no longer used.
func (a *arena) release(c *copyRec) {
	if c.ch < 0 {
		return
	}
	ch := a.byID[c.ch]
	c.ch = -1
	if ch.solo {
		a.unname(ch)
		return
	}
	n := c.cap
	ch.live -= n
	a.live -= n
	switch {
	case ch.live > 0:
	case ch == a.cur:
		// Start the current chunk over.
		clear(ch.copies)
		ch.copies = ch.copies[:0]
		ch.used = 0
	case ch != a.cur:
		a.drop(ch)
	}
	if a.held > a.limit() {
		a.compact()
	}
	a.trim()
}

// compact moves the live copies of chunks less than half live to the
// current chunk, and drops those chunks.
func (a *arena) compact() {
	var sparse []*chunk
	for _, ch := range a.chunks {
		if ch != a.cur && 2*ch.live < ch.used {
			sparse = append(sparse, ch)
		}
	}
	for _, ch := range sparse {
		for _, p := range ch.copies {
			if c := p.c; c.ch == ch.id && c.off == p.off {
				a.move(c)
			}
		}
		a.drop(ch)
	}
}

// move copies c's bytes to the current chunk: its records refer to its
// strings by offset, so nothing else changes.
func (a *arena) move(c *copyRec) {
	old := a.region(c)
	n := c.cap
	ch := a.byID[c.ch]
	ch.live -= n
	a.live -= n
	copy(a.alloc(c, n)[:len(old)], old)
	a.moved++
}
