package sequence

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestCopiesArena runs a long stream through a matcher whose caller reuses
// one event and one buffer, with documents of many sizes and keys whose
// partial sequences live long enough to leave chunks mostly dead: every
// result event must hold the document and values pushed, and the arena
// must stay within its bound while copies move.
func TestCopiesArena(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 40_000
	}
	pad := testSchema.Slot("pad")
	kslot := testSchema.Slot("k")
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}}
	m, err := NewMatcher(spec, Options{MaxPending: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	// doc returns event i's document: its size and key follow from i.
	doc := func(dst []byte, i int, typ string, key int) []byte {
		dst = fmt.Appendf(dst, `{"id":%d,"type":%q,"k":"key-%d","pad":"`, i, typ, key)
		dst = append(dst, strings.Repeat(string(rune('a'+i%26)), (i*7919)%3000)...)
		return append(dst, `"}`...)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	type pushed struct {
		typ string
		key int
	}
	log := make([]pushed, n+1)
	results, checked := 0, 0
	var failure error
	check := func(r Result) {
		results++
		for _, e := range r.Events {
			if e == nil || failure != nil {
				continue
			}
			id := int(e.Get(slotID).Int())
			if id < 1 || id > n {
				failure = fmt.Errorf("result event id %v", e.Get(slotID))
				return
			}
			p := log[id]
			want := doc(nil, id, p.typ, p.key)
			if string(e.Raw) != string(want) {
				failure = fmt.Errorf("event %d kept as %.80q, pushed %.80q", id, e.Raw, want)
				return
			}
			if g, w := e.Get(kslot).Str(), fmt.Sprint("key-", p.key); g != w {
				failure = fmt.Errorf("event %d key %q, pushed %q", id, g, w)
				return
			}
			if g := len(e.Get(pad).Str()); g != (id*7919)%3000 {
				failure = fmt.Errorf("event %d pad of %d bytes", id, g)
				return
			}
			checked++
		}
	}
	ev := &event.Event{}
	var buf []byte
	maxHeld, maxFree := 0, 0
	for i := 1; i <= n; i++ {
		typ := "a"
		if rng.IntN(5) < 2 {
			typ = "b"
		}
		// Most keys come back soon, a few rarely: their copies outlive
		// their chunk's neighbours.
		key := rng.IntN(5000)
		if rng.IntN(10) == 0 {
			key = 5000 + rng.IntN(15000)
		}
		log[i] = pushed{typ, key}
		buf = doc(buf[:0], i, typ, key)
		if err := testSchema.Decode(buf, ev); err != nil {
			t.Fatal(err)
		}
		ev.Time = int64(i)
		m.Push(ev, check)
		for j := range buf {
			buf[j] = '#'
		}
		a := &m.arena
		if a.held > 2*a.live+3*maxChunk {
			t.Fatalf("after %d events the arena holds %d bytes for %d live", i, a.held, a.live)
		}
		if free := len(a.free) * maxChunk; a.held+free > 2*a.live+5*maxChunk {
			t.Fatalf("after %d events the arena holds %d bytes and %d free for %d live", i, a.held, free, a.live)
		}
		if i%1000 == 0 {
			checkSlabs(t, a)
		}
		maxHeld = max(maxHeld, a.held)
		maxFree = max(maxFree, len(a.free))
	}
	m.Flush(check)
	if failure != nil {
		t.Fatal(failure)
	}
	checkSlabs(t, &m.arena)
	// Nothing is live after Flush: the free chunks go but a few.
	if n := len(m.arena.free); n > 4 {
		t.Fatalf("%d free chunks kept after Flush", n)
	}
	if checked == 0 || m.arena.moved == 0 {
		t.Fatalf("%d result events checked, %d copies moved: the test tests nothing", checked, m.arena.moved)
	}
	t.Logf("%d results, %d events checked, %d copies moved, arena at most %d KiB (+ %d free chunks)", results, checked, m.arena.moved, maxHeld>>10, maxFree)
}

// checkSlabs fails the test unless the arena's slabs are exactly its
// full-size chunks in use or free (where slabs can be mapped): a slab
// the arena let go of must have been unmapped, and one it holds listed
// for the matcher's cleanup.
func checkSlabs(t *testing.T, a *arena) {
	t.Helper()
	if a.slabs == nil {
		t.Fatal("a matcher that copies has no slab list")
	}
	want := 0
	for _, ch := range append(append([]*chunk(nil), a.chunks...), a.free...) {
		if ch.slab >= 0 {
			want++
			if a.slabs.chunks[ch.slab] != ch {
				t.Fatalf("chunk at slab %d is not listed there", ch.slab)
			}
		}
	}
	if got := len(a.slabs.chunks); got != want {
		t.Fatalf("%d slabs listed, %d chunks in use or free are slabs", got, want)
	}
	if runtime.GOOS == "linux" && want == 0 && a.size == maxChunk && len(a.chunks)+len(a.free) > 1 {
		t.Fatal("no full-size chunk is a slab")
	}
}

// TestCopyRecordsHoldNoPointers checks that a copy's record holds no
// pointers, so that the collector marks the copies a matcher keeps without
// scanning them (see copyRec).
func TestCopyRecordsHoldNoPointers(t *testing.T) {
	if p := pointerField(reflect.TypeFor[copyRec](), "copyRec"); p != "" {
		t.Errorf("%s holds pointers", p)
	}
}

// pointerField returns the path of a field of t that holds pointers, or "".
func pointerField(t reflect.Type, path string) string {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return ""
	case reflect.Array:
		return pointerField(t.Elem(), path+"[]")
	case reflect.Struct:
		for i := range t.NumField() {
			if p := pointerField(t.Field(i).Type, path+"."+t.Field(i).Name); p != "" {
				return p
			}
		}
		return ""
	}
	return path
}
