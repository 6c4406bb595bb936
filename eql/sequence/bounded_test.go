package sequence

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

func TestEviction(t *testing.T) {
	k := func(v any) map[string]any { return map[string]any{"k": v} }
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}}
	t.Run("oldest key first", func(t *testing.T) {
		out, m := run(t, spec, Options{MaxPending: 2}, []ev{
			{1, 1, "a", k("x")}, {2, 2, "a", k("y")}, {3, 3, "a", k("z")}, {4, 4, "b", k("x")}, {5, 5, "b", k("y")},
		})
		if got := format(out); got != "2,5 [y]" {
			t.Errorf("got %q", got)
		}
		if s := m.Stats(); s.Evictions != 1 || s.EvictedPartials != 1 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("least recently updated", func(t *testing.T) {
		out, _ := run(t, spec, Options{MaxPending: 2}, []ev{
			{1, 1, "a", k("x")}, {2, 2, "a", k("y")}, {3, 3, "a", k("x")}, {4, 4, "a", k("z")},
			{5, 5, "b", k("x")}, {6, 6, "b", k("y")}, {7, 7, "b", k("z")},
		})
		if got := format(out); got != "3,5 [x]; 4,7 [z]" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("undecided results", func(t *testing.T) {
		// No maxspan: results with a trailing missing stage wait for
		// Flush, and the cap bounds them.
		spec := &Spec{Stages: []Stage{stage("a", "k"), missing("m", "k")}}
		out, m := run(t, spec, Options{MaxPending: 3}, []ev{
			{1, 1, "a", k("x")}, {2, 2, "a", k("x")}, {3, 3, "a", k("x")}, {4, 4, "a", k("x")}, {5, 5, "a", k("x")},
		})
		if got := format(out); got != "3,-1 [x]; 4,-1 [x]; 5,-1 [x]" {
			t.Errorf("got %q", got)
		}
		if s := m.Stats(); s.EvictedResults != 2 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestExpiry(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k"), stage("c", "k")}, MaxSpan: 10 * time.Millisecond}
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	nop := func(Result) {}
	m.Push(ev{1, 0, "a", map[string]any{"k": "x"}}.build(0), nop)
	m.Push(ev{2, 5, "b", map[string]any{"k": "x"}}.build(1), nop)
	m.Push(ev{3, 6, "a", map[string]any{"k": "y"}}.build(2), nop)
	if s := m.Stats(); s.Keys != 2 || s.Partials != 2 || s.Retained != 3 {
		t.Fatalf("stats %+v", s)
	}
	// The key is touched at 5 ms: nothing can advance after 15 ms.
	m.Advance(int64(15*time.Millisecond), nop)
	if s := m.Stats(); s.Keys != 2 {
		t.Errorf("expired too early: %+v", s)
	}
	m.Advance(int64(15*time.Millisecond)+1, nop)
	if s := m.Stats(); s.Keys != 1 || s.Expired != 1 || s.Retained != 1 {
		t.Errorf("stats %+v", s)
	}
	// Event time advances the clock too.
	m.Push(ev{4, 100, "z", nil}.build(3), nop)
	if s := m.Stats(); s.Keys != 0 || s.Partials != 0 || s.Expired != 2 || s.Retained != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestEndlessFirstStage: a flood of first-stage events for one key keeps
// one partial sequence.
func TestEndlessFirstStage(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k"), stage("c", "k")}}
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := ev{1, 0, "a", map[string]any{"k": "x"}}.build(0)
	for i := range 100_000 {
		e.Time = int64(i)
		m.Push(e, func(Result) {})
	}
	s := m.Stats()
	if s.Keys != 1 || s.Partials != 1 || s.Retained != 1 || s.Replaced != 100_000-1 {
		t.Errorf("stats %+v", s)
	}
}

// TestAdversarialKeys: millions of distinct keys with a small cap keep the
// heap bounded; the evictions are counted.
func TestAdversarialKeys(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 200_000
	}
	const limit = 1000
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}, MaxSpan: time.Hour}
	m, err := NewMatcher(spec, Options{MaxPending: limit})
	if err != nil {
		t.Fatal(err)
	}
	kslot := testSchema.Slot("k")
	e := ev{1, 0, "a", nil}.build(0)
	var buf []byte
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var first uint64
	for i := range n {
		buf = strconv.AppendInt(append(buf[:0], "key-"...), int64(i), 10)
		e.Set(kslot, event.Str(string(buf)))
		e.Time = int64(i)
		m.Push(e, func(Result) {})
		if i == n/10 {
			first = heap()
		}
	}
	last := heap()
	s := m.Stats()
	if s.Keys != limit || s.Partials != limit || s.Evictions != uint64(n-limit) {
		t.Errorf("stats %+v", s)
	}
	t.Logf("heap after %d keys %d KiB, after %d keys %d KiB; state estimate %d KiB", n/10, first>>10, n, last>>10, s.Bytes>>10)
	if last > first+4<<20 {
		t.Errorf("heap grew from %d to %d bytes", first, last)
	}
}
