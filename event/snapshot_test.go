package event

import (
	"testing"
)

func TestSnapshot(t *testing.T) {
	s := NewSchema()
	name, args, pid := s.Slot("process.name"), s.Slot("process.args"), s.Slot("process.pid")
	doc := `{"process":{"name":"sc\u002eexe","args":["a","b"],"pid":42}}`

	tests := []struct {
		name     string
		edit     func(ev *Event)
		snapshot bool // a snapshot without values, not a clone
	}{
		{"decoded", func(*Event) {}, true},
		{"metadata changed", func(ev *Event) { ev.Time, ev.Index, ev.ID = 7, "logs-x", "id1" }, true},
		{"value set after decoding", func(ev *Event) { ev.Set(pid, Int(43)) }, false},
		{"value added after decoding", func(ev *Event) { ev.Add(args, Str("c")) }, false},
		{"raw dropped", func(ev *Event) { ev.Raw = nil }, false},
		{"raw replaced", func(ev *Event) { ev.Raw = []byte(`{}`) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := &Event{Source: "f.ndjson", Pos: 3}
			if err := s.Decode([]byte(doc), ev); err != nil {
				t.Fatal(err)
			}
			tc.edit(ev)
			snap := ev.Snapshot()
			if snap.IsSnapshot() != tc.snapshot {
				t.Fatalf("IsSnapshot = %v", snap.IsSnapshot())
			}
			if ev.Snapshot() != snap {
				t.Error("the snapshot of an unchanged event is not shared")
			}
			if snap.Time != ev.Time || snap.Index != ev.Index || snap.ID != ev.ID || snap.Source != ev.Source || snap.Pos != ev.Pos {
				t.Errorf("metadata not kept: %+v", snap)
			}
			if tc.snapshot && snap.Get(name).Exists() {
				t.Error("a snapshot holds values")
			}
			want := []string{ev.Get(name).String(), ev.Get(args).String(), ev.Get(pid).String()}
			// The original is reused: the snapshot must not share its memory.
			if err := s.Decode([]byte(`{"process":{"name":"other.exe"}}`), ev); err != nil {
				t.Fatal(err)
			}
			got, err := s.Restore(snap)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsSnapshot() {
				t.Error("Restore returned a snapshot")
			}
			for i, slot := range []int{name, args, pid} {
				if g := got.Get(slot); g.String() != want[i] {
					t.Errorf("slot %d: restored %v, want %v", slot, g, want[i])
				}
			}
			if got.Time != snap.Time || got.Index != snap.Index || got.ID != snap.ID || got.Source != snap.Source || got.Pos != snap.Pos {
				t.Errorf("restored metadata differs: %+v", got)
			}
		})
	}
}

func TestSnapshotInvalidatedByDecode(t *testing.T) {
	s, ev := decodeOne(t, []string{"process.name"}, `{"process":{"name":"a"}}`)
	name := s.Slot("process.name")
	first := ev.Snapshot()
	if err := s.Decode([]byte(`{"process":{"name":"b"}}`), ev); err != nil {
		t.Fatal(err)
	}
	second := ev.Snapshot()
	if first == second {
		t.Fatal("a decoded event shares the snapshot of the previous one")
	}
	a, _ := s.Restore(first)
	b, _ := s.Restore(second)
	if a.Get(name).Str() != "a" || b.Get(name).Str() != "b" {
		t.Errorf("restored %q and %q", a.Get(name).Str(), b.Get(name).Str())
	}
	if c := first.Clone(); !c.IsSnapshot() {
		t.Error("the clone of a snapshot is not a snapshot")
	}
}

func BenchmarkSnapshot(b *testing.B) {
	s := NewSchema()
	for _, f := range []string{"process.name", "process.args", "process.pid", "host.name", "user.name"} {
		s.Slot(f)
	}
	line := []byte(`{"@timestamp":"2026-01-01T00:00:00Z","host":{"name":"WKS-1"},"user":{"name":"bob"},"process":{"name":"sc.exe","pid":42,"args":["sc.exe","\\\\FS02","create","svc"]}}`)
	ev := &Event{}
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for i := 0; b.Loop(); i++ {
		if err := s.Decode(line, ev); err != nil {
			b.Fatal(err)
		}
		ev.Time = int64(i)
		_ = ev.Snapshot()
	}
}

func TestSnapshotTo(t *testing.T) {
	s, ev := decodeOne(t, []string{"process.name"}, `{"process":{"name":"first.exe"}}`)
	name := s.Slot("process.name")
	ev.Time = 1
	a := ev.SnapshotTo(nil)
	if !a.IsSnapshot() || a == ev.SnapshotTo(nil) {
		t.Fatal("SnapshotTo(nil) must make a new snapshot each time")
	}
	restored, _ := s.Restore(a)
	// Recycle a for the next event: what was restored must not change.
	if err := s.Decode([]byte(`{"process":{"name":"second.exe"}}`), ev); err != nil {
		t.Fatal(err)
	}
	ev.Time = 2
	b := ev.SnapshotTo(a)
	if b != a || b.Time != 2 {
		t.Fatalf("SnapshotTo did not reuse the snapshot: %p %p time %d", a, b, b.Time)
	}
	got, _ := s.Restore(b)
	if got.Get(name).Str() != "second.exe" || restored.Get(name).Str() != "first.exe" {
		t.Errorf("restored %q and %q", restored.Get(name).Str(), got.Get(name).Str())
	}
	ev.Set(name, Str("changed"))
	if c := ev.SnapshotTo(b); c.IsSnapshot() || c == b || c.Get(name).Str() != "changed" {
		t.Error("a changed event must be cloned")
	}
}
