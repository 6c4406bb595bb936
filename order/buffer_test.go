package order

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
)

var (
	testSchema = event.NewSchema()
	slotID     = testSchema.Slot("id")
	slotTB     = testSchema.Slot("tb")
)

// ev is a test event: id, time in milliseconds and other fields.
type ev struct {
	id     int
	ms     int64
	typ    string // unused here; kept so tables read like sequence's
	fields map[string]any
}

func (e ev) build(seq uint64) *event.Event {
	d := testevent.Doc{"id": e.id}
	for k, v := range e.fields {
		d[k] = v
	}
	x := d.Event(testSchema)
	x.Time = e.ms * int64(time.Millisecond)
	x.Seq = seq
	return x
}

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

func TestBuffer(t *testing.T) {
	tb := func(v any) map[string]any { return map[string]any{"tb": v} }
	tests := []struct {
		name     string
		lateness time.Duration
		opt      BufferOptions
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
			opt:      BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }},
			evs: []ev{
				{1, 5, "", tb(10)}, {2, 5, "", nil}, {3, 5, "", tb(2)}, {4, 5, "", tb(2.5)}, {5, 5, "", tb(10)}, {6, 1, "", tb(99)},
			},
			want: "| 6 3 4 1 5 2",
		},
		{
			name:     "ties: strings lexically",
			lateness: time.Hour,
			opt:      BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }},
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
			opt:      BufferOptions{DropLate: true},
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
			opt:      BufferOptions{MaxBuffered: 2},
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
			r := NewBuffer(tc.lateness, opt)
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

func TestBufferWatermark(t *testing.T) {
	r := NewBuffer(2*time.Second, BufferOptions{})
	if wm := r.Watermark(); wm != noTime {
		t.Errorf("watermark before any event %d", wm)
	}
	r.Push(ev{1, 10000, "", nil}.build(0), func(*event.Event) {})
	if wm := r.Watermark(); wm != int64(8*time.Second) {
		t.Errorf("watermark %d", wm)
	}
	huge := NewBuffer(time.Duration(1<<62), BufferOptions{})
	e := ev{1, 0, "", nil}.build(0)
	e.Time = -1 << 62
	huge.Push(e, func(*event.Event) {})
	if wm := huge.Watermark(); wm != noTime {
		t.Errorf("watermark did not saturate: %d", wm)
	}
}

// TestReorderProperties: for random arrivals every event comes out exactly
// once; what comes out in order is sorted, and each event that breaks the
// order was counted late; events no more than the lateness late are never
// late.
func TestBufferProperties(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 99))
		lateness := time.Duration(rng.IntN(20)) * time.Millisecond
		maxJitter := 1 + rng.IntN(40)
		r := NewBuffer(lateness, BufferOptions{Tiebreaker: func(e *event.Event) event.Value { return e.Get(slotTB) }})
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
			if c := CompareTiebreakers(a.Get(slotTB), b.Get(slotTB)); c != 0 {
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

// BenchmarkBuffer pushes 65,536 events, up to a second out of order,
// through a window such as each of Read's inputs holds (1,024 events,
// 8 MiB).
func BenchmarkBuffer(b *testing.B) {
	const n = 1 << 16
	r := rand.New(rand.NewPCG(1, 2))
	evs := make([]*event.Event, n)
	for i := range evs {
		evs[i] = ev{id: i, ms: int64(i) + r.Int64N(1000)}.build(uint64(i))
	}
	b.ReportAllocs()
	released := 0
	for b.Loop() {
		buf := NewBuffer(time.Second, BufferOptions{Owned: true, MaxBuffered: windowEvents, MaxBytes: windowBytes})
		out := func(*event.Event) { released++ }
		for _, e := range evs {
			buf.Push(e, out)
		}
		buf.Flush(out)
	}
	b.ReportMetric(float64(released)/float64(b.N)/n, "released/event")
}
