package order

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

// TestSources orders two hosts' events: one host's events wait for the
// other while both send, a host that goes quiet stops holding the other
// back, and an event older than one already evaluated is late for its
// own host only.
func TestSources(t *testing.T) {
	s := event.NewSchema()
	ss := NewSources(s, 5*time.Second, 30*time.Second, 100)
	var got []string
	out := func(ev *event.Event) { got = append(got, fmt.Sprintf("%s@%d", ev.Index, ev.Time/1e9)) }
	lates := 0
	t0 := time.Unix(1000, 0)
	push := func(host string, sec int, at time.Time) {
		ev := &event.Event{}
		if err := s.Decode([]byte(fmt.Sprintf(`{"host":{"name":%q}}`, host)), ev); err != nil {
			t.Fatal(err)
		}
		ev.Time, ev.Index = int64(sec)*1e9, host
		ss.Push(ev, at, out, func() { lates++ })
	}
	push("a", 100, t0)
	push("b", 90, t0)
	push("a", 120, t0)
	// a's newest is 120, b's 90: nothing after 85 may go yet.
	ss.Release(t0, out)
	if len(got) != 0 {
		t.Fatalf("released %v while b was at 90", got)
	}
	push("b", 110, t0.Add(time.Second))
	ss.Release(t0.Add(time.Second), out) // min(120 - 5 + 1 (a quiet for 1s), 110 - 5) = 105
	if want := []string{"b@90", "a@100"}; !slices.Equal(got, want) {
		t.Fatalf("released %v, want %v", got, want)
	}
	// b goes quiet: after the idle timeout only a counts.
	push("a", 130, t0.Add(35*time.Second))
	ss.Release(t0.Add(35*time.Second), out) // b idle, a at 130: 125
	if want := []string{"b@90", "a@100", "b@110", "a@120"}; !slices.Equal(got, want) {
		t.Fatalf("b quiet: released %v, want %v", got, want)
	}
	// A host that sends once holds the others back only until as much
	// wall-clock time has passed as its event lacked: c at 126 with a at
	// 140 holds back a@130 now, not 9 s later (c's watermark 121 + 9).
	push("c", 126, t0.Add(36*time.Second))
	push("a", 140, t0.Add(36*time.Second))
	ss.Release(t0.Add(36*time.Second), out)
	if got[len(got)-1] != "a@120" {
		t.Fatalf("released %v while c was at 126", got)
	}
	ss.Release(t0.Add(45*time.Second), out)
	if want := []string{"c@126", "a@130"}; !slices.Equal(got[len(got)-2:], want) {
		t.Fatalf("released %v, want %v last", got, want)
	}
	// b sends something older than what was evaluated: late, at once.
	push("b", 95, t0.Add(42*time.Second))
	if lates != 1 || got[len(got)-1] != "b@95" {
		t.Fatalf("late event: %d late, released %v", lates, got)
	}
	st := ss.Stats(t0.Add(42*time.Second), 10)
	if len(st) != 3 || st[0].Source != "b" || st[0].Late != 1 {
		t.Errorf("stats %+v", st)
	}
	ss.Flush(out)
	if got[len(got)-1] != "a@140" {
		t.Errorf("flush left %v", got)
	}
}

// TestSourcesBound releases the oldest event early when the buffer is
// full, and counts it; what comes after it older is late.
func TestSourcesBound(t *testing.T) {
	s := event.NewSchema()
	ss := NewSources(s, time.Hour, time.Hour, 3)
	var got []int64
	lates := 0
	for i := range 5 {
		ev := &event.Event{Index: "x", Time: int64(10 - i)}
		ss.Push(ev, time.Unix(0, 0), func(ev *event.Event) { got = append(got, ev.Time) }, func() { lates++ })
	}
	if ss.Forced != 1 || lates != 1 || !slices.Equal(got, []int64{7, 6}) {
		t.Errorf("forced %d, late %d, released %v", ss.Forced, lates, got)
	}
}

