package sequence

import "runtime"

// An arena's full-size chunks are slabs: memory mapped outside the Go
// heap (on Linux; see mapSlab), for two reasons. The collector sets its
// next goal at twice the live heap, and a matcher's copies can be most of
// it: each megabyte of copies in the heap let a megabyte more of garbage
// (results, other rules' work) pile up before the next collection, and
// fresh memory costs a page fault per 4 KiB, which on a busy stream cost
// more than the copying did. And a slab can take huge pages.
//
// Nothing outside the matcher ever points into a slab: a result's event is
// made from a copy of the region (see Matcher.event). A slab is unmapped
// when the arena lets go of its chunk, and the slabs of a matcher that is
// dropped without being drained are unmapped by a cleanup once the
// collector finds the matcher unreachable.

// slabs lists an arena's chunks whose bytes are slabs. It is allocated on
// its own, so that the matcher's cleanup can refer to it without keeping
// the matcher reachable.
type slabs struct {
	chunks []*chunk // see chunk.slab
}

// newSlabs returns the slab list of m's arena, to be unmapped when m is
// unreachable.
func newSlabs(m *Matcher) *slabs {
	s := &slabs{}
	runtime.AddCleanup(m, (*slabs).unmapAll, s)
	return s
}

// newChunk returns a chunk of n bytes, a slab if n is maxChunk and one can
// be mapped.
func (a *arena) newChunk(n int) *chunk {
	ch := &chunk{slab: -1}
	a.name(ch)
	if n == maxChunk && a.slabs != nil {
		if b := mapSlab(n); b != nil {
			ch.buf = b
			ch.slab = len(a.slabs.chunks)
			a.slabs.chunks = append(a.slabs.chunks, ch)
			return ch
		}
	}
	ch.buf = make([]byte, n)
	return ch
}

// forget lets go of a chunk that is neither in use nor kept free: a slab
// is unmapped at once, other chunks are left to the collector.
func (a *arena) forget(ch *chunk) {
	a.unname(ch)
	if ch.slab < 0 {
		return
	}
	a.slabs.chunks = removeChunk(a.slabs.chunks, &ch.slab, func(c *chunk) *int { return &c.slab })
	unmapSlab(ch.buf)
	ch.buf = nil
}

// unmapAll unmaps the slabs of an unreachable matcher.
func (s *slabs) unmapAll() {
	for _, ch := range s.chunks {
		unmapSlab(ch.buf)
		ch.buf = nil
	}
	s.chunks = nil
}
