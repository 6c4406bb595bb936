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
// late events and early releases, also when windows fill by bytes; every
// judge is given back.
func TestJudgeTicks(t *testing.T) {
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
	read := func(judged bool) ([]step, *Progress, int64) {
		s := event.NewSchema()
		n := s.Slot("n")
		inputs, _ := input.Expand(paths)
		prog := new(Progress)
		opt := Options{Lateness: time.Second, MaxWindow: 60, MaxWindowBytes: 40 << 10, Workers: 2}
		var open atomic.Int64
		if judged {
			opt.Judge = func() (func(*event.Event) bool, func()) {
				open.Add(1)
				return func(ev *event.Event) bool {
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
