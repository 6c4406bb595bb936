// This file holds the blocks of input that events borrow their records
// from, instead of copying each record into storage of their own.

package event

import (
	"math"
	"runtime"
	"sync/atomic"
)

// Chunk is a block of a reader's input that the events decoded from it
// share (Event.Borrow): a record is read once, into the chunk, and not
// copied again into its event. The reader holds one reference while it
// fills the chunk and each borrowing event another, until Recycle; the
// last one gives the bytes back to the pool. A chunk is never written
// again while any reference is held.
type Chunk struct {
	buf  []byte
	refs atomic.Int32
	pool *ChunkPool
	st   *chunkState
}

// chunkState is what a chunk's cleanup needs (it may not refer to the
// chunk itself): whether the chunk's bytes were counted back already.
type chunkState struct {
	freed atomic.Bool
	size  int64
}

// ChunkPool hands out chunks and bounds the memory they pin: while the
// chunks not yet given back hold more than its limit, Lend reports false
// and readers copy records as before. An event kept somewhere for long
// (a partial sequence, a full pool's dropped spare) thus pins at most
// one chunk, and all of them together at most the limit. Chunks whose
// events are dropped without Recycle are counted back when the garbage
// collector finds them unreachable. It is safe for concurrent use.
type ChunkPool struct {
	size  int   // the size of a pooled chunk's bytes
	limit int64 // see Lend
	out   atomic.Int64
	free  chan []byte
}

// NewChunkPool returns a pool of chunks of size bytes, keeping up to keep
// spare ones, that lends while at most limit bytes are out.
func NewChunkPool(size, keep int, limit int64) *ChunkPool {
	return &ChunkPool{size: size, limit: limit, free: make(chan []byte, keep)}
}

// Size is the size of the pool's chunks.
func (p *ChunkPool) Size() int { return p.size }

// Get returns a chunk of at least n bytes (Bytes, all of them
// available), with the caller's reference. A chunk of at least a quarter
// of the pool's size is one of the pool's, reused; another is made for
// the occasion.
func (p *ChunkPool) Get(n int) *Chunk {
	var buf []byte
	if n <= p.size && n >= p.size/4 {
		select {
		case buf = <-p.free:
		default:
			buf = make([]byte, p.size)
		}
	} else {
		// A small file's chunk need not pin a pooled one, nor a long
		// record's stay pooled.
		buf = make([]byte, n)
	}
	st := &chunkState{size: int64(cap(buf))}
	c := &Chunk{buf: buf[:cap(buf)], pool: p, st: st}
	c.refs.Store(1)
	p.out.Add(st.size)
	runtime.AddCleanup(c, func(st *chunkState) {
		if !st.freed.Swap(true) {
			p.out.Add(-st.size)
		}
	}, st)
	return c
}

// Lend reports whether events may borrow from chunks now (see ChunkPool).
func (p *ChunkPool) Lend() bool { return p.out.Load() <= p.limit }

// Out is the bytes of the chunks not given back.
func (p *ChunkPool) Out() int64 { return p.out.Load() }

// Bytes returns the chunk's bytes.
func (c *Chunk) Bytes() []byte { return c.buf }

// Retain adds a reference to the chunk, for a holder that is not an
// event (Borrow); the holder gives it back with Release.
func (c *Chunk) Retain() { c.refs.Add(1) }

// Release drops a reference; the last gives the chunk's bytes back.
func (c *Chunk) Release() {
	if c.refs.Add(-1) != 0 {
		return
	}
	p := c.pool
	if c.st.freed.Swap(true) {
		return
	}
	p.out.Add(-c.st.size)
	if cap(c.buf) == p.size {
		select {
		case p.free <- c.buf:
		default:
		}
	}
	c.buf = nil
}

// Borrow makes rec, which lies in c, the event's as Own would, without
// copying it: the event holds a reference to c until Recycle. An event
// borrows from one chunk at a time; when it holds another already, rec
// is copied (Own).
func (e *Event) Borrow(c *Chunk, rec []byte) []byte {
	if e.chunk != nil && e.chunk != c {
		return e.Own(rec)
	}
	if e.chunk == nil {
		c.refs.Add(1)
		e.chunk = c
	}
	e.owned += len(rec)
	return rec[:len(rec):len(rec)]
}

// Park gives back the chunk the event borrowed its record from, for an
// event put aside in a pool until its next Recycle: its values may still
// lie in the chunk's bytes, which another reader may write once the
// chunk is free, so the event must not be read again before Recycle.
// Parked, an event pins no chunk while it waits to be reused (or for the
// collector, when the pool drops it), nor the clone or snapshot last made
// of it, which whoever took them may have let go long before: a pool of
// a few thousand events would otherwise keep as many copies alive.
// Parking touches the event's header only; Recycle, which clears its
// values, is left to whoever takes it, about to decode into it (recycling
// a batch of events as they were pooled cost 2-4% more CPU in a 1-core
// hunt: their values were out of the cache by then, and again at reuse).
func (e *Event) Park() {
	if e.snapshot && e.chunk != nil {
		e.Raw = nil // shared with the chunk (HoldTo)
	}
	e.releaseChunk()
	e.cloned, e.snap = nil, nil
}

// releaseChunk lets go of the chunk the event borrowed from, if any.
func (e *Event) releaseChunk() {
	if c := e.chunk; c != nil {
		e.chunk = nil
		c.Release()
	}
}

// UseRoom lends the event room, free bytes at the end of c, the chunk
// it borrowed its record from (else it does nothing), for the strings
// Decode unescapes: written next to the bytes the reader has just read,
// rather than into a buffer of the event's own that a pooled event last
// touched long ago. The reader gives the room to no one else until
// TakeRoom says how much of it the event kept. The event keeps where
// the room lies in c, not a slice of it: four bytes each.
func (e *Event) UseRoom(c *Chunk, room []byte) {
	if e.chunk != c || c == nil || cap(room) == 0 || len(c.buf) > math.MaxInt32 {
		return
	}
	off := cap(c.buf) - cap(room) // room ends where c's bytes do
	if off < 0 || &c.buf[off] != &room[:1][0] {
		return
	}
	e.roomOff, e.roomCap, e.roomKept = int32(off), int32(cap(room)), 0
}

// lentRoom returns the room UseRoom lent, empty, or nil when there is
// none.
func (e *Event) lentRoom() []byte {
	if e.roomCap == 0 {
		return nil
	}
	return e.chunk.buf[e.roomOff : e.roomOff : e.roomOff+e.roomCap]
}

// keepRoom records what Decode did with lentRoom's room: buf is what it
// appended to it, or a buffer of its own when it outgrew it. The room
// is lent no more.
func (e *Event) keepRoom(buf []byte) {
	e.roomKept = -1
	if cap(buf) == int(e.roomCap) && &buf[:1][0] == &e.chunk.buf[e.roomOff] {
		e.roomKept = int32(len(buf))
	}
	e.roomCap = 0
}

// TakeRoom ends UseRoom: it returns how many bytes of the room the event
// keeps, or -1 for all of it (Decode outgrew it, and the strings it
// wrote there before are in use).
func (e *Event) TakeRoom() int {
	n := e.roomKept
	e.roomCap, e.roomKept = 0, 0
	return int(n)
}
