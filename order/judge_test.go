package order

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// TestJudgeTicks: with a Judge, the events it has no use for travel as
// ticks (time, position and source only), and the merge passes every
// event, tick or not, in the same order as without a Judge, with the same
// late events and early releases, also when windows fill by bytes, and
// whether the judges run on each input's goroutine or on its decoders';
// every event is judged once, every judge is given back.
func TestJudgeTicks(t *testing.T) {
	for _, decoders := range []int{1, 3} {
		t.Run(fmt.Sprintf("decoders=%d", decoders), func(t *testing.T) { testJudgeTicks(t, decoders) })
	}
}

func testJudgeTicks(t *testing.T, decoders int) {
	dir := t.TempDir()
	const files, per = 4, 500
	var paths []string
	for f := range files {
		rng := rand.New(rand.NewPCG(uint64(f), 7))
		var b strings.Builder
		for i := range per {
			ms := 1_700_000_000_000 + 10*i - rng.IntN(3)*rng.IntN(500)
			pad := strings.Repeat("x", rng.IntN(3)*2000) // some events large, to fill windows by bytes
			fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d,"pad":"%s"}`+"\n", ms, f*per+i, pad)
		}
		paths = append(paths, write(t, dir, fmt.Sprintf("f%d.ndjson", f), b.String()))
	}
	type step struct {
		time, pos int64
		source    string
		n         int64
		tick      bool
	}
	var judgedEvents atomic.Int64
	read := func(judged bool) ([]step, *Progress, int64) {
		s := event.NewSchema()
		n := s.Slot("n")
		inputs, _ := input.Expand(paths)
		prog := new(Progress)
		opt := Options{Lateness: time.Second, MaxWindow: 60, MaxWindowBytes: 40 << 10, Workers: 2, Decoders: decoders}
		var open atomic.Int64
		if judged {
			opt.Judge = func() (func(*event.Event) bool, func()) {
				open.Add(1)
				return func(ev *event.Event) bool {
					judgedEvents.Add(1)
					ev.Verdict.Judged = true
					return ev.Get(n).Int()%3 == 0
				}, func() { open.Add(-1) }
			}
		}
		var out []step
		err := Read(context.Background(), inputs, input.NewOpener(input.Options{Schema: s, Counters: &prog.Counters}), opt, prog, func(ev *event.Event) error {
			st := step{time: ev.Time, pos: ev.Pos, source: ev.Source, n: -1, tick: ev.Verdict.Tick}
			if v := ev.Get(n); v.Kind() != event.KindMissing {
				st.n = v.Int()
			}
			out = append(out, st)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, prog, open.Load()
	}
	want, wantProg, _ := read(false)
	got, prog, open := read(true)
	if open != 0 {
		t.Errorf("%d judges not given back", open)
	}
	if n := judgedEvents.Load(); n != files*per {
		t.Errorf("%d events judged, want %d", n, files*per)
	}
	if wantProg.Overflow.Load() == 0 || wantProg.Late.Load() == 0 {
		t.Fatalf("the inputs should overflow their windows: %d late, %d released early", wantProg.Late.Load(), wantProg.Overflow.Load())
	}
	if prog.Late.Load() != wantProg.Late.Load() || prog.Overflow.Load() != wantProg.Overflow.Load() {
		t.Errorf("%d late, %d released early; want %d, %d", prog.Late.Load(), prog.Overflow.Load(), wantProg.Late.Load(), wantProg.Overflow.Load())
	}
	if len(got) != len(want) || len(got) != files*per {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	ticks := 0
	for i, g := range got {
		w := want[i]
		if g.tick {
			ticks++
			if g.n != -1 {
				t.Fatalf("event %d: a tick holds values (n=%d)", i, g.n)
			}
			g.n = w.n // a tick stands for the event it was
		}
		if g.tick != (w.n%3 != 0) || g != (step{w.time, w.pos, w.source, w.n, g.tick}) {
			t.Fatalf("event %d: %+v, want %+v", i, g, w)
		}
	}
	if want := files * per * 2 / 3; ticks < want-files || ticks > want+files || !slices.ContainsFunc(got, func(s step) bool { return !s.tick }) {
		t.Errorf("%d ticks of %d events", ticks, len(got))
	}
}

// TestJudgeOnlyKept: events outside From/To are not judged (a rule's
// counters would count them), wherever the judges run.
func TestJudgeOnlyKept(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d}`+"\n", 1_700_000_000_000+i, i)
	}
	paths := []string{write(t, dir, "a.ndjson", b.String())}
	from, to := int64(1_700_000_000_100)*1e6, int64(1_700_000_000_300)*1e6
	for _, decoders := range []int{1, 3} {
		s := event.NewSchema()
		inputs, _ := input.Expand(paths)
		var judged, outside atomic.Int64
		opt := Options{From: from, To: to, Decoders: decoders, Judge: func() (func(*event.Event) bool, func()) {
			return func(ev *event.Event) bool {
				judged.Add(1)
				if ev.Time < from || ev.Time >= to {
					outside.Add(1)
				}
				return true
			}, func() {}
		}}
		n := 0
		err := Read(context.Background(), inputs, input.NewOpener(input.Options{Schema: s}), opt, nil, func(*event.Event) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n != 200 || judged.Load() != 200 || outside.Load() != 0 {
			t.Errorf("%d decoders: %d events passed on, %d judged, %d of them outside --from/--to; want 200, 200, 0", decoders, n, judged.Load(), outside.Load())
		}
	}
}
