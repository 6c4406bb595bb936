package input

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// readAhead reads data through Ahead with the given decoders and returns
// one line per event (place, time, index and every value decoded) or
// error, then the warnings, in order. It checks that every event taken
// from the pool is handed back, that Then saw every event once, with its
// time and index set, before it was passed on, and that each goroutine's
// Then is done, and that the chunks the batches held are given back.
func readAhead(t *testing.T, data []byte, opt Options, decoders int) []string {
	t.Helper()
	chunksOut := chunks.Out()
	s := event.NewSchema()
	for _, f := range []string{"n", "host.name", "event.code", "process.name", "process.command_line", "user.name", "winlog.channel", "event.category"} {
		s.Slot(f)
	}
	opt.Schema = s
	var out []string
	opt.Warn = func(err error) { out = append(out, "warn: "+err.Error()) }
	r, err := NewOpener(opt).NewReader("in", bytes.NewReader(data))
	if err != nil {
		return []string{err.Error()}
	}
	var taken atomic.Int64
	get := func() *event.Event { taken.Add(1); return new(event.Event) }
	put := func(ev *event.Event) { taken.Add(-1); ev.Recycle() } // letting go of a chunk it borrowed
	var mu sync.Mutex
	seen := map[*event.Event]string{} // the time and index Then saw (get never reuses an event)
	var made, done atomic.Int64
	then := func() (func(*event.Event) *event.Event, func()) {
		made.Add(1)
		return func(ev *event.Event) *event.Event {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := seen[ev]; dup {
				t.Errorf("Then saw the event of line %d twice", ev.Pos)
			}
			seen[ev] = fmt.Sprint(ev.Time, ev.Index)
			return ev
		}, func() { done.Add(1) }
	}
	a := Ahead(r, AheadOptions{Decoders: decoders, Worker: workerOf3(get, put, then)})
	for {
		ev, err := a.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out = append(out, "error: "+err.Error())
			continue
		}
		mu.Lock()
		if saw, ok := seen[ev]; !ok || saw != fmt.Sprint(ev.Time, ev.Index) {
			t.Errorf("line %d: Then saw %q (%v), passed on with %d %s", ev.Pos, saw, ok, ev.Time, ev.Index)
		}
		mu.Unlock()
		line := fmt.Sprintf("%s:%d %d %s", ev.Source, ev.Pos, ev.Time, ev.Index)
		slots, vals, _ := ev.Filled()
		for i, slot := range slots {
			line += fmt.Sprintf(" %d=%s", slot, vals[i].AppendJSON(nil))
		}
		out = append(out, line)
		put(ev)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := taken.Load(); n != 0 {
		t.Errorf("%d events not handed back", n)
	}
	if made.Load() != done.Load() {
		t.Errorf("Then made %d times, done %d times", made.Load(), done.Load())
	}
	if got := chunks.Out(); got != chunksOut {
		t.Errorf("%d decoders: chunks out %d bytes after Close, want %d", decoders, got, chunksOut)
	}
	return out
}

