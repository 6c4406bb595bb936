package engine

import (
	"hash/maphash"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// hitMemo remembers, in one engine, the literals of a field's litIndex
// that recent values held: a field searched by the automaton (too many
// contained literals for plainLits, such as process.executable's
// seventy-odd path fragments) sees the same few hundred values over and
// over, and finding a value's literals again cost a fold and a pass of
// the automaton, where a hash and a comparison do. Direct-mapped by a
// hash of the value, as it came (the hits are a function of it); values
// longer than hitMemoLen are not kept, so an engine's memos stay small.
type hitMemo struct {
	ents [hitMemoSize]hitMemoEnt
}

type hitMemoEnt struct {
	val  []byte // the value, a copy; nil: empty entry
	hits []int32
}

const (
	hitMemoSize = 256
	hitMemoLen  = 160
	// maxHitMemos is the most memos an engine keeps (one per litIndex of
	// the routes in use); past it they all start afresh.
	maxHitMemos = 64
)

var hitSeed = maphash.MakeSeed()

// memoHits is litIndex.match for element elem of a string value s of
// fi's field, remembered (see hitMemo): it appends to e.hits[:0] and
// returns it.
func (e *Engine) memoHits(fi *fieldIndex, elem int, s string, ev *event.Event) []match.LiteralHit {
	m := e.hitMemos[fi.lits]
	if m == nil {
		if len(e.hitMemos) >= maxHitMemos || e.hitMemos == nil {
			e.hitMemos = make(map[*litIndex]*hitMemo)
		}
		m = new(hitMemo)
		e.hitMemos[fi.lits] = m
	}
	ent := &m.ents[maphash.String(hitSeed, s)%hitMemoSize]
	hits := e.hits[:0]
	if ent.val != nil && string(ent.val) == s {
		for _, h := range ent.hits {
			hits = append(hits, match.LiteralHit{Lit: h})
		}
		return hits
	}
	hits = fi.lits.match(ev.Folded(fi.slot, elem, s, match.AppendFolded), hits)
	ent.val = append(ent.val[:0], s...)
	if ent.val == nil {
		ent.val = []byte{} // an empty value, held
	}
	ent.hits = ent.hits[:0]
	for _, h := range hits {
		ent.hits = append(ent.hits, h.Lit)
	}
	return hits
}
