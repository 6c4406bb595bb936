package input

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestPeekerTimesAndIndexes reads inputs of every kind with an opener and
// with its Peeker: the events come in the same order with the same times,
// indexes and positions, and the peeker's hold fewer values.
func TestPeekerTimesAndIndexes(t *testing.T) {
	dir := t.TempDir()
	ecs := filepath.Join(dir, "ecs.ndjson")
	os.WriteFile(ecs, []byte(strings.Join([]string{
		`{"@timestamp":"2024-01-02T03:04:05Z","_index":"logs-a","process":{"name":"cmd.exe"},"host":{"name":"h1"}}`,
		`{"@timestamp":"2024-01-02T03:04:04.5Z","data_stream":{"type":"logs","dataset":"x","namespace":"default"},"message":"m"}`,
		`{"@timestamp":"not a time","host.name":"h2","event":{"code":"4688"}}`,
		`{"message":"no time at all"}`,
	}, "\n")), 0o644)
	cases := map[string]string{"ecs": ecs, "raw winlog": testenv.WinlogFiles(t)[0]}
	cases["evtx"] = testenv.Path(t, "data", "evtx", "EVTX-to-MITRE-Attack", "TA0008-Lateral Movement",
		"T1021.002-SMB Windows Admin Shares", "ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx")
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			s := event.NewSchema()
			for _, f := range []string{"process.name", "host.name", "event.code", "winlog.event_id", "message", "user.name", "winlog.channel"} {
				s.Slot(f)
			}
			full := NewOpener(Options{Schema: s, Index: "given"})
			read := func(op *Opener) (got []string, size int) {
				r, err := op.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				var ev event.Event
				for n := 0; n < 2000; n++ {
					ev.Recycle()
					err := r.Next(&ev)
					if err == io.EOF {
						break
					}
					if err != nil {
						got = append(got, err.Error())
						continue
					}
					got = append(got, fmt.Sprintf("%s %s %d", ev.Index, event.FormatTime(ev.Time), ev.Pos))
					size += ev.Size()
				}
				return got, size
			}
			want, fullSize := read(full)
			got, peekSize := read(full.Peeker())
			if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("peeker read\n%s\nthe opener\n%s", strings.Join(got[:min(len(got), 5)], "\n"), strings.Join(want[:min(len(want), 5)], "\n"))
			}
			if peekSize >= fullSize {
				t.Errorf("peeked events hold %d bytes, read ones %d", peekSize, fullSize)
			}
		})
	}
}
