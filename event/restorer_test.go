package event

import (
	"bytes"
	"errors"
	"testing"
)

// wrapped is a Restorer for records that wrap a JSON document in a
// prefix ("raw:" and the document), as a raw record stands for its mapped
// values: its events hold the record but not as Raw.
type wrapped struct{ s *Schema }

func (w wrapped) Restore(rec []byte, ev *Event) error {
	if !bytes.HasPrefix(rec, []byte("raw:")) {
		return errors.New("not wrapped")
	}
	if err := w.s.Decode(rec[4:], ev); err != nil {
		return err
	}
	ev.Raw = nil
	ev.Restorable(w, rec)
	return nil
}

// TestRestorable: an event a Restorer filled snapshots to its whole record
// and is restored by the Restorer, not decoded as Raw, by Snapshot,
// SnapshotTo and HoldTo and from a snapshot's clone; one changed since,
// or reset, is not snapshotted; the Restorer's errors are Restore's.
func TestRestorable(t *testing.T) {
	s := NewSchema()
	name := s.Slot("process.name")
	w := wrapped{s}
	fill := func(ev *Event, rec string) {
		t.Helper()
		ev.Recycle()
		ev.Source, ev.Pos = "f", 3
		if err := w.Restore(ev.Own([]byte(rec)), ev); err != nil {
			t.Fatal(err)
		}
		ev.Time, ev.Index = 9, "logs-x"
	}
	for _, tc := range []struct {
		name string
		take func(ev *Event) *Event
	}{
		{"Snapshot", (*Event).Snapshot},
		{"SnapshotTo", func(ev *Event) *Event { return ev.SnapshotTo(nil) }},
		{"HoldTo", func(ev *Event) *Event { return ev.HoldTo(nil) }},
		{"clone of a snapshot", func(ev *Event) *Event { return ev.Snapshot().Clone() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := new(Event)
			fill(ev, `raw:{"process":{"name":"a.exe"}}`)
			if !ev.Snapshots() {
				t.Fatal("a restorable event does not snapshot")
			}
			snap := tc.take(ev)
			if !snap.IsSnapshot() || string(snap.Raw) != `raw:{"process":{"name":"a.exe"}}` {
				t.Fatalf("snapshot %v of %q", snap.IsSnapshot(), snap.Raw)
			}
			fill(ev, `raw:{"process":{"name":"b.exe"}}`) // the original is reused
			got, err := s.Restore(snap)
			if err != nil {
				t.Fatal(err)
			}
			if got.Get(name).Str() != "a.exe" || got.Time != 9 || got.Index != "logs-x" || got.Pos != 3 || got.Raw != nil {
				t.Fatalf("restored %q time %d index %q pos %d raw %q", got.Get(name).Str(), got.Time, got.Index, got.Pos, got.Raw)
			}
			if !got.Snapshots() {
				t.Error("a restored event does not snapshot")
			}
		})
	}

	ev := new(Event)
	fill(ev, `raw:{"process":{"name":"a.exe"}}`)
	ev.Set(name, Str("changed"))
	if ev.Snapshots() || ev.Snapshot().IsSnapshot() {
		t.Error("a changed event is snapshotted")
	}
	fill(ev, `raw:{"process":{"name":"a.exe"}}`)
	ev.Reset(s.Len())
	if ev.Snapshots() {
		t.Error("a reset event snapshots")
	}
	// Decoded as JSON after a Restorer filled it: Raw again, no restorer.
	if err := s.Decode([]byte(`{"process":{"name":"c.exe"}}`), ev); err != nil {
		t.Fatal(err)
	}
	if snap := ev.Snapshot(); string(snap.Raw) != `{"process":{"name":"c.exe"}}` {
		t.Errorf("snapshot of a decoded event keeps %q", snap.Raw)
	} else if got, err := s.Restore(snap); err != nil || got.Get(name).Str() != "c.exe" {
		t.Errorf("restored %v %q", err, got.Get(name).Str())
	}

	fill(ev, `raw:{"process":{"name":"a.exe"}}`)
	snap := ev.Snapshot()
	snap.Raw = []byte(`{"process":{"name":"a.exe"}}`)
	if _, err := s.Restore(snap); err == nil || err.Error() != "not wrapped" {
		t.Errorf("restoring a record the Restorer refuses: %v", err)
	}
}
