package event

import (
	"bytes"
	"strings"
	"unsafe"
)

// Snapshot returns a copy of the event that may be retained while the
// original is reused, like Clone, but cheaper to make when the event was
// decoded from JSON: if its values are exactly those Schema.Decode gave it
// for Raw (no Set or Add since, Raw not replaced), the snapshot holds only
// a copy of Raw and the metadata (Time, Seq, Source, Pos, Index, ID) and no
// values at all; Schema.Restore decodes them again when they are needed.
// Otherwise it is a Clone. Like clones, the snapshot of an unchanged event
// is shared by every caller.
//
// A snapshot is for holding an event that will rarely be read (a partial
// sequence waiting for its next stage): Get on it reports every field
// missing, so only its metadata may be read before Restore.
func (e *Event) Snapshot() *Event {
	if !e.fromRaw() {
		return e.Clone()
	}
	if c := e.snap; c != nil && c.Time == e.Time && c.Index == e.Index {
		return c
	}
	c := &Event{
		Raw:  bytes.Clone(e.Raw), // bytes.Clone does not zero before copying
		Time: e.Time, Seq: e.Seq, Source: e.Source, Pos: e.Pos,
		Index: e.Index, ID: strings.Clone(e.ID), snapshot: true,
	}
	e.snap = c
	return c
}

// SnapshotTo is Snapshot without sharing, for callers that recycle
// snapshots: it fills s, a snapshot of an earlier event that is no longer in
// use anywhere (or nil, for a new one), reusing the memory of its document.
// An event that Snapshot would clone is cloned, and s is left alone.
func (e *Event) SnapshotTo(s *Event) *Event {
	if !e.fromRaw() {
		return e.Clone()
	}
	if s == nil || !s.snapshot {
		s = &Event{snapshot: true}
	}
	// A snapshot has nothing but these: set them, not the whole struct.
	s.Raw = append(s.Raw[:0], e.Raw...)
	s.Time, s.Seq, s.Source, s.Pos = e.Time, e.Seq, e.Source, e.Pos
	s.Index, s.ID = e.Index, strings.Clone(e.ID)
	return s
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
	if c := e.chunk; c != nil && within(c.buf, e.Raw) {
		c.Retain()
		s.chunk, s.Raw = c, e.Raw
	} else {
		s.Raw = append(s.Raw[:0], e.Raw...)
	}
	s.Time, s.Seq, s.Source, s.Pos = e.Time, e.Seq, e.Source, e.Pos
	s.Index, s.ID = e.Index, strings.Clone(e.ID)
	return s
}

// within reports whether b lies in buf's backing array.
func within(buf, b []byte) bool {
	if len(b) == 0 || cap(buf) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf[:1])))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(b)) <= lo+uintptr(cap(buf))
}

// IsSnapshot reports whether the event is a snapshot without values (see
// Snapshot).
func (e *Event) IsSnapshot() bool { return e.snapshot }

// Restore returns the event a snapshot was taken of, decoded again from its
// raw document with the schema (which must be the one the original was
// decoded with, and must not have grown since if the values are to be the
// same); any other event is returned as it is. The result owns its memory
// (a copy of the document, so that the snapshot may be recycled) and may be
// retained.
func (s *Schema) Restore(snap *Event) (*Event, error) {
	if !snap.snapshot {
		return snap, nil
	}
	ev := &Event{Source: snap.Source, Pos: snap.Pos, Seq: snap.Seq}
	if err := s.Decode(bytes.Clone(snap.Raw), ev); err != nil {
		return nil, err
	}
	ev.Time, ev.Index, ev.ID = snap.Time, snap.Index, snap.ID
	return ev, nil
}

// Snapshots reports whether Snapshot keeps only the event's document
// (rather than cloning it): whether its values are exactly those Decode
// gave it.
func (e *Event) Snapshots() bool { return e.fromRaw() }

// fromRaw reports whether the event's values are exactly those Decode gave
// it for Raw.
func (e *Event) fromRaw() bool {
	return len(e.Raw) > 0 && int(e.decodedLen) == len(e.Raw) && e.decodedAt == &e.Raw[0]
}
