package event

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/vigilsec/vigil/internal/jsonscan"
)

func TestDocJSON(t *testing.T) {
	var d Doc
	d.Set("process.name", Str("sc.exe"))
	d.Set("@timestamp", Str("2026-01-01T00:00:00.000Z"))
	d.Set("process.args", Array(Str("sc.exe"), Str(`\\host`)))
	d.Set("process.pid", Int(42))
	d.Set("host.os.type", Str("windows"))
	d.Set("a", Int(1))
	d.Set("a.b", Int(2))
	d.Set("process.name", Str("SC.EXE")) // replaces
	d.Append("related.user", Str("bob"))
	d.AppendUnique("related.user", Str("bob"))
	d.AppendUnique("related.user", Str("alice"))
	d.SetStr("empty", "")
	got := string(d.AppendJSON(nil))
	want := `{"@timestamp":"2026-01-01T00:00:00.000Z","a":1,"a.b":2,"host":{"os":{"type":"windows"}},"process":{"args":["sc.exe","\\\\host"],"name":"SC.EXE","pid":42},"related":{"user":["bob","alice"]}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	d.Delete("process.pid")
	if _, ok := d.Get("process.pid"); ok {
		t.Error("Delete left the key")
	}
	c := d.Clone()
	d.Reset()
	if c.GetStr("process.name") != "SC.EXE" || d.Len() != 0 {
		t.Error("Clone or Reset wrong")
	}
}

func TestDocIndexed(t *testing.T) {
	var d Doc
	for i := range 100 {
		d.Set(string(rune('a'+i%26))+"."+string(rune('a'+i/26)), Int(int64(i)))
	}
	for i := range 100 {
		v, ok := d.Get(string(rune('a'+i%26)) + "." + string(rune('a'+i/26)))
		if !ok || v.Int() != int64(i) {
			t.Fatalf("key %d: %v %v", i, v, ok)
		}
	}
	d.Delete("a.a")
	if v, _ := d.Get("b.a"); v.Int() != 1 || d.Len() != 99 {
		t.Fatal("index broken after delete")
	}
}

func TestLoadDoc(t *testing.T) {
	s := NewSchema()
	name := s.Slot("process.name")
	args := s.Slot("process.args")
	var d Doc
	d.Set("process.name", Str("sc.exe"))
	d.Set("process.args", Array(Str("a"), Str("b")))
	d.Set("unused", Str("x"))
	ev := &Event{Source: "f", Pos: 3}
	s.LoadDoc(&d, ev)
	if ev.Get(name).Str() != "sc.exe" || ev.Get(args).String() != "[a, b]" || ev.Source != "f" || ev.Pos != 3 {
		t.Errorf("got %v %v %q %d", ev.Get(name), ev.Get(args), ev.Source, ev.Pos)
	}
	if string(ev.AppendJSON(nil)) != `{"process":{"args":["a","b"],"name":"sc.exe"},"unused":"x"}` {
		t.Errorf("json %s", ev.AppendJSON(nil))
	}
}

// TestLoadDocKeys: LoadDoc sees paths registered after an earlier
// LoadDoc and agrees with Lookup over many keys.
func TestLoadDocKeys(t *testing.T) {
	s := NewSchema()
	a := s.Slot("a.b")
	var d Doc
	d.Set("a.b", Str("x"))
	d.Set("late", Str("z"))
	ev := &Event{}
	s.LoadDoc(&d, ev)
	if got := ev.Get(a).Str(); got != "x" {
		t.Errorf("a.b = %s, want x", got)
	}
	late := s.Slot("late")
	s.LoadDoc(&d, ev)
	if got := ev.Get(late).Str(); got != "z" {
		t.Errorf("late = %q after registering it, want z", got)
	}
	var big Doc
	for i := range 3000 {
		key := fmt.Sprintf("f%d.k", i)
		if i%3 == 0 {
			s.Slot(key)
		}
		big.Set(key, Int(int64(i)))
	}
	s.LoadDoc(&big, ev)
	for i := range 3000 {
		key := fmt.Sprintf("f%d.k", i)
		slot, ok := s.Lookup(key)
		if ok != (i%3 == 0) {
			t.Fatalf("Lookup(%s) = %v", key, ok)
		}
		if ok && ev.Get(slot).Int() != int64(i) {
			t.Errorf("%s = %v, want %d", key, ev.Get(slot), i)
		}
	}
	if n := len(ev.cvals); n != 1000 {
		t.Errorf("%d values loaded, want 1000", n)
	}
}

func TestParseTime(t *testing.T) {
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	tests := []struct {
		in   Value
		want int64
		ok   bool
	}{
		{Str("2021-04-27T04:07:34.160Z"), ms("2021-04-27T04:07:34.16Z"), true},
		{Str("2021-04-27T04:07:34.1234567Z"), ms("2021-04-27T04:07:34.1234567Z"), true},
		{Str("2021-04-27T04:07:34Z"), ms("2021-04-27T04:07:34Z"), true},
		{Str("2021-04-27 04:07:34.160"), ms("2021-04-27T04:07:34.16Z"), true},
		{Str("2021-04-27T06:07:34.160+02:00"), ms("2021-04-27T04:07:34.16Z"), true},
		{Str("2021-04-27T01:07:34-0300"), ms("2021-04-27T04:07:34Z"), true},
		{Str("2021-04-27"), ms("2021-04-27T00:00:00Z"), true},
		{Str("1619496454160"), ms("2021-04-27T04:07:34.16Z"), true},
		{Int(1619496454160), ms("2021-04-27T04:07:34.16Z"), true},
		{Array(Str("2021-04-27")), ms("2021-04-27T00:00:00Z"), true},
		{Str("2021-13-27"), 0, false},
		{Str("yesterday"), 0, false},
		{Str("2021-04-27T04:07:34.160Q"), 0, false},
		{Null(), 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseTime(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseTime(%v) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if s := FormatTime(ms("2021-04-27T04:07:34.16Z")); s != "2021-04-27T04:07:34.160Z" {
		t.Errorf("FormatTime = %s", s)
	}
}

func TestValue(t *testing.T) {
	if (Value{}).Exists() || Null().Exists() || Array().Exists() || Array(Null()).Exists() {
		t.Error("missing/null/empty arrays must not exist")
	}
	if !Str("").Exists() || !Array(Null(), Int(0)).Exists() {
		t.Error("empty string and arrays with a value exist")
	}
	if Int(3).Float() != 3 || Float(2.9).Int() != 2 || !Bool(true).Bool() {
		t.Error("conversions")
	}
	if got := string(Array(Str("a\"\x01"), Float(1.5), Bool(false), Null()).AppendJSON(nil)); got != `["a\"\u0001",1.5,false,null]` {
		t.Errorf("json %s", got)
	}
}

func TestMembers(t *testing.T) {
	var got []string
	err := Members([]byte(` {"a":1, "b\n":{"x":[1,"}"]},"c":"s"} `), func(k string, raw []byte) error {
		got = append(got, k+"="+string(raw))
		return nil
	})
	if err != nil || len(got) != 3 || got[0] != "a=1" || got[1] != "b\n={\"x\":[1,\"}\"]}" || got[2] != `c="s"` {
		t.Errorf("got %q, %v", got, err)
	}
	if err := Members([]byte(`{"a":}`), func(string, []byte) error { return nil }); err == nil {
		t.Error("want an error for a bad document")
	}
}

func TestOwn(t *testing.T) {
	ev := &Event{}
	src := []byte("hello")
	a := ev.Own(src)
	src[0] = 'j'
	b := ev.OwnString(string(make([]byte, 5000)))
	if string(a) != "hello" || len(b) != 5000 {
		t.Fatalf("%q %d", a, len(b))
	}
	ev.Recycle()
	if c := ev.Own([]byte("x")); string(c) != "x" {
		t.Fatal(string(c))
	}
}

// TestSpareKeep: bytes a decoder wrote to Spare's room and gave to Keep
// are not written again by later Own calls, whether they fit in the room
// or outgrew it (then the decoder's first bytes lie in the room and its
// last in a buffer of its own).
func TestSpareKeep(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int // bytes the decoder writes
	}{{"fits", 100}, {"outgrows", 10000}, {"none", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &Event{}
			ev.Own([]byte("line"))
			room := ev.Spare(200)
			if len(room) != 0 || cap(room) < 200 {
				t.Fatalf("Spare(200): len %d cap %d", len(room), cap(room))
			}
			// As jsonscan.Scanner.Alloc: 50 bytes in the room, the
			// rest in the room or a new buffer when it does not fit.
			first := append(room, bytes.Repeat([]byte{'a'}, min(tc.n, 50))...)
			buf := first
			if rest := tc.n - len(first); rest > 0 {
				if cap(buf)-len(buf) < rest {
					buf = make([]byte, 0, rest)
				}
				buf = append(buf, bytes.Repeat([]byte{'b'}, rest)...)
			}
			ev.Keep(buf)
			ev.Own(bytes.Repeat([]byte{'x'}, 300))
			if string(first) != strings.Repeat("a", len(first)) {
				t.Errorf("kept bytes written again: %q", first)
			}
		})
	}
}

// TestSpareKeepSizeHistoryFree: a decoder that outgrows Spare's room
// (jsonscan.Scanner.Alloc's way: a buffer of its own once the room is
// full) leaves the same Size whatever storage the event had before, so
// that order's windows release the same events in every run (single and
// parallel decoding recycle events in different orders).
func TestSpareKeepSizeHistoryFree(t *testing.T) {
	decode := func(ev *Event) int {
		s := jsonscan.Scanner{Buf: ev.Spare(4000)}
		for range 3 {
			copy(s.Alloc(2000), strings.Repeat("v", 2000))
		}
		ev.Keep(s.Buf)
		return ev.Size()
	}
	fresh := decode(&Event{})
	roomy := &Event{}
	roomy.Reserve(64 << 10)
	if got := decode(roomy); got != fresh {
		t.Errorf("Size after the same decoding: %d with a roomy store, %d fresh", got, fresh)
	}
}

// TestReserve: after Reserve(2n) a record of n bytes and n bytes of
// Spare's room lie in one buffer, allocated once for a fresh event and
// not at all for a recycled one that held such a record before.
func TestReserve(t *testing.T) {
	for _, n := range []int{10, 2500, 9000} {
		line := bytes.Repeat([]byte{'l'}, n)
		step := func(ev *Event) {
			ev.Reserve(2 * len(line))
			own := ev.Own(line)
			room := ev.Spare(len(line))
			if cap(room) < len(line) || unsafe.Add(unsafe.Pointer(&own[0]), len(own)) != unsafe.Pointer(&room[:1][0]) {
				t.Fatalf("n=%d: Spare's room does not follow the record", n)
			}
			ev.Keep(append(room, line...))
		}
		fresh := make([]Event, 21)
		i := 0
		if a := testing.AllocsPerRun(20, func() { step(&fresh[i]); i++ }); a != 1 {
			t.Errorf("n=%d: fresh event: %v allocations, want 1", n, a)
		}
		ev := &Event{}
		step(ev)
		if a := testing.AllocsPerRun(20, func() { ev.Recycle(); step(ev) }); a != 0 {
			t.Errorf("n=%d: recycled event: %v allocations, want 0", n, a)
		}
	}
}

func TestOwnDoc(t *testing.T) {
	buf := []byte("sc.exe")
	var d Doc
	d.Set("process.name", Str(string(buf[:2])))
	arr := []Value{Str("a"), Str("b")}
	d.Set("process.args", Array(arr...))
	ev := &Event{}
	ev.OwnDoc(&d)
	arr[0] = Str("changed")
	if d.GetStr("process.name") != "sc" {
		t.Fatal("string not owned")
	}
	if v, _ := d.Get("process.args"); v.String() != "[a, b]" {
		t.Fatalf("array not owned: %v", v)
	}
}

// TestOwnDocKeepsOwnedBytes checks that strings pointing into bytes the
// event already owns (the record's line) are not copied again, and that
// others are.
func TestOwnDocKeepsOwnedBytes(t *testing.T) {
	ev := &Event{}
	line := ev.Own([]byte(`{"winlog":{"channel":"Security"}}`))
	inLine := unsafe.String(&line[22], 8) // Security
	scratch := []byte("reused buffer")
	var d Doc
	d.Set("winlog.channel", Str(inLine))
	d.Set("event.action", Str(string(scratch[:6])))
	d.Set("tags", Array(Str(inLine), Str(unsafe.String(&scratch[7], 6))))
	ev.OwnDoc(&d)
	copy(scratch, "XXXXXXXXXXXXX")
	if s := d.GetStr("winlog.channel"); unsafe.StringData(s) != unsafe.StringData(inLine) {
		t.Errorf("an owned string was copied")
	}
	if s := d.GetStr("event.action"); s != "reused" {
		t.Errorf("a string outside the event's storage was not copied: %q", s)
	}
	if v, _ := d.Get("tags"); v.String() != "[Security, buffer]" {
		t.Errorf("array: %v", v)
	}
}

// TestRecycleDropsOversized: a pooled event keeps its buffers for the
// next record, but not those a huge record left.
func TestRecycleDropsOversized(t *testing.T) {
	s := NewSchema()
	msg := s.Slot("message")
	for _, tc := range []struct {
		size int
		kept bool
	}{{1 << 10, true}, {MaxKept + 1, false}} {
		ev := &Event{}
		line := ev.Own([]byte(`{"message":"` + strings.Repeat(`\n`, tc.size/2) + `"}`))
		if err := s.Decode(line, ev); err != nil {
			t.Fatal(err)
		}
		ev.Folded(msg, 0, strings.Repeat("A", tc.size), func(dst []byte, s string) []byte { return append(dst, s...) })
		before := ev.Footprint()
		ev.Recycle()
		after := ev.Footprint()
		if kept := after == before; kept != tc.kept || !tc.kept && after >= MaxKept {
			t.Errorf("record of %d bytes: footprint %d before Recycle, %d after", tc.size, before, after)
		}
	}
}
