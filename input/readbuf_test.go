package input

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestReadersReused opens files one after another: each is read whole
// and right though its read buffer was another file's, longer, before.
func TestReadersReused(t *testing.T) {
	dir := t.TempDir()
	s := event.NewSchema()
	n := s.Slot("n")
	op := NewOpener(Options{Schema: s})
	// Files of 5,000 lines down to 1 (buffers of 128, 64 and 4 KiB),
	// twice over, so that the later ones get the earlier ones' buffers.
	for round := range 2 {
		for _, lines := range []int{5000, 3000, 2000, 40, 3, 1} {
			var b strings.Builder
			for i := range lines {
				fmt.Fprintf(&b, `{"n":%d}`+"\n", round*10_000+i)
			}
			path := filepath.Join(dir, fmt.Sprintf("f%d-%d.ndjson", round, lines))
			if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := op.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			got := drain(r, func(ev *event.Event) string { return string(ev.Get(n).AppendJSON(nil)) })
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			r.Close() // a second Close must not give the buffer back twice
			if len(got) != lines {
				t.Fatalf("%s: %d events, want %d", path, len(got), lines)
			}
			for i, g := range got {
				if want := fmt.Sprint(round*10_000 + i); g != want {
					t.Fatalf("%s: event %d is %s, want %s", path, i, g, want)
				}
			}
		}
	}
}

// TestPutReader checks that a buffer given back is the next one of its
// size, once only, and that sizes not pooled are let go.
func TestPutReader(t *testing.T) {
	for _, size := range []int{4 << 10, 64 << 10, 128 << 10} {
		for len(readerFree[readClass(size)]) > 0 {
			<-readerFree[readClass(size)]
		}
		br := newReader(strings.NewReader("a"), size)
		if br.Size() != size {
			t.Fatalf("size %d: buffer of %d", size, br.Size())
		}
		putReader(br)
		if again := newReader(strings.NewReader("b"), size); again != br {
			t.Errorf("size %d: buffer given back was not reused", size)
		} else if b, _ := again.ReadByte(); b != 'b' {
			t.Errorf("size %d: reused buffer reads %q", size, b)
		}
		if other := newReader(strings.NewReader("c"), size); other == br {
			t.Errorf("size %d: buffer handed out twice", size)
		}
	}
	for _, size := range []int{100_001, 3 << 10, 256 << 10} {
		if k := readClass(size); k >= 0 {
			t.Errorf("size %d is pooled (class %d)", size, k)
		}
		putReader(bufio.NewReaderSize(strings.NewReader(""), size)) // must not panic
	}
}

// TestCloseTwice closes an input twice: its buffer is given back once,
// not handed to two inputs at the same time.
func TestCloseTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.ndjson")
	if err := os.WriteFile(path, []byte(`{"n":1}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	free := readerFree[readClass(minReadBuf)]
	for len(free) > 0 {
		<-free
	}
	r, err := NewOpener(Options{Schema: event.NewSchema()}).Open(path)
	if err != nil {
		t.Fatal(err)
	}
	drain(r, func(*event.Event) string { return "" })
	r.Close()
	r.Close()
	if n := len(free); n != 1 {
		t.Errorf("%d buffers given back, want 1", n)
	}
}

// TestEVTXOpenedAtOffsets opens an EVTX file, which is read at offsets
// without a read buffer: it reads the events the same file read as a
// stream (through a buffer) does, and counts its bytes once.
func TestEVTXOpenedAtOffsets(t *testing.T) {
	path := testenv.Path(t, "data", "evtx", "EVTX-to-MITRE-Attack", "TA0008-Lateral Movement",
		"T1021.002-SMB Windows Admin Shares", "ID4688,4697,5140-5145 PSexec remote execution + admin share.evtx")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := event.NewSchema()
	read := func(open func(*Opener) (Reader, error)) ([]string, int64) {
		var c Counters
		r, err := open(NewOpener(Options{Schema: s, Counters: &c}))
		if err != nil {
			t.Fatal(err)
		}
		got := drain(r, func(ev *event.Event) string { return string(ev.AppendJSON(nil)) })
		r.Close()
		return got, c.Bytes.Load()
	}
	file, n := read(func(o *Opener) (Reader, error) { return o.Open(path) })
	stream, _ := read(func(o *Opener) (Reader, error) { return o.NewReader("s", bytes.NewReader(data)) })
	if len(file) == 0 || fmt.Sprint(file) != fmt.Sprint(stream) {
		t.Errorf("file: %d events, stream: %d, or they differ", len(file), len(stream))
	}
	if n != int64(len(data)) {
		t.Errorf("%d bytes counted, want %d", n, len(data))
	}
}
