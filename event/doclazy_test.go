package event

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// countingMapper builds a two-field document from src and counts builds.
type countingMapper struct{ n atomic.Int32 }

func (m *countingMapper) MapDoc(src []byte) *Doc {
	m.n.Add(1)
	d := new(Doc)
	d.Set("message", Str(string(src)))
	d.Set("event.code", Str("1"))
	return d
}

// TestLoadDocLazy checks a lazy document: only slotted fields reach the
// event, the document is built once however many goroutines read it at
// once, a clone builds its own from a copy of the bytes, and Reset (the
// event's next record) forgets it.
func TestLoadDocLazy(t *testing.T) {
	s := NewSchema()
	code, msg := s.Slot("event.code"), s.Slot("message")
	m := new(countingMapper)
	ev := new(Event)
	src := ev.Own([]byte("hello"))
	built := new(Doc)
	built.Set("message", Str(unsafe.String(&src[0], len(src)))) // in the event's bytes
	built.Set("event.code", Str("1"))
	s.LoadDocLazy(built, ev, nil, src, m)
	if got := ev.Get(code).Str(); got != "1" {
		t.Fatalf("event.code = %q", got)
	}
	if ev.Doc.Len() != 2 || m.n.Load() != 0 {
		t.Fatalf("Len %d, built %d times before use", ev.Doc.Len(), m.n.Load())
	}
	var wg sync.WaitGroup
	outs := make([]string, 8)
	for i := range outs {
		wg.Go(func() { outs[i] = string(ev.AppendJSON(nil)) })
	}
	wg.Wait()
	want := `{"event":{"code":"1"},"message":"hello"}`
	for _, o := range outs {
		if o != want {
			t.Fatalf("AppendJSON = %s, want %s", o, want)
		}
	}
	if n := m.n.Load(); n < 1 || n > int32(len(outs)) {
		t.Fatalf("built %d times", n)
	}
	before := m.n.Load()
	if v, ok := ev.Doc.Get("message"); !ok || v.Str() != "hello" || m.n.Load() != before {
		t.Fatalf("Get after build: %v %v, built again: %v", v, ok, m.n.Load() != before)
	}
	c := ev.Clone()
	src[0] = 'j' // the clone's bytes are its own
	if got := string(c.AppendJSON(nil)); got != want {
		t.Fatalf("clone: %s", got)
	}
	if got := c.Get(msg).Str(); got != "hello" || c.Size() < len(src) {
		t.Fatalf("clone's message %q, Size %d", got, c.Size())
	}
	ev.Reset(s.Len())
	if ev.Doc != nil {
		t.Fatal("Reset kept the document")
	}
	d := ev.NewDoc()
	if d.Len() != 0 || d.mapper != nil || d.full != nil || d.src != nil {
		t.Fatal("a reused lazy document was not emptied")
	}
}

// TestLoadDocLazyMoving checks that the slotted strings lying in the
// moved buffer reach the event through one copy of it, each at its
// offset (a string shared by two values is held once), that strings in a
// reused buffer are copied one by one, that others are left where they
// are, and that the builder may then write its buffers again.
func TestLoadDocLazyMoving(t *testing.T) {
	s := NewSchema()
	line, args, name, code, kind := s.Slot("process.command_line"), s.Slot("process.args"),
		s.Slot("process.name"), s.Slot("event.code"), s.Slot("event.kind")
	moved := []byte(`c:\x.exe -a|x.exe`)
	reused := []byte("1")
	str := func(b []byte, i, j int) string { return unsafe.String(&b[i], j-i) }
	built := new(Doc)
	built.Set("process.command_line", Str(str(moved, 0, 11)))
	built.Set("process.args", Array(Str(str(moved, 0, 8)), Str(str(moved, 9, 11))))
	built.Set("process.name", Str(str(moved, 12, 17)))
	built.Set("event.code", Str(str(reused, 0, 1)))
	built.Set("event.kind", Str("event"))
	built.Set("not.slotted", Str(str(moved, 0, 2)))
	ev := new(Event)
	src := ev.Own([]byte("{}"))
	s.LoadDocLazyMoving(built, nil, ev, [][]byte{reused}, moved, src, new(countingMapper))
	copy(moved, "################")
	reused[0] = '#'
	for _, c := range []struct {
		slot int
		want string
	}{{line, `c:\x.exe -a`}, {name, "x.exe"}, {code, "1"}, {kind, "event"}} {
		if got := ev.Get(c.slot).Str(); got != c.want {
			t.Errorf("slot %d = %q, want %q", c.slot, got, c.want)
		}
	}
	a := ev.Get(args).Array()
	if len(a) != 2 || a[0].Str() != `c:\x.exe` || a[1].Str() != "-a" {
		t.Errorf("process.args = %s", ev.Get(args).AppendJSON(nil))
	}
	// The command line and its first argument share their bytes.
	if unsafe.StringData(ev.Get(line).Str()) != unsafe.StringData(a[0].Str()) {
		t.Error("strings of the moved buffer were copied one by one")
	}
	if want := len(src) + len(moved) + 1; ev.Size() < want {
		t.Errorf("Size %d, want at least %d (the record, the moved block and the reused string)", ev.Size(), want)
	}
}
