package order

import (
	"fmt"
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
	ss.Release(t0.Add(time.Second), out) // watermark min(120, 110) - 5 = 105
	if want := []string{"b@90", "a@100"}; !slices.Equal(got, want) {
		t.Fatalf("released %v, want %v", got, want)
	}
	// b goes quiet: after the idle timeout only a counts.
	push("a", 130, t0.Add(35*time.Second))
	ss.Release(t0.Add(40*time.Second), out) // b idle, a at 130: 125
	if want := []string{"b@90", "a@100", "b@110", "a@120"}; !slices.Equal(got, want) {
		t.Fatalf("b quiet: released %v, want %v", got, want)
	}
	// b sends something older than what was evaluated: late, at once.
	push("b", 95, t0.Add(42*time.Second))
	if lates != 1 || got[len(got)-1] != "b@95" {
		t.Fatalf("late event: %d late, released %v", lates, got)
	}
	st := ss.Stats(t0.Add(42*time.Second), 10)
	if len(st) != 2 || st[0].Source != "b" || st[0].Late != 1 {
		t.Errorf("stats %+v", st)
	}
	ss.Flush(out)
	if got[len(got)-1] != "a@130" {
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
