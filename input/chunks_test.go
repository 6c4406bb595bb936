package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/span"
)

// TestChunkLinesAsLineSplitter checks that chunkLines yields the lines,
// line numbers and errors lineSplitter does, over short reads and
// buffers smaller than the lines.
func TestChunkLinesAsLineSplitter(t *testing.T) {
	long := strings.Repeat("x", 100)
	inputs := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"one line", `{"a":1}` + "\n"},
		{"no final newline", "{\"a\":1}\n{\"b\":2}"},
		{"blank lines", "\n\n{\"a\":1}\n\n"},
		{"crlf", "{\"a\":1}\r\n{\"b\":2}\r\n"},
		{"longer than the buffer", long + "\n" + long + long + "\n" + "x\n"},
		{"too long", "a\n" + long + long + long + "\nb\n"},
		{"too long at the end", "a\n" + long + long + long},
		{"exactly the cap", strings.Repeat("y", 199) + "\n" + strings.Repeat("y", 200) + "\n"},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"half", iotest.HalfReader},
	}
	for _, in := range inputs {
		for _, rd := range readers {
			for _, size := range []int{16, 64, 4096} {
				t.Run(in.name+"/"+rd.name, func(t *testing.T) {
					want := splitAll(&lineSplitter{br: bufio.NewReaderSize(rd.wrap(strings.NewReader(in.data)), size), max: 200})
					cl := chunked(bufio.NewReaderSize(rd.wrap(strings.NewReader(in.data)), size), 200)
					got := splitAll(cl)
					cl.release()
					if got != want {
						t.Errorf("buffer %d:\ngot  %q\nwant %q", size, got, want)
					}
				})
			}
		}
	}
}

type splitter interface{ next() ([]byte, error) }

// splitAll returns every line, line number and error of s, one a line.
func splitAll(s splitter) string {
	var b strings.Builder
	for range 1000 {
		line, err := s.next()
		var n int64
		switch s := s.(type) {
		case *lineSplitter:
			n = s.line
		case *chunkLines:
			n = s.line
		}
		if err == io.EOF {
			return b.String()
		}
		b.WriteString(strings.TrimSpace(string(line)))
		if err != nil {
			b.WriteString(" error: " + err.Error())
		}
		b.WriteString(" @" + string(rune('0'+n)) + "\n")
		if err != nil && !errors.As(err, new(errTooLong)) {
			return b.String()
		}
	}
	return b.String() + "no end"
}

// TestChunkLinesSmall checks that a small input is read without chunks,
// its lines copied.
func TestChunkLinesSmall(t *testing.T) {
	s := event.NewSchema()
	s.Slot("n")
	op := NewOpener(Options{Schema: s})
	r, err := op.NewReader("t", strings.NewReader(`{"n":1}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	jr := r.(*jsonReader)
	jr.lines = newChunkLines(bufio.NewReaderSize(strings.NewReader(`{"n":1}`+"\n"), 4096), 100)
	rec, _, err := jr.frame()
	if err != nil {
		t.Fatal(err)
	}
	if jr.lines.chunkOf(rec) != nil {
		t.Errorf("a small input's line lies in a chunk")
	}
}

// TestChunkLinesReadError checks that a read error is returned after the
// lines read before it, and again after that.
func TestChunkLinesReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a\nb\npart"), iotest.ErrReader(boom))
	s := chunked(bufio.NewReaderSize(r, 16), 100)
	defer s.release()
	var got []string
	for {
		line, err := s.next()
		if err != nil {
			if err != boom {
				t.Fatalf("error %v, want boom", err)
			}
			break
		}
		got = append(got, string(line))
	}
	if strings.Join(got, "") != "a\nb\n" {
		t.Errorf("lines %q", got)
	}
}

// TestChunkLinesLend checks that a reader's events borrow their lines
// (the same bytes, no copy), that the lines and the strings unescaped
// next to them stay unchanged while the events hold them as the reader
// reads on, and that the chunks go back to the pool once every event is
// recycled.
func TestChunkLinesLend(t *testing.T) {
	var data bytes.Buffer
	for i := range 5000 {
		data.WriteString(`{"n":"` + strings.Repeat(`v\\`, i%300) + `"}` + "\n")
	}
	s := event.NewSchema()
	slot := s.Slot("n")
	op := NewOpener(Options{Schema: s})
	// A pool of the test's own: chunks other tests' events dropped are
	// counted back in the shared one whenever the collector finds them,
	// which made its count before and after differ now and then.
	defer func(p *event.ChunkPool) { chunks = p }(chunks)
	chunks = event.NewChunkPool(chunkSize, 8, chunkLimit)
	r, err := op.NewReader("t", bytes.NewReader(data.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	jr := r.(*jsonReader)
	var evs []*event.Event
	for {
		ev := new(event.Event)
		rec, pos, err := jr.frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := jr.lines.chunkOf(rec)
		if c == nil {
			t.Fatalf("line %d not in the reader's chunk", pos)
		}
		owned := jr.own(ev, rec)
		if &owned[0] != &rec[0] {
			t.Fatalf("line %d copied", pos)
		}
		if err := jr.decode(owned, ev, pos); err != nil {
			t.Fatal(err)
		}
		if v := ev.Get(slot).Str(); v != "" && pos <= 200 {
			// (The first lines' strings fit in the chunk's spare bytes;
			// later ones go to the event's own buffer once those are
			// used up.)
			if _, ok := span.Within(v, c.Bytes()); !ok {
				t.Fatalf("line %d: unescaped string not in the line's chunk", pos)
			}
		}
		evs = append(evs, ev)
	}
	r.Close()
	for i, ev := range evs {
		if got, want := ev.Get(slot).Str(), strings.Repeat(`v\`, i%300); got != want {
			t.Fatalf("event %d: n is %q, want %q", i, got, want)
		}
		ev.Recycle()
	}
	if got := chunks.Out(); got != 0 {
		t.Errorf("chunks out %d after every event was recycled", got)
	}
}
