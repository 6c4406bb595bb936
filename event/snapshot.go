package event

import (
	"bytes"
	"math"
	"strings"
	"unsafe"

	"github.com/vigilsec/vigil/internal/span"
)

// Snapshot returns a copy of the event that may be retained while the
// original is reused, like Clone, but cheaper to make when the event was
// decoded from a record: if its values are exactly those Schema.Decode
// gave it for Raw (no Set or Add since, Raw not replaced), or those its
// Restorer gave it (see Restorable), the snapshot holds only a copy of the
// record and the metadata (Time, Seq, Source, Pos, Index, ID) and no
// values at all; Schema.Restore decodes them again when they are needed.
// Otherwise it is a Clone. Like clones, the snapshot of an unchanged event
// is shared by every caller.
//
// A snapshot is for holding an event that will rarely be read (a partial
// sequence waiting for its next stage): Get on it reports every field
// missing, so only its metadata may be read before Restore.
func (e *Event) Snapshot() *Event {
	rec := e.record()
	if rec == nil {
		return e.Clone()
	}
	if c := e.snap; c != nil && c.Time == e.Time && c.Index == e.Index {
		return c
	}
	c := &Event{Raw: bytes.Clone(rec), snapshot: true} // bytes.Clone does not zero before copying
	c.snapOf(e)
	e.snap = c
	return c
}

// SnapshotTo is Snapshot without sharing, for callers that recycle
// snapshots: it fills s, a snapshot of an earlier event that is no longer in
// use anywhere (or nil, for a new one), reusing the memory of its document.
// An event that Snapshot would clone is cloned, and s is left alone.
func (e *Event) SnapshotTo(s *Event) *Event {
	rec := e.record()
	if rec == nil {
		return e.Clone()
	}
	if s == nil || !s.snapshot {
		s = &Event{snapshot: true}
	}
	s.Raw = append(s.Raw[:0], rec...)
	s.snapOf(e)
	return s
}

// snapOf sets what a snapshot s of e holds besides its record: e's
// metadata and restorer. A snapshot has nothing else, so these are set,
// not the whole struct.
func (s *Event) snapOf(e *Event) {
	s.Time, s.Seq, s.Source, s.Pos = e.Time, e.Seq, e.Source, e.Pos
	s.Index, s.ID, s.restorer = e.Index, strings.Clone(e.ID), e.restorer
}

// HoldTo is SnapshotTo for a snapshot held a short while (an event that
// travels in time order as a held tick, see order): when the event's
// record lies in the chunk it borrowed it from (Borrow), the snapshot
// shares the record and holds a reference to the chunk, until Park,
// instead of copying it. s is a snapshot HoldTo made before, parked and
// no longer in use, or nil. The event must be one Snapshots.
func (e *Event) HoldTo(s *Event) *Event {
	if s == nil || !s.snapshot {
		s = &Event{snapshot: true}
	}
	rec := e.record()
	if c := e.chunk; c != nil && inChunk(c, rec) {
		c.Retain()
		s.chunk, s.Raw = c, rec
	} else {
		s.Raw = append(s.Raw[:0], rec...)
	}
	s.snapOf(e)
	return s
}

// inChunk reports whether rec lies in c's buffer (its whole capacity).
func inChunk(c *Chunk, rec []byte) bool {
	_, ok := span.Within(unsafe.String(unsafe.SliceData(rec), len(rec)), c.buf[:cap(c.buf)])
	return ok
}

// IsSnapshot reports whether the event is a snapshot without values (see
// Snapshot).
func (e *Event) IsSnapshot() bool { return e.snapshot }

// Restore returns the event a snapshot was taken of, decoded again from its
// record with the schema, or with the Restorer that first decoded it (the
// schema must be the one the original was decoded with, and must not have
// grown since if the values are to be the same); any other event is
// returned as it is. The result owns its memory (a copy of the record, so
// that the snapshot may be recycled) and may be retained.
func (s *Schema) Restore(snap *Event) (*Event, error) {
	if !snap.snapshot {
		return snap, nil
	}
	ev := &Event{Source: snap.Source, Pos: snap.Pos, Seq: snap.Seq}
	rec := bytes.Clone(snap.Raw)
	var err error
	if r := snap.restorer; r != nil {
		err = r.Restore(rec, ev)
	} else {
		err = s.Decode(rec, ev)
	}
	if err != nil {
		return nil, err
	}
	ev.Time, ev.Index, ev.ID = snap.Time, snap.Index, snap.ID
	return ev, nil
}

// A Restorer decodes an event again from its record, for the snapshots
// of events whose values an input did not get by Schema.Decode of the
// record (a raw Windows record, mapped to ECS as it is read): Schema.Restore
// hands it a copy of the record and a fresh event with only Source, Pos
// and Seq set, and it must give that event exactly the values the input
// gave the original, in the same order (Filled), from memory the event may
// hold (rec is its own). Time, Index and ID are the snapshot's. It is
// called on any goroutine.
type Restorer interface {
	Restore(rec []byte, ev *Event) error
}

// Restorable tells that the event's values are exactly those r gives for
// rec (see Restorer), which the event holds as it holds its values (its
// lazy document's bytes, Own or Borrow): until they change (Set, Add,
// Reset), the event Snapshots, and Schema.Restore decodes its snapshots
// again with r. The decoder that filled the event calls it last.
func (e *Event) Restorable(r Restorer, rec []byte) {
	if len(rec) == 0 || len(rec) > math.MaxInt32 || r == nil {
		return
	}
	e.decodedAt, e.decodedLen, e.restorer = &rec[0], int32(len(rec)), r
}

// Snapshots reports whether Snapshot keeps only the event's record
// (rather than cloning it): whether its values are exactly those Decode,
// or its Restorer, gave it.
func (e *Event) Snapshots() bool { return e.record() != nil }

// record returns the record the event's values were decoded from when
// they are exactly what its decoding gave (see Snapshot), else nil: Raw,
// or for a Restorable event the record it was given.
func (e *Event) record() []byte {
	if e.decodedAt == nil {
		return nil
	}
	if e.restorer != nil {
		// The event holds it (see Restorable): decodedAt keeps it alive.
		return unsafe.Slice(e.decodedAt, e.decodedLen)
	}
	if len(e.Raw) > 0 && int(e.decodedLen) == len(e.Raw) && e.decodedAt == &e.Raw[0] {
		return e.Raw
	}
	return nil
}
