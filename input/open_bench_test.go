package input_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkOpenSmallFiles opens and reads small ECS files one after
// another, as a hunt over a folder of thousands of them does: what each
// costs beyond its records is its opening (the read buffer, reused from
// the file before).
func BenchmarkOpenSmallFiles(b *testing.B) {
	data := ecsSample(b, 2000)
	dir := b.TempDir()
	// 20 files of whole lines.
	lines := bytes.SplitAfter(data, []byte("\n"))
	per := (len(lines) + 19) / 20
	var paths []string
	for i := 0; i < len(lines); i += per {
		part := bytes.Join(lines[i:min(i+per, len(lines))], nil)
		path := filepath.Join(dir, fmt.Sprintf("part-%02d.ndjson", len(paths)))
		if err := os.WriteFile(path, part, 0o600); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, path)
	}
	benchOpen(b, paths, int64(len(data)))
}

// BenchmarkOpenEVTX opens and reads EVTX files of the corpus one after
// another (most are 68 KiB, one chunk of records).
func BenchmarkOpenEVTX(b *testing.B) {
	dir := testenv.Path(b, "data", "evtx", "EVTX-to-MITRE-Attack", "TA0008-Lateral Movement", "T1021.002-SMB Windows Admin Shares")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.evtx"))
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	if len(paths) == 0 {
		b.Skip("no EVTX files")
	}
	benchOpen(b, paths, size)
}

func benchOpen(b *testing.B, paths []string, size int64) {
	op := input.NewOpener(input.Options{Schema: event.NewSchema()})
	var ev event.Event
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			r, err := op.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			for {
				ev.Recycle()
				if r.Next(&ev) == io.EOF {
					break
				}
			}
			r.Close()
		}
	}
}
