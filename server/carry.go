package server

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/store"
)

// carry is the state carry log (<data>/carry): the documents of the
// events that changed some ordered rule's state (engine.Engine.Touched: a
// sequence stage found its partial, a threshold, new_terms, ES|QL or
// Sigma correlation query accepted it, an indicator was kept), written
// when the ingest log's checkpoint moves past their records. The ingest
// log then keeps only what is not yet evaluated and stored, whatever the
// rules' horizon; the carry log keeps the few events the rules' state is
// made of, and drops its head once its events are older than the horizon
// behind the watermark. A restart replays it into the ordered engine
// first, then the ingest log from its checkpoint.
//
// Each carried event goes with the watermark the engine had been given
// before it was evaluated: the replay gives the same Advance calls
// between the carried events, so windows close and sequences expire as
// they did (TestTouchedRebuildsState shows the engine's side of that).
type carry struct {
	wal *store.WAL
	// replaying is set while the carry log itself is evaluated: those
	// events are not carried again.
	replaying atomic.Bool

	mu           sync.Mutex
	pending      []carried    // touched events evaluated, not yet written
	pendingBytes atomic.Int64 // their memory (heldSize), changed under mu
	// refusals counts ingest requests refused because pendingBytes was
	// past Config.CarryPendingBytes (see over).
	refusals atomic.Int64

	// The pipeline's goroutine only:
	advances []advancePoint // watermarks given, by the events given before
	marks    []carryMark    // the carry log's records, oldest first
	buf      []byte

	events   atomic.Int64 // events written to the carry log
	replayed atomic.Int64 // events evaluated from it at start
}

// carried is a touched event and its place among the events given to the
// ordered engine (from 1), with the memory it was counted as.
type carried struct {
	seq  uint64
	ev   *event.Event
	size int64
}

// advancePoint: the watermark wm was given to the ordered engine after
// seq events.
type advancePoint struct {
	seq uint64
	wm  int64
}

// carryMark is a record of the carry log and its latest event time.
type carryMark struct {
	lsn     uint64
	maxTime int64
}

// add takes a touched event (from the engines' goroutines).
func (c *carry) add(ev *event.Event, seq uint64) {
	if c.replaying.Load() {
		return
	}
	size := heldSize(ev)
	c.mu.Lock()
	c.pending = append(c.pending, carried{seq: seq, ev: ev, size: size})
	c.pendingBytes.Add(size)
	c.mu.Unlock()
}

// over reports whether the touched events waiting to be written hold more
// than max bytes, and counts the refusal it causes. They wait for the
// log's checkpoint, at most a second in the normal course; when the carry
// log cannot be written (its disk is full, or it is at WALMaxBytes) they
// would pile up with every event evaluated, so ingest is refused (429)
// until they are written.
func (c *carry) over(max int64) bool {
	if c.pendingBytes.Load() <= max {
		return false
	}
	c.refusals.Add(1)
	return true
}

// advanced notes that wm was given to the ordered engine after seq events.
func (c *carry) advanced(seq uint64, wm int64) {
	if n := len(c.advances); n > 0 {
		last := &c.advances[n-1]
		if wm <= last.wm {
			return
		}
		if last.seq == seq {
			last.wm = wm
			return
		}
	}
	c.advances = append(c.advances, advancePoint{seq: seq, wm: wm})
}

// write appends to the carry log, and syncs, the touched events of the
// ingest log's records before upTo, which the ingest log is about to drop
// (all their events are evaluated). next is the seq the next event given
// to the ordered engine will have. It returns the events written.
func (c *carry) write(upTo uint64, next uint64) (int, error) {
	c.mu.Lock()
	var take []carried
	keep := c.pending[:0]
	for _, e := range c.pending {
		if uint64(e.ev.Pos) < upTo {
			take = append(take, e)
			c.pendingBytes.Add(-e.size)
		} else {
			keep = append(keep, e)
		}
	}
	clear(c.pending[len(keep):])
	c.pending = keep
	minSeq := next
	for _, e := range keep {
		minSeq = min(minSeq, e.seq)
	}
	c.mu.Unlock()
	if len(take) > 0 {
		// The partitions report in no order across them.
		slices.SortFunc(take, func(a, b carried) int { return cmp.Compare(a.seq, b.seq) })
		maxTime := int64(minTime)
		for _, e := range take {
			maxTime = max(maxTime, e.ev.Time)
		}
		c.buf = c.encode(c.buf[:0], upTo, maxTime, take)
		lsn, err := c.wal.Append(c.buf, nil)
		if cap(c.buf) > 16<<20 {
			c.buf = nil
		}
		if err != nil {
			// Not written: keep them for the next try.
			c.mu.Lock()
			c.pending = append(c.pending, take...)
			for _, e := range take {
				c.pendingBytes.Add(e.size)
			}
			c.mu.Unlock()
			return 0, err
		}
		c.marks = append(c.marks, carryMark{lsn: lsn, maxTime: maxTime})
		c.events.Add(int64(len(take)))
	}
	// Only the watermark before the oldest event still to write is
	// needed, and those after it.
	i := 0
	for i+1 < len(c.advances) && c.advances[i+1].seq < minSeq {
		i++
	}
	c.advances = append(c.advances[:0], c.advances[i:]...)
	return len(take), nil
}

// drop lets the carry log go of its records whose events are all older
// than limit (the watermark less the rules' horizon).
func (c *carry) drop(limit int64) error {
	i := 0
	for i < len(c.marks) && c.marks[i].maxTime < limit {
		i++
	}
	if i == 0 {
		return nil
	}
	lsn := c.marks[i-1].lsn + 1
	c.marks = append(c.marks[:0], c.marks[i:]...)
	return c.wal.Checkpoint(lsn)
}

