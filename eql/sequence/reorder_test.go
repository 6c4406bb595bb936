package sequence

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
)

var slotTB = testSchema.Slot("tb")

func ids(evs []*event.Event) string {
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, e.Get(slotID).Int())
	}
	return b.String()
}

func TestReorder(t *testing.T) {
	tb := func(v any) map[string]any { return map[string]any{"tb": v} }
	tests := []struct {
		name     string
		lateness time.Duration
		opt      order.BufferOptions
		evs      []ev
		want     string // released ids; "|" marks Flush
		late     uint64
		dropped  uint64
		forced   uint64
	}{
		{
			name:     "in order passes through once older than the lateness",
			lateness: 10 * time.Millisecond,
			evs:      []ev{{1, 0, "", nil}, {2, 5, "", nil}, {3, 11, "", nil}, {4, 30, "", nil}},
			want:     "1 2 3 | 4",
		},
		{
			name:     "out of order within the lateness is sorted",
			lateness: 10 * time.Millisecond,
			evs:      []ev{{3, 8, "", nil}, {1, 0, "", nil}, {2, 5, "", nil}, {5, 20, "", nil}, {4, 12, "", nil}, {6, 40, "", nil}},
			want:     "1 2 3 4 5 | 6",
		},
		{
			name:     "ties: tiebreaker numeric, then arrival; no tiebreaker last",
			lateness: time.Hour,
			opt:      order.BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }},
			evs: []ev{
				{1, 5, "", tb(10)}, {2, 5, "", nil}, {3, 5, "", tb(2)}, {4, 5, "", tb(2.5)}, {5, 5, "", tb(10)}, {6, 1, "", tb(99)},
			},
			want: "| 6 3 4 1 5 2",
		},
		{
			name:     "ties: strings lexically",
			lateness: time.Hour,
			opt:      order.BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }},
			evs:      []ev{{1, 5, "", tb("b")}, {2, 5, "", tb("a10")}, {3, 5, "", tb("a9")}},
			want:     "| 2 3 1",
		},
		{
			name:     "too late: passed on out of order and counted",
			lateness: 10 * time.Millisecond,
			evs:      []ev{{1, 0, "", nil}, {2, 20, "", nil}, {3, 31, "", nil}, {4, 5, "", nil}, {5, 40, "", nil}},
			want:     "1 2 4 | 3 5",
			late:     1,
		},
		{
			name:     "too late: dropped and counted",
			lateness: 10 * time.Millisecond,
			opt:      order.BufferOptions{DropLate: true},
			evs:      []ev{{1, 0, "", nil}, {2, 20, "", nil}, {3, 31, "", nil}, {4, 5, "", nil}, {5, 40, "", nil}},
			want:     "1 2 | 3 5",
			late:     1,
			dropped:  1,
		},
		{
			name:     "older than the watermark but still in order is not late",
			lateness: 10 * time.Millisecond,
			evs:      []ev{{1, 0, "", nil}, {2, 20, "", nil}, {3, 5, "", nil}},
			want:     "1 3 | 2",
		},
		{
			name:     "full buffer releases the oldest early",
			lateness: time.Hour,
			opt:      order.BufferOptions{MaxBuffered: 2},
			evs:      []ev{{3, 3, "", nil}, {1, 1, "", nil}, {2, 2, "", nil}, {4, 4, "", nil}, {0, 0, "", nil}},
			want:     "1 2 0 | 3 4",
			forced:   2,
			late:     1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var reported []string
			opt := tc.opt
			opt.OnLate = func(e *event.Event, wm int64) {
				reported = append(reported, fmt.Sprint(e.Get(slotID).Int()))
			}
			r := order.NewBuffer(tc.lateness, opt)
			var out []*event.Event
			emit := func(e *event.Event) { out = append(out, e) }
			scratch := &event.Event{}
			for i, e := range tc.evs {
				*scratch = *e.build(uint64(i))
				r.Push(scratch, emit)
				scratch.Reset(testSchema.Len()) // the caller reuses its event
			}
			before := ids(out)
			out = out[:0]
			r.Flush(emit)
			got := strings.TrimSpace(before + " | " + ids(out))
			if got != tc.want {
				t.Errorf("released %q, want %q", got, tc.want)
			}
			s := r.Stats()
			if s.Late != tc.late || s.Dropped != tc.dropped || s.Forced != tc.forced || s.Buffered != 0 {
				t.Errorf("stats %+v", s)
			}
			if len(reported) != int(tc.late) {
				t.Errorf("OnLate got %v, want %d events", reported, tc.late)
			}
		})
	}
}

func TestReorderWatermark(t *testing.T) {
	r := order.NewBuffer(2*time.Second, order.BufferOptions{})
	if wm := r.Watermark(); wm != noTime {
		t.Errorf("watermark before any event %d", wm)
	}
	r.Push(ev{1, 10000, "", nil}.build(0), func(*event.Event) {})
	if wm := r.Watermark(); wm != int64(8*time.Second) {
		t.Errorf("watermark %d", wm)
	}
	huge := order.NewBuffer(time.Duration(1<<62), order.BufferOptions{})
	e := ev{1, 0, "", nil}.build(0)
	e.Time = -1 << 62
	huge.Push(e, func(*event.Event) {})
	if wm := huge.Watermark(); wm != noTime {
		t.Errorf("watermark did not saturate: %d", wm)
	}
}

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

// TestReorderProperties: for random arrivals every event comes out exactly
// once; what comes out in order is sorted, and each event that breaks the
// order was counted late; events no more than the lateness late are never
// late.
func TestReorderProperties(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 99))
		lateness := time.Duration(rng.IntN(20)) * time.Millisecond
		maxJitter := 1 + rng.IntN(40)
		r := order.NewBuffer(lateness, order.BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }})
		n := 200
		var out []*event.Event
		emit := func(e *event.Event) { out = append(out, e) }
		maxSent := int64(-1 << 62)
		within := map[int64]bool{}
		for i := range n {
			ms := int64(i) + int64(rng.IntN(maxJitter)) - int64(maxJitter/2)
			var tb any = rng.IntN(3)
			switch rng.IntN(4) {
			case 0:
				tb = fmt.Sprint(tb) // strings sort after numbers
			case 1:
				tb = nil // no tiebreaker: last
			}
			e := ev{i, ms, "", map[string]any{"tb": tb}}.build(uint64(i))
			// An event at most the lateness older than any seen
			// before it is within the bound.
			within[int64(i)] = maxSent-e.Time <= int64(lateness)
			maxSent = max(maxSent, e.Time)
			r.Push(e, emit)
		}
		r.Flush(emit)
		if len(out) != n {
			t.Fatalf("seed %d: %d events out of %d", seed, len(out), n)
		}
		seen := map[int64]bool{}
		breaks := 0
		var last *event.Event
		before := func(a, b *event.Event) bool {
			if a.Time != b.Time {
				return a.Time < b.Time
			}
			if c := order.CompareTiebreakers(a.Get(slotTB), b.Get(slotTB)); c != 0 {
				return c < 0
			}
			return a.Seq < b.Seq
		}
		for _, e := range out {
			id := e.Get(slotID).Int()
			if seen[id] {
				t.Fatalf("seed %d: event %d twice", seed, id)
			}
			seen[id] = true
			it := e
			if last != nil && before(it, last) {
				breaks++
				if within[id] {
					t.Errorf("seed %d: event %d within the lateness came out of order", seed, id)
				}
				continue
			}
			last = it
		}
		if s := r.Stats(); int(s.Late) != breaks {
			t.Errorf("seed %d: %d late, %d out of order", seed, s.Late, breaks)
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
