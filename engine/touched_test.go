package engine

import (
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// TestTouchedRebuildsState runs the stateful (ordered) Windows rules over
// a slice of the winlog corpus twice: once over every event the rules'
// filter wants, with a watermark every few hundred events, and once over
// only the events Touched reported, with the same Advance calls between
// them. The alerts must be the same, byte for byte: an untouched event
// changed no rule's state. It also checks that a Parallel reports the
// same events through OnTouched, and logs the touched share (the service
// carries only those events past a checkpoint).
func TestTouchedRebuildsState(t *testing.T) {
	if os.Getenv("VIGIL_SHARED") == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	evs := winlogSample(t, 20_000)
	rs, _ := Compile(windowsRules(t), Options{Aliases: winlog.Aliases, Now: func() time.Time { return time.Unix(0, 0) }})
	_, ordered := rs.SplitArrival()
	filter := ordered.NewFilter()
	for _, every := range []int{0, 300} {
		// op: an event (its index in evs) or, when adv, a watermark.
		type op struct {
			i   int
			adv bool
			wm  int64
		}
		var ops []op
		var full, part []string
		sink := func(out *[]string) alert.Sink {
			return alert.SinkFunc(func(a *alert.Alert) { *out = append(*out, string(a.AppendJSON(rs.Fields(), nil))) })
		}
		eng := ordered.NewEngine(sink(&full))
		ev := &event.Event{}
		wanted, touched := 0, 0
		var maxTime int64
		for i, be := range evs {
			decodeInto(t, eng, be, int64(i), ev)
			maxTime = max(maxTime, ev.Time)
			if filter.Wants(ev) {
				wanted++
				eng.Process(ev)
				if eng.Touched() {
					touched++
					ops = append(ops, op{i: i})
				}
			}
			if every > 0 && i%every == every-1 {
				wm := maxTime - int64(time.Minute)
				eng.Advance(wm)
				ops = append(ops, op{adv: true, wm: wm})
			}
		}
		eng.Flush()
		again := ordered.NewEngine(sink(&part))
		for _, o := range ops {
			if o.adv {
				again.Advance(o.wm)
				continue
			}
			decodeInto(t, again, evs[o.i], int64(o.i), ev)
			again.Process(ev)
		}
		again.Flush()
		if !slices.Equal(part, full) {
			i := firstDiff(part, full)
			t.Fatalf("advance every %d: touched events only: %d alerts, every event: %d; first difference at %d:\n got %.300s\nwant %.300s",
				every, len(part), len(full), i, at(part, i), at(full, i))
		}
		if len(full) == 0 || touched == 0 || touched >= wanted {
			t.Fatalf("%d alerts, %d of %d wanted events touched: the comparison proves little", len(full), touched, wanted)
		}
		t.Logf("advance every %d: %d alerts identical; %d events, %d wanted by the ordered rules (%.1f%%), %d touched (%.1f%%)",
			every, len(full), len(evs), wanted, 100*float64(wanted)/float64(len(evs)), touched, 100*float64(touched)/float64(len(evs)))
		if every != 0 {
			continue
		}
		// The same events through a Parallel's OnTouched.
		var mu sync.Mutex
		var got []int
		p := ordered.NewParallel(2, nil, nil)
		p.OnTouched(func(ev *event.Event, _ uint64) {
			mu.Lock()
			got = append(got, int(ev.Pos))
			mu.Unlock()
		})
		for i, be := range evs {
			pe := &event.Event{}
			decodeInto(t, eng, be, int64(i), pe)
			if filter.Wants(pe) {
				p.Process(pe)
			}
		}
		p.Sync()
		slices.Sort(got)
		var want []int
		for _, o := range ops {
			want = append(want, o.i)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Parallel.OnTouched: %d events, Engine.Touched: %d", len(got), len(want))
		}
		p.Flush()
		p.Close()
	}
}
