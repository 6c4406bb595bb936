package event

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// TestBorrow checks that events share a chunk's bytes, that the chunk
// goes back to its pool when the reader and the last event let go, and
// that its bytes are then handed out again.
func TestBorrow(t *testing.T) {
	p := NewChunkPool(64, 4, 1<<20)
	c := p.Get(64)
	buf := c.Bytes()
	copy(buf, `{"a":"x"}{"a":"y"}`)
	s := NewSchema()
	slot := s.Slot("a")
	var evs [2]Event
	for i := range evs {
		rec := evs[i].Borrow(c, buf[9*i:9*i+9])
		if &rec[0] != &buf[9*i] {
			t.Fatalf("event %d: record copied", i)
		}
		if err := s.Decode(rec, &evs[i]); err != nil {
			t.Fatal(err)
		}
		if got := evs[i].Size(); got < 9 {
			t.Errorf("event %d: Size %d does not count the record", i, got)
		}
	}
	c.Release() // the reader's reference
	evs[0].Recycle()
	if p.Out() != 64 {
		t.Fatalf("out %d with one event holding the chunk, want 64", p.Out())
	}
	if got := evs[1].Get(slot).Str(); got != "y" {
		t.Fatalf("a is %q", got)
	}
	evs[1].Recycle()
	if p.Out() != 0 {
		t.Fatalf("out %d after every reference was let go", p.Out())
	}
	if again := p.Get(64); &again.Bytes()[0] != &buf[0] {
		t.Errorf("the chunk's bytes were not reused")
	}
}

// TestPark checks that a parked event gives its chunk back at once, that
// its Recycle does not give it back a second time, and that it can then
// borrow and decode again.
func TestPark(t *testing.T) {
	p, s := NewChunkPool(64, 4, 1<<20), NewSchema()
	var ev Event
	c, slot := borrowDecoded(t, p, s, &ev)
	c.Release() // the reader's reference
	ev.Park()
	if p.Out() != 0 {
		t.Fatalf("out %d after the only borrower was parked", p.Out())
	}
	c2 := p.Get(64)
	ev.Recycle()
	if p.Out() != 64 {
		t.Fatalf("out %d: Recycle after Park gave a chunk back again", p.Out())
	}
	copy(c2.Bytes(), `{"a":"z"}`)
	if err := s.Decode(ev.Borrow(c2, c2.Bytes()[:9]), &ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Get(slot).Str(); got != "z" {
		t.Fatalf("a is %q after reuse, want z", got)
	}
	c2.Release()
	ev.Recycle()
	if p.Out() != 0 {
		t.Fatalf("out %d after every reference was let go", p.Out())
	}
}

// TestBorrowOtherChunk checks that an event borrowing from a second chunk
// copies the record instead and keeps its reference to the first.
func TestBorrowOtherChunk(t *testing.T) {
	p := NewChunkPool(64, 4, 1<<20)
	c1, c2 := p.Get(64), p.Get(64)
	var ev Event
	ev.Borrow(c1, c1.Bytes()[:4])
	rec := ev.Borrow(c2, c2.Bytes()[:4])
	if &rec[0] == &c2.Bytes()[0] {
		t.Errorf("a record of a second chunk was not copied")
	}
	c1.Release()
	c2.Release()
	if p.Out() != 64 {
		t.Errorf("out %d, want the first chunk's 64", p.Out())
	}
	ev.Recycle()
	if p.Out() != 0 {
		t.Errorf("out %d after Recycle", p.Out())
	}
}

// TestChunkPoolLend checks that the pool stops lending beyond its limit
// and counts back a chunk whose events were dropped without Recycle.
func TestChunkPoolLend(t *testing.T) {
	p := NewChunkPool(64, 4, 100)
	c1 := p.Get(64)
	if !p.Lend() {
		t.Fatal("not lending within the limit")
	}
	c2 := p.Get(64)
	if p.Lend() {
		t.Fatal("lending beyond the limit")
	}
	c1.Release()
	func() {
		ev := new(Event)
		ev.Borrow(c2, c2.Bytes()[:1])
		c2.Release()
	}() // the event is dropped, not recycled
	c2 = nil
	for range 50 {
		if p.Out() == 0 {
			return
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	t.Errorf("out %d after the chunk's only event was collected", p.Out())
}

// TestUseRoom decodes a record borrowed from a chunk with room lent at
// the chunk's end: the unescaped strings are written there and TakeRoom
// says how many bytes were kept, -1 when Decode outgrew the room, 0 when
// it did not decode.
func TestUseRoom(t *testing.T) {
	const rec = `{"a":"x\ty","b":"plain"}`
	for _, tc := range []struct {
		name   string
		room   int // bytes of room at the chunk's end
		decode bool
		want   int
	}{
		{"fits", 16, true, 3},
		{"outgrown", 2, true, -1},
		{"not decoded", 16, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewChunkPool(64, 4, 1<<20)
			c := p.Get(64)
			buf := c.Bytes()
			copy(buf, rec)
			s := NewSchema()
			a := s.Slot("a")
			var ev Event
			r := ev.Borrow(c, buf[:len(rec)])
			room := buf[len(buf)-tc.room : len(buf)-tc.room : len(buf)]
			ev.UseRoom(c, room)
			if tc.decode {
				if err := s.Decode(r, &ev); err != nil {
					t.Fatal(err)
				}
				if got := ev.Get(a).Str(); got != "x\ty" {
					t.Errorf("a is %q", got)
				}
			}
			if got := ev.TakeRoom(); got != tc.want {
				t.Errorf("TakeRoom = %d, want %d", got, tc.want)
			}
			if tc.want > 0 {
				if s := ev.Get(a).Str(); &unsafe.Slice(unsafe.StringData(s), 1)[0] != &room[:1][0] {
					t.Errorf("the string was not unescaped into the room")
				}
			}
			if got := ev.TakeRoom(); got != 0 {
				t.Errorf("TakeRoom again = %d, want 0", got)
			}
			ev.Recycle()
			c.Release()
		})
	}
}

// borrowDecoded has ev borrow a chunk of p holding {"a":"x"} and decodes
// it with s: it returns the chunk and the slot of a.
func borrowDecoded(t *testing.T, p *ChunkPool, s *Schema, ev *Event) (*Chunk, int) {
	t.Helper()
	c := p.Get(64)
	copy(c.Bytes(), `{"a":"x"}`)
	slot := s.Slot("a")
	if err := s.Decode(ev.Borrow(c, c.Bytes()[:9]), ev); err != nil {
		t.Fatal(err)
	}
	return c, slot
}