// TestSourcesWatermarkIndexed checks the heap-kept watermark against the
// definition (the least over sources not idle of newest event less the
// lateness plus quiet time; else the newest time seen), over random
// traffic from many sources, some going idle and coming back, some
// forgotten.
func TestSourcesWatermarkIndexed(t *testing.T) {
	s := event.NewSchema()
	const lateness, idle = 5 * time.Second, 30 * time.Second
	ss := NewSources(s, lateness, idle, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Unix(5000, 0)
	newest := int64(math.MinInt64)
	evs := make([]*event.Event, 200)
	for i := range evs {
		evs[i] = &event.Event{}
		if err := s.Decode([]byte(fmt.Sprintf(`{"host":{"id":"h%d"}}`, i)), evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := func() int64 {
		w, active := int64(math.MaxInt64), false
		for _, src := range ss.byKey {
			if quiet := now.Sub(src.lastArrival); quiet < idle {
				active = true
				w = min(w, src.maxSeen-int64(lateness)+int64(quiet))
			}
		}
		if !active {
			return newest
		}
		return w
	}
	for step := range 20_000 {
		now = now.Add(time.Duration(rng.IntN(400)) * time.Millisecond)
		// Hosts 0..19 send often, the rest rarely: some go idle.
		h := rng.IntN(20)
		if rng.IntN(4) == 0 {
			h = rng.IntN(len(evs))
		}
		ev := evs[h].Clone()
		ev.Time = now.UnixNano() - int64(rng.IntN(60))*1e9
		newest = max(newest, ev.Time)
		ss.Push(ev, now, func(*event.Event) {}, func() {})
		if step%1000 == 999 {
			ss.Forget(now, step%3000 == 2999)
		}
		if got, w := ss.Watermark(now), want(); got != w {
			t.Fatalf("step %d: watermark %d, want %d", step, got, w)
		}
	}
}

// BenchmarkSourcesWatermark is a fleet's cost per record: 50,000 hosts,
// one event from one of them, then the watermark.
func BenchmarkSourcesWatermark(b *testing.B) {
	s := event.NewSchema()
	ss := NewSources(s, 5*time.Second, 30*time.Second, 1<<20)
	const hosts = 50_000
	evs := make([]*event.Event, hosts)
	now := time.Unix(5000, 0)
	for i := range evs {
		evs[i] = &event.Event{}
		if err := s.Decode([]byte(fmt.Sprintf(`{"host":{"id":"h%d"}}`, i)), evs[i]); err != nil {
			b.Fatal(err)
		}
		evs[i].Time = now.UnixNano()
		ss.Push(evs[i], now, func(*event.Event) {}, func() {})
	}
	b.ResetTimer()
	for i := range b.N {
		now = now.Add(time.Microsecond)
		ev := evs[i%hosts]
		ev.Time = now.UnixNano()
		ss.Push(ev, now, func(*event.Event) {}, func() {})
		ss.Watermark(now)
		ss.Release(now, func(*event.Event) {})
	}
}

// TestSourceKeyOutlivesEvent: a source is named by a string of its first
// event, whose memory is reused for the next document; the name must not
// change with it (the service's /api/stats showed fragments of later
// documents as source names).
func TestSourceKeyOutlivesEvent(t *testing.T) {
	s := event.NewSchema()
	ss := NewSources(s, 5*time.Second, 30*time.Second, 100)
	ev := &event.Event{}
	now := time.Unix(1000, 0)
	buf := make([]byte, 0, 64) // one buffer for every document, as a reader's
	for i, doc := range []string{`{"host":{"name":"WKS-ONE"}}`, `{"host":{"name":"SRV-TWO"}}`} {
		ev.Recycle()
		buf = append(buf[:0], doc...)
		if err := s.Decode(buf, ev); err != nil {
			t.Fatal(err)
		}
		ev.Time = int64(100+i) * 1e9
		ss.Push(ev, now, func(*event.Event) {}, func() {})
		// The next document overwrites what the event held.
		copy(buf, `{"host":{"name":"XXXXXXX"}}`)
	}
	var names []string
	for _, st := range ss.Stats(now, 10) {
		names = append(names, st.Source)
	}
	slices.Sort(names)
	if fmt.Sprint(names) != "[SRV-TWO WKS-ONE]" {
		t.Errorf("sources %v, want [SRV-TWO WKS-ONE]", names)
	}
}
