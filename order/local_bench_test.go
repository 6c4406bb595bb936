package order

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkReadTicks merges files of NDJSON through Read with decoders
// (GOMAXPROCS, as a hunt has them) and a judge that, as a hunt's does,
// has no further use for most events, which travel on as ticks: the
// events, ticks and their pools go round between the decoders and the
// merge. Synthetic ECS lines, and raw winlog records of the corpus
// (the first records of each of 8 files; skipped without VIGIL_SHARED).
func BenchmarkReadTicks(b *testing.B) {
	b.Run("synthetic", func(b *testing.B) {
		files := make([][]byte, 4)
		for f := range files {
			for i := range 5000 {
				files[f] = fmt.Appendf(files[f], `{"@timestamp":"2026-01-0%dT00:%02d:%02dZ","n":%d,"process":{"name":"cmd.exe","command_line":"cmd /c echo %d"},"host":{"name":"h%d"}}`+"\n", f+1, i/60%60, i%60, i, i, i%7)
			}
		}
		benchReadTicks(b, files)
	})
	b.Run("winlog", func(b *testing.B) {
		paths := testenv.WinlogFiles(b)
		files := make([][]byte, min(8, len(paths)))
		for f := range files {
			testenv.EachLine(b, paths[f], func(line []byte, n int) {
				if n <= 2000 {
					files[f] = append(append(files[f], line...), '\n')
				}
			})
		}
		benchReadTicks(b, files)
	})
}

// benchReadTicks writes each of files to a file of its own and merges
// them, 4 of 5 events made ticks.
func benchReadTicks(b *testing.B, files [][]byte) {
	dir := b.TempDir()
	var in []input.File
	var size int64
	for i, f := range files {
		p := filepath.Join(dir, fmt.Sprintf("%d.ndjson", i))
		if err := os.WriteFile(p, f, 0o600); err != nil {
			b.Fatal(err)
		}
		in = append(in, input.File{Path: p, Size: int64(len(f))})
		size += int64(len(f))
	}
	s := event.NewSchema()
	for _, f := range []string{"n", "host.name", "event.code", "process.name", "process.command_line", "user.name", "winlog.channel"} {
		s.Slot(f)
	}
	op := input.NewOpener(input.Options{Schema: s})
	opt := Options{Judge: func() (func(*event.Event) bool, func()) {
		return func(ev *event.Event) bool { return ev.Pos%5 == 0 }, func() {}
	}}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Read(context.Background(), in, op, opt, nil, func(*event.Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatal("no events")
		}
	}
}
