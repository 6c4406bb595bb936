package input_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// BenchmarkRestore decodes events again from their snapshots, as a hunt
// does for a held tick whose offer is due or a sequence's result: 2,000
// records of the winlog corpus, raw (mapped again through the reader's
// Restorer) and as ECS documents (decoded again by the schema), with
// the hunt's fields. Bytes are the records'.
func BenchmarkRestore(b *testing.B) {
	for _, in := range []struct {
		name string
		data []byte
	}{{"raw", rawSample(b, 2000)}, {"ecs", ecsSample(b, 20000)}} {
		b.Run(in.name, func(b *testing.B) {
			s := event.NewSchema()
			for _, f := range huntFields(b) {
				s.Slot(f)
			}
			path := filepath.Join(b.TempDir(), "in.ndjson")
			if err := os.WriteFile(path, in.data, 0o644); err != nil {
				b.Fatal(err)
			}
			snaps := snapshotAll(b, input.NewOpener(input.Options{Schema: s}), path)
			size := 0
			for _, sn := range snaps {
				size += len(sn.Raw)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, sn := range snaps {
					if _, err := s.Restore(sn); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(snaps)), "ns/event")
		})
	}
}

// snapshotAll reads every event of path and returns a snapshot of each.
func snapshotAll(b *testing.B, o *input.Opener, path string) []*event.Event {
	r, err := o.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var snaps []*event.Event
	var ev event.Event
	defer ev.Recycle()
	for {
		ev.Recycle()
		if err := r.Next(&ev); err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		sn := ev.SnapshotTo(nil)
		if !sn.IsSnapshot() || len(sn.Raw) == 0 {
			b.Fatalf("%s:%d: no snapshot", path, ev.Pos)
		}
		snaps = append(snaps, sn)
	}
	return snaps
}