// encode appends a carry record: the ingest log's checkpoint it was
// written for, the latest event time, the count, then for each event the
// watermark given before it, its ingest log record (LSN), index, id and
// document (uvarint lengths). The document is the one the event was
// decoded from (event.Event.Original), else its normalised document.
func (c *carry) encode(b []byte, upTo uint64, maxTime int64, evs []carried) []byte {
	b = binary.AppendUvarint(b, upTo)
	b = binary.AppendVarint(b, maxTime)
	b = binary.AppendUvarint(b, uint64(len(evs)))
	ai := 0
	wm := int64(minTime)
	for _, e := range evs {
		// The last watermark given before the event (after fewer
		// than seq events).
		for ai < len(c.advances) && c.advances[ai].seq < e.seq {
			wm = c.advances[ai].wm
			ai++
		}
		b = binary.AppendVarint(b, wm)
		b = binary.AppendUvarint(b, uint64(e.ev.Pos))
		b = binary.AppendUvarint(b, uint64(len(e.ev.Index)))
		b = append(b, e.ev.Index...)
		b = binary.AppendUvarint(b, uint64(len(e.ev.ID)))
		b = append(b, e.ev.ID...)
		if src := e.ev.Original(); src != nil {
			b = binary.AppendUvarint(b, uint64(len(src)))
			b = append(b, src...)
			continue
		}
		// The length is not known before: reserve the most a uvarint
		// of it takes, then fill it in.
		at := len(b)
		b = append(b, make([]byte, binary.MaxVarintLen64)...)
		b = e.ev.AppendJSON(b)
		n := len(b) - at - binary.MaxVarintLen64
		var l [binary.MaxVarintLen64]byte
		k := binary.PutUvarint(l[:], uint64(n))
		copy(b[at:], l[:k])
		b = append(b[:at+k], b[at+binary.MaxVarintLen64:]...)
	}
	return b
}

// carriedDoc is an event read back from the carry log.
type carriedDoc struct {
	wm  int64
	lsn uint64
	doc
}

var errCarry = errors.New("damaged carry record")

// decodeCarry reads a carry record back; the documents alias b.
func decodeCarry(b []byte) (upTo uint64, maxTime int64, docs []carriedDoc, err error) {
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	sv := func() (int64, bool) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	field := func() ([]byte, bool) {
		l, ok := uv()
		if !ok || l > uint64(len(b)) {
			return nil, false
		}
		f := b[:l]
		b = b[l:]
		return f, true
	}
	var ok bool
	var count uint64
	if upTo, ok = uv(); !ok {
		return 0, 0, nil, errCarry
	}
	if maxTime, ok = sv(); !ok {
		return 0, 0, nil, errCarry
	}
	if count, ok = uv(); !ok || count > uint64(len(b)) {
		return 0, 0, nil, errCarry
	}
	docs = make([]carriedDoc, 0, count)
	for range count {
		var d carriedDoc
		var ok1, ok2 bool
		d.wm, ok1 = sv()
		d.lsn, ok2 = uv()
		idx, ok3 := field()
		id, ok4 := field()
		src, ok5 := field()
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			return 0, 0, nil, errCarry
		}
		d.index, d.id, d.source = string(idx), string(id), src
		docs = append(docs, d)
	}
	if len(b) != 0 {
		return 0, 0, nil, errCarry
	}
	return upTo, maxTime, docs, nil
}

// replayCarry evaluates the carry log with the ordered rules, in the
// order and between the watermarks its events first had. Events of
// records the ingest log still holds (a crash after the carry log was
// written, before the ingest log's checkpoint moved) are left to the
// ingest log's replay.
func (p *pipeline) replayCarry() error {
	c := p.carry
	c.replaying.Store(true)
	defer c.replaying.Store(false)
	from := p.wal.Checkpointed()
	err := c.wal.Replay(func(lsn uint64, payload []byte) error {
		_, maxTime, docs, err := decodeCarry(payload)
		if err != nil {
			p.log.Error("carry log record unreadable, skipped", "lsn", lsn, "err", err)
			return nil
		}
		c.marks = append(c.marks, carryMark{lsn: lsn, maxTime: maxTime})
		for _, d := range docs {
			if d.lsn >= from {
				continue
			}
			if d.wm > p.eng.Watermark() {
				p.eng.Advance(d.wm)
			}
			ev := p.newEvent()
			if err := p.dec.decode(int64(d.lsn), d.source, d.index, d.id, ev); err != nil {
				p.log.Warn("carried document not evaluated", "lsn", lsn, "index", d.index, "err", err)
				p.reuse(ev)
				continue
			}
			held := false
			if ev, held = hold(p.held, ev, p.reuse); !held {
				// No ordered rule of the running set uses it (the rules
				// changed).
				p.reuse(ev)
				continue
			}
			p.maxSeen = max(p.maxSeen, ev.Time)
			p.give(ev)
			c.replayed.Add(1)
		}
		// The payload is reused by the log's reader: what the events
		// keep was copied by the decoder.
		p.store()
		return nil
	})
	p.eng.Sync()
	p.store()
	return err
}

// stats describes the carry log for /api/stats; evaluated is the events
// evaluated so far, of which the carried share is given.
func (c *carry) stats(evaluated int64) map[string]any {
	n := c.events.Load()
	share := 0.0
	if evaluated > 0 {
		share = float64(n) / float64(evaluated)
	}
	return map[string]any{"bytes": c.wal.Size(), "next_lsn": c.wal.Next(), "checkpoint": c.wal.Checkpointed(),
		"events": n, "share_of_evaluated": share, "replayed": c.replayed.Load(),
		"pending_bytes": c.pendingBytes.Load(), "refusals": c.refusals.Load()}
}
