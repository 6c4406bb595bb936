package input

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/ecs"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestRestoreRawWinlog reads every record of the raw winlog corpus with a
// schema of every ECS field and takes a snapshot of each event (the three
// ways: shared, recycled, held in its chunk), lets the event go, and
// restores the snapshot: the restored event has the same values in the
// same order, the same metadata and (every few records) the same
// document, and snapshots again. With -short, a sample.
func TestRestoreRawWinlog(t *testing.T) {
	s := event.NewSchema()
	for _, f := range ecs.Fields() {
		s.Slot(f)
	}
	for _, f := range []string{"winlog.event_data.TargetUserName", "winlog.event_data.CommandLine", "winlog.event_data.Image"} {
		s.Slot(f)
	}
	o := NewOpener(Options{Schema: s})
	files := testenv.WinlogFiles(t)
	perFile := -1
	if testing.Short() {
		perFile = 200
	}
	var ev event.Event
	defer ev.Recycle() // gives back a borrowed chunk
	var recycled *event.Event
	n := 0
	for _, path := range files {
		r, err := o.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i != perFile; i++ {
			ev.Recycle()
			if err := r.Next(&ev); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !ev.Snapshots() {
				t.Fatalf("%s:%d: a raw record's event cannot be snapshotted", path, ev.Pos)
			}
			ev.Seq = uint64(n)
			doc := n%8 == 0
			want := describe(&ev, doc)
			var snap *event.Event
			switch n % 3 {
			case 0:
				snap = ev.Snapshot()
			case 1:
				snap = ev.SnapshotTo(recycled)
				recycled = snap
			case 2:
				snap = ev.HoldTo(nil)
			}
			if !snap.IsSnapshot() {
				t.Fatalf("%s:%d: cloned, not snapshotted", path, ev.Pos)
			}
			ev.Recycle() // the record's chunk may be read into again
			got, err := s.Restore(snap)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, snap.Pos, err)
			}
			snap.Park()
			if g := describe(got, doc); g != want {
				t.Fatalf("%s:%d: restored\n%s\nwant\n%s", path, got.Pos, g, want)
			}
			if !got.Snapshots() {
				t.Fatalf("%s:%d: a restored event cannot be snapshotted", path, got.Pos)
			}
			n++
		}
		r.Close()
	}
	if n < 1000 {
		t.Fatalf("only %d records", n)
	}
	t.Logf("%d records restored", n)
}

// describe writes what rules and outputs read of an event: its metadata,
// its values in their order, and its document when doc is set.
func describe(ev *event.Event, doc bool) string {
	b := fmt.Appendf(nil, "%s %d %d %s %d %q\n", ev.Source, ev.Pos, ev.Seq, ev.Index, ev.Time, ev.ID)
	slots, vals, ok := ev.Filled()
	if !ok {
		return "compact event"
	}
	for i, slot := range slots {
		b = strconv.AppendInt(b, int64(slot), 10)
		b = append(b, '=')
		b = vals[i].AppendJSON(b)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(vals[i].Kind()), 10)
		b = append(b, '\n')
	}
	if doc {
		b = ev.AppendJSON(b)
	}
	return string(b)
}

// TestRestoreRawChanged: a raw event whose values changed after it was
// decoded is cloned, not snapshotted.
func TestRestoreRawChanged(t *testing.T) {
	s := event.NewSchema()
	name := s.Slot("process.name")
	rec := `{"@timestamp":"2024-01-02T03:04:05Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"event_data":{"Image":"C:\\Windows\\cmd.exe"}}}`
	ev := readOne(t, Options{Schema: s}, rec)
	if got := ev.Get(name).Str(); got != "cmd.exe" || !ev.Snapshots() {
		t.Fatalf("process.name %q, snapshots %v", got, ev.Snapshots())
	}
	if snap := ev.Snapshot(); !bytes.Equal(snap.Raw, []byte(rec)) {
		t.Fatalf("snapshot keeps %s", snap.Raw)
	}
	ev.Set(name, event.Str("other.exe"))
	if ev.Snapshots() || ev.Snapshot().IsSnapshot() {
		t.Fatal("a changed event is snapshotted")
	}
}

// TestRestoreRawForced: with Options.RawWinlog set, a record is mapped as
// raw winlog even without the fields that would say so (no
// winlog.channel here), and so is it when restored.
func TestRestoreRawForced(t *testing.T) {
	s := event.NewSchema()
	for _, f := range []string{"winlog.event_id", "event.code", "process.name", "host.name", "message"} {
		s.Slot(f)
	}
	raw := true
	ev := readOne(t, Options{Schema: s, RawWinlog: &raw},
		`{"@timestamp":"2024-01-02T03:04:05Z","winlog":{"event_id":1,"computer_name":"wks1","event_data":{"Image":"C:\\x\\a.exe"}},"message":"m"}`)
	if !ev.Snapshots() {
		t.Fatal("a forced raw record's event does not snapshot")
	}
	want := describe(ev, true)
	got, err := s.Restore(ev.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if g := describe(got, true); g != want {
		t.Fatalf("restored\n%s\nwant\n%s", g, want)
	}
}

// readOne reads the one record of an input with opt; the event is
// recycled when the test ends.
func readOne(t *testing.T, opt Options, rec string) *event.Event {
	t.Helper()
	r, err := NewOpener(opt).NewReader("in", strings.NewReader(rec+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := new(event.Event)
	t.Cleanup(ev.Recycle)
	if err := r.Next(ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
