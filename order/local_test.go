package order

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestLocalPoolEachOnce runs goroutines that take events and ticks from
// pools of their own and give them back, each turning most of its events
// into ticks as the decoders do, while one more gives back what they pass
// it, as the merge does: no event is ever out twice at once, and once
// they flush, the shared lists hold each event at most once and
// poolBytes counts exactly the storage of the events pooled.
func TestLocalPoolEachOnce(t *testing.T) {
	s := event.NewSchema()
	s.Slot("pad")
	drain := func() {
		for eventPool.Len() > 0 {
			getEvent()
		}
		for tickPool.Len() > 0 {
			tickPool.Get()
		}
	}
	drain()
	defer drain()
	var mu sync.Mutex
	out := map[*event.Event]bool{} // events taken and not given back
	take := func(ev *event.Event) {
		mu.Lock()
		defer mu.Unlock()
		if out[ev] {
			t.Errorf("event %p handed out twice", ev)
		}
		out[ev] = true
	}
	give := func(ev *event.Event) {
		mu.Lock()
		defer mu.Unlock()
		delete(out, ev)
	}
	passed := make(chan *event.Event, 64)
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			l := new(localPool)
			defer l.flush()
			for i := range 3000 {
				ev := l.getEvent()
				take(ev)
				ev.Recycle()
				doc := ev.Own(fmt.Appendf(nil, `{"pad":"%s","n":%d}`, strings.Repeat("x", (g*7+i)%900), i))
				if err := s.Decode(doc, ev); err != nil {
					t.Error(err)
					return
				}
				ev.Time = int64(i)
				if i%5 != 0 {
					give(ev)
					ev = l.tick(ev, true) // gives ev back to l
					take(ev)
				}
				passed <- ev
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		merge := new(localPool)
		defer merge.flush()
		for ev := range passed {
			give(ev)
			merge.putEvent(ev)
		}
	}()
	wg.Wait()
	close(passed)
	<-done
	if len(out) != 0 {
		t.Errorf("%d events not given back", len(out))
	}
	var fp int64
	seen := map[*event.Event]bool{}
	eventPool.mu.Lock()
	for _, ev := range eventPool.list {
		if seen[ev] {
			t.Errorf("event %p pooled twice", ev)
		}
		seen[ev] = true
		fp += int64(ev.Footprint())
	}
	eventPool.mu.Unlock()
	tickPool.mu.Lock()
	for _, ev := range tickPool.list {
		if seen[ev] {
			t.Errorf("tick %p pooled twice", ev)
		}
		seen[ev] = true
	}
	tickPool.mu.Unlock()
	if eventPool.Len() == 0 || tickPool.Len() == 0 {
		t.Errorf("pooled %d events and %d ticks, want some of each", eventPool.Len(), tickPool.Len())
	}
	if b := poolBytes.Load(); b != fp {
		t.Errorf("poolBytes %d, the pooled events' storage %d", b, fp)
	}
}

// BenchmarkReadTicks merges files of NDJSON through Read with decoders
// (GOMAXPROCS, as a hunt has them) and a judge that, as a hunt's does,
// has no further use for most events, which travel on as ticks: the
// events, ticks and their pools go round between the decoders and the
// merge. Synthetic ECS lines, and raw winlog records of the corpus
// (the first records of each of 8 files; skipped without VIGIL_SHARED).
func BenchmarkReadTicks(b *testing.B) {
	for _, data := range []struct {
		name  string
		files func(b *testing.B) [][]byte
	}{
		{"synthetic", func(*testing.B) [][]byte {
			files := make([][]byte, 4)
			for f := range files {
				for i := range 5000 {
					files[f] = fmt.Appendf(files[f], `{"@timestamp":"2026-01-0%dT00:%02d:%02dZ","n":%d,"process":{"name":"cmd.exe","command_line":"cmd /c echo %d"},"host":{"name":"h%d"}}`+"\n", f+1, i/60%60, i%60, i, i, i%7)
				}
			}
			return files
		}},
		{"winlog", func(b *testing.B) [][]byte {
			paths := testenv.WinlogFiles(b)
			files := make([][]byte, min(8, len(paths)))
			for f := range files {
				testenv.EachLine(b, paths[f], func(line []byte, n int) {
					if n <= 2000 {
						files[f] = append(append(files[f], line...), '\n')
					}
				})
			}
			return files
		}},
	} {
		b.Run(data.name, func(b *testing.B) {
			dir := b.TempDir()
			var in []input.File
			var size int64
			for i, f := range data.files(b) {
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
		})
	}
}
