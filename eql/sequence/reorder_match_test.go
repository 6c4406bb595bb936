package sequence

import (
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
)

// TestReorderThenMatch runs a two-stage sequence over events that arrive
// out of order: within the lateness the reorder buffer restores the order
// the sequence needs; beyond it the late event is passed on and still
// completes the partial sequence waiting for it.
func TestReorderThenMatch(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("proc", "guid"), stage("net", "guid")}, MaxSpan: time.Minute}
	g := func(s string) map[string]any { return map[string]any{"guid": s} }
	arrivals := []ev{
		{2, 10000, "net", g("A")}, // arrives before its process, 1 s later in time
		{1, 9000, "proc", g("A")},
		{3, 20000, "proc", g("B")},
		{5, 25000, "x", nil},
		{6, 30000, "y", nil},
		{4, 24000, "net", g("B")}, // arrives after x, which is later in time
	}
	for _, tc := range []struct {
		name     string
		lateness time.Duration // < 0: no reorder buffer
		drop     bool
		want     string
		late     uint64
	}{
		{"no reorder", -1, false, "3,4 [B]", 0},
		{"2s lateness, late passed on", 2 * time.Second, false, "1,2 [A]; 3,4 [B]", 1},
		{"2s lateness, late dropped", 2 * time.Second, true, "1,2 [A]", 1},
		{"5s lateness", 5 * time.Second, false, "1,2 [A]; 3,4 [B]", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMatcher(spec, Options{Owned: true})
			if err != nil {
				t.Fatal(err)
			}
			var out []Result
			emit := func(res Result) { out = append(out, res) }
			feed := func(e *event.Event) { m.Push(e, emit) }
			if tc.lateness < 0 {
				for i, e := range arrivals {
					feed(e.build(uint64(i)))
				}
				m.Flush(emit)
				if got := format(out); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
				return
			}
			r := order.NewBuffer(tc.lateness, order.BufferOptions{DropLate: tc.drop})
			for i, e := range arrivals {
				r.Push(e.build(uint64(i)), feed)
				m.Advance(r.Watermark(), emit)
			}
			r.Flush(feed)
			m.Flush(emit)
			if got := format(out); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if s := r.Stats(); s.Late != tc.late {
				t.Errorf("late %d, want %d", s.Late, tc.late)
			}
		})
	}
}

func TestPipe(t *testing.T) {
	res := func(id int) Result {
		return Result{Events: []*event.Event{ev{id, 0, "", nil}.build(0)}}
	}
	for _, tc := range []struct {
		ops  []PipeOp
		want string
		done bool
	}{
		{nil, "1; 2; 3; 4; 5", false},
		{[]PipeOp{{N: 2}}, "1; 2", true},
		{[]PipeOp{{Tail: true, N: 2}}, "4; 5", false},
		{[]PipeOp{{Tail: true, N: 3}, {N: 1}}, "3", false},
		{[]PipeOp{{N: 4}, {Tail: true, N: 2}}, "3; 4", true},
		{[]PipeOp{{N: 0}}, "", true},
		{[]PipeOp{{Tail: true, N: 0}}, "", false},
		{[]PipeOp{{Tail: true, N: 9}}, "1; 2; 3; 4; 5", false},
	} {
		var out []Result
		p := NewPipe(tc.ops, func(r Result) { out = append(out, r) })
		for i := 1; i <= 5; i++ {
			p.Push(res(i))
		}
		done := p.Done()
		p.Flush()
		if got := format(out); got != tc.want || done != tc.done {
			t.Errorf("%v: got %q done=%v, want %q done=%v", tc.ops, got, done, tc.want, tc.done)
		}
	}
}

// TestReorderDelay: Sysmon logs a network connection up to ~2 s before the
// start of its process; delaying network events by 2 s in the order lets
// `sequence by process.entity_id [process] [network]` match.
func TestReorderDelay(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("proc", "guid"), stage("net", "guid")}, MaxSpan: time.Minute}
	g := func(s string) map[string]any { return map[string]any{"guid": s} }
	arrivals := []ev{
		{1, 8000, "net", g("A")}, // logged 1.5 s before its process started
		{2, 9500, "proc", g("A")},
		{3, 20000, "proc", g("B")},
		{4, 20500, "net", g("B")},
		{5, 25000, "net", g("C")}, // 3 s early: beyond the delay
		{6, 28000, "proc", g("C")},
		{7, 40000, "x", nil},
	}
	isNet := func(e *event.Event) time.Duration {
		if e.Get(slotType).Str() == "net" {
			return 2 * time.Second
		}
		return 0
	}
	for _, tc := range []struct {
		name  string
		delay func(*event.Event) time.Duration
		want  string
	}{
		{"strict time order", nil, "3,4 [B]"},
		{"network delayed 2s", isNet, "2,1 [A]; 3,4 [B]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMatcher(spec, Options{Owned: true})
			if err != nil {
				t.Fatal(err)
			}
			r := order.NewBuffer(time.Second, order.BufferOptions{Delay: tc.delay, MaxDelay: 2 * time.Second})
			var out []Result
			emit := func(res Result) { out = append(out, res) }
			feed := func(e *event.Event) { m.Push(e, emit) }
			for i, e := range arrivals {
				x := e.build(uint64(i))
				r.Push(x, feed)
				wm := r.Watermark()
				if wm > x.Time {
					t.Fatalf("watermark %d beyond the time of the event just pushed (%d)", wm, x.Time)
				}
				m.Advance(wm, emit)
			}
			r.Flush(feed)
			m.Flush(emit)
			if got := format(out); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if s := r.Stats(); s.Late != 0 {
				t.Errorf("late %d", s.Late)
			}
		})
	}
}