// TestAheadSameAsNext: decoding a file's records on several goroutines
// gives the events, errors and warnings of reading them one by one, in
// the same order, over good and bad records and more batches than are in
// flight.
func TestAheadSameAsNext(t *testing.T) {
	var mixed strings.Builder
	for i := 1; i <= 1500; i++ {
		switch {
		case i%97 == 0:
			mixed.WriteString("{not json\n")
		case i%89 == 0:
			mixed.WriteString("{\"n\":\"\xff\xfe\"}\n") // invalid UTF-8
		case i%83 == 0:
			fmt.Fprintf(&mixed, `{"n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", 600)) // beyond MaxRecord
		case i%79 == 0:
			fmt.Fprintf(&mixed, `{"@timestamp":"yesterday","n":%d}`+"\n", i) // a bad time: warned
		case i%71 == 0:
			mixed.WriteString("   \n")
		default:
			fmt.Fprintf(&mixed, `{"@timestamp":"2026-01-01T00:00:%02dZ","n":%d,"data_stream":{"type":"logs","dataset":"d%d","namespace":"x"}}`+"\n", i%60, i, i%3)
		}
	}
	// Lines over many chunks (chunkSize), some across their ends.
	var long strings.Builder
	for i := 1; long.Len() < 5*chunkSize; i++ {
		fmt.Fprintf(&long, `{"@timestamp":"2026-01-01T00:%02d:%02dZ","n":%d,"process":{"command_line":"%s"}}`+"\n", i/60%60, i%60, i, strings.Repeat("y", i%300))
	}
	var array strings.Builder
	array.WriteString("[")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&array, `{"n":%d},`, i)
	}
	array.WriteString(`{"n":301} {"n":302}]`) // the array breaks: the input ends
	for _, tc := range []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"ndjson with bad records", func(*testing.T) []byte { return []byte(mixed.String()) }},
		{"gzip", func(*testing.T) []byte { return gz(mixed.String()) }},
		{"ndjson over many chunks", func(*testing.T) []byte { return []byte(long.String()) }},
		{"broken array", func(*testing.T) []byte { return []byte(array.String()) }},
		{"empty", func(*testing.T) []byte { return nil }},
		{"raw winlog records", func(t *testing.T) []byte {
			return append(bytes.Join(testenv.WinlogSample(t, 3000), []byte("\n")), '\n')
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			opt := Options{MaxRecord: 512}
			if strings.HasPrefix(tc.name, "raw") || strings.HasSuffix(tc.name, "chunks") {
				opt.MaxRecord = 0
			}
			want := readAhead(t, data, opt, 1)
			if len(want) < 2 && data != nil {
				t.Fatalf("read only %q", want)
			}
			for _, decoders := range []int{2, 3} {
				got := readAhead(t, data, opt, decoders)
				if len(got) != len(want) {
					t.Fatalf("%d decoders: %d lines, want %d", decoders, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%d decoders, line %d:\n got %s\nwant %s", decoders, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// FuzzAhead: over any input, decoding on several goroutines gives the
// events, errors and warnings of one decoder, in the same order, and
// every event and chunk is handed back (readAhead's checks).
func FuzzAhead(f *testing.F) {
	f.Add([]byte(`{"@timestamp":"2026-01-01T00:00:01Z","n":1}` + "\n" + `{"n":"\u00e9\\x","host":{"name":"h"}}` + "\n{bad\n"))
	f.Add([]byte(`[{"n":1},{"n":2}`))
	f.Add(gz(`{"n":1}` + "\n" + `{"n":2}` + "\n"))
	f.Add([]byte("\xef\xbb\xbf" + `{"n":"\xff"}` + "\n   \n" + `{"@timestamp":"yesterday"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{MaxRecord: 256}
		want := readAhead(t, data, opt, 1)
		got := readAhead(t, data, opt, 3)
		if len(got) != len(want) {
			t.Fatalf("3 decoders: %d lines, want %d:\n%q\n%q", len(got), len(want), got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("3 decoders, line %d:\n got %s\nwant %s", i, got[i], want[i])
			}
		}
	})
}

// TestAheadCloseEarly: closing before the end stops the goroutines and
// hands back every event decoded ahead.
func TestAheadCloseEarly(t *testing.T) {
	data := []byte(lines(9) + strings.Repeat(`{"n":1}`+"\n", 5000))
	s := event.NewSchema()
	for _, stop := range []int{0, 1, 100, 1000} {
		r, err := NewOpener(Options{Schema: s}).NewReader("in", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var taken atomic.Int64
		// put recycles the events it is given, letting go of the chunks
		// they borrowed: one dropped holding a chunk is counted back
		// only when the collector finds it, which moved chunks.Out
		// under another test's feet (readAhead's check).
		put := func(ev *event.Event) { taken.Add(-1); ev.Recycle() }
		get := func() *event.Event { taken.Add(1); return new(event.Event) }
		a := Ahead(r, AheadOptions{Decoders: 3, Worker: workerOf3(get, put, nil)})
		for range stop {
			ev, err := a.Next()
			if err != nil {
				t.Fatal(err)
			}
			put(ev)
		}
		a.Close()
		if n := taken.Load(); n != 0 {
			t.Errorf("closed after %d events: %d events not handed back", stop, n)
		}
		if ev, err := a.Next(); ev != nil || err != io.EOF {
			t.Errorf("Next after Close: %v, %v", ev, err)
		}
	}
}

// TestAheadThenReplaces: what Then passes on in an event's place is what
// Next returns, in the event's place, and the events it disposes of are
// not handed back twice.
func TestAheadThenReplaces(t *testing.T) {
	data := []byte(lines(9) + strings.Repeat(`{"n":1}`+"\n", 3000))
	s := event.NewSchema()
	for _, decoders := range []int{1, 3} {
		r, err := NewOpener(Options{Schema: s}).NewReader("in", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var taken atomic.Int64
		get := func() *event.Event { taken.Add(1); return new(event.Event) }
		put := func(ev *event.Event) { taken.Add(-1); ev.Recycle() } // see TestAheadCloseEarly
		then := func() (func(*event.Event) *event.Event, func()) {
			return func(ev *event.Event) *event.Event {
				if ev.Pos%2 == 1 {
					return ev
				}
				// Stand in for it, as order passes on ticks.
				t := get()
				t.Pos, t.Time = ev.Pos, -ev.Pos
				put(ev)
				return t
			}, func() {}
		}
		a := Ahead(r, AheadOptions{Decoders: decoders, Worker: workerOf3(get, put, then)})
		n := int64(0)
		each(t, a, func(ev *event.Event) {
			n++
			if ev.Pos != n || ev.Pos%2 == 0 && ev.Time != -n {
				t.Fatalf("%d decoders: event %d is line %d, time %d", decoders, n, ev.Pos, ev.Time)
			}
			put(ev)
		})
		a.Close()
		if n != 3009 {
			t.Errorf("%d decoders: %d events", decoders, n)
		}
		if got := taken.Load(); got != 0 {
			t.Errorf("%d decoders: %d events not handed back", decoders, got)
		}
	}
}

// BenchmarkAhead reads NDJSON through Ahead with and without decoders,
// with a per-event step on the decoders' goroutines (Then, as order
// judges events there): synthetic lines, and raw winlog records of the
// corpus (skipped without VIGIL_SHARED).
func BenchmarkAhead(b *testing.B) {
	var synth strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&synth, `{"@timestamp":"2026-01-01T00:00:%02dZ","n":%d,"process":{"name":"cmd.exe","command_line":"cmd /c echo %d"},"host":{"name":"h%d"}}`+"\n", i%60, i, i, i%7)
	}
	for _, data := range []struct {
		name string
		data func(b *testing.B) []byte
	}{
		{"synthetic", func(*testing.B) []byte { return []byte(synth.String()) }},
		{"winlog", func(b *testing.B) []byte {
			return append(bytes.Join(testenv.WinlogSample(b, 3000), []byte("\n")), '\n')
		}},
	} {
		for _, decoders := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/decoders=%d", data.name, decoders), func(b *testing.B) {
				in := data.data(b)
				s := event.NewSchema()
				for _, f := range []string{"n", "host.name", "event.code", "process.name", "process.command_line", "user.name", "winlog.channel"} {
					s.Slot(f)
				}
				o := NewOpener(Options{Schema: s})
				free := make(chan *event.Event, 4096)
				get := func() *event.Event {
					select {
					case ev := <-free:
						return ev
					default:
						return new(event.Event)
					}
				}
				put := func(ev *event.Event) {
					select {
					case free <- ev:
					default:
					}
				}
				var seen atomic.Int64
				then := func() (func(*event.Event) *event.Event, func()) {
					n := int64(0)
					return func(ev *event.Event) *event.Event { n += ev.Time & 1; return ev }, func() { seen.Add(n) }
				}
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					r, err := o.NewReader("in", bytes.NewReader(in))
					if err != nil {
						b.Fatal(err)
					}
					a := Ahead(r, AheadOptions{Decoders: decoders, Worker: workerOf3(get, put, then)})
					each(b, a, put)
					a.Close()
				}
			})
		}
	}
}

// workerOf3 is an AheadOptions.Worker whose goroutines share get and
// put, each with the Each and Done that then makes for it (none if then
// is nil).
func workerOf3(get func() *event.Event, put func(*event.Event), then func() (func(*event.Event) *event.Event, func())) func() Worker {
	return func() Worker {
		w := Worker{Get: get, Put: put}
		if then != nil {
			w.Each, w.Done = then()
		}
		return w
	}
}

// each calls fn with each event a passes on, to the end; an error fails
// the test.
func each(tb testing.TB, a EventReader, fn func(*event.Event)) {
	for {
		ev, err := a.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		fn(ev)
	}
}
