package sequence

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/synth"
	"github.com/vigilsec/vigil/order"
)

// benchSetup decodes synthetic ECS events once (the pool) and prepares
// 100,000 distinct process.entity_id values; the benchmark loop only sets
// the key, category and time of a pooled event before pushing it, so what
// it measures is the matcher.
type benchSetup struct {
	pool   []*event.Event
	bufs   [][]byte // per pooled event: where its key text is written
	keys   []event.Value
	cat    int
	key    int
	spec   *Spec
	labels []event.Value // process, network, other
}

func newBenchSetup(b *testing.B, nkeys int) *benchSetup {
	b.Helper()
	data := synth.New(7, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).NDJSON(4096)
	schema := event.NewSchema()
	s := &benchSetup{cat: schema.Slot("event.category"), key: schema.Slot("process.entity_id")}
	name := schema.Slot("process.name")
	schema.Slot("host.name")
	schema.Slot("destination.ip")
	for line := range bytes.Lines(data) {
		e := &event.Event{}
		if err := schema.Decode(bytes.TrimSpace(line), e); err != nil {
			b.Fatal(err)
		}
		s.pool = append(s.pool, e)
		s.bufs = append(s.bufs, []byte("{00000000-1D2E-6A5F-0B00-000000000000}"))
	}
	for i := range nkeys {
		s.keys = append(s.keys, event.Str(fmt.Sprintf("{%08X-1D2E-6A5F-0B00-%012X}", uint32(i*7919), i)))
	}
	s.labels = []event.Value{event.Str("process"), event.Str("network"), event.Str("file")}
	cat := s.cat
	isCat := func(c string) func(*event.Event) bool {
		return func(e *event.Event) bool {
			v := e.Get(cat)
			return v.Kind() == event.KindString && v.Str() == c
		}
	}
	keyGet := func(e *event.Event) event.Value { return e.Get(s.key) }
	proc, netw := isCat("process"), isCat("network")
	s.spec = &Spec{
		Stages: []Stage{
			{Match: func(e *event.Event) bool { return proc(e) && e.Get(name).Kind() != event.KindMissing }, Keys: []Key{{Get: keyGet}}},
			{Match: netw, Keys: []Key{{Get: keyGet}}},
		},
		MaxSpan: time.Minute,
	}
	return s
}

// setKey writes the text of key k into pooled event i's buffer, as a
// decoder leaves the key in the event's own (cache-hot) bytes, and returns
// it as a value; it equals s.keys[k].
func (s *benchSetup) setKey(i, k int) event.Value {
	const hex = "0123456789ABCDEF"
	b := s.bufs[i]
	x := uint32(k * 7919)
	for j := 8; j >= 1; j-- {
		b[j] = hex[x&15]
		x >>= 4
	}
	y := uint64(k)
	for j := 36; j >= 25; j-- {
		b[j] = hex[y&15]
		y >>= 4
	}
	return event.Str(unsafe.String(&b[0], len(b)))
}

// reusedEvents is how many events the benchmark's caller reuses in turn:
// a reader decodes each record into the same event (or a few), whose
// bytes are in the cache when it is pushed.
const reusedEvents = 16

// BenchmarkSequenceTwoStage runs `sequence by process.entity_id with
// maxspan=1m [process where ...] [network where ...]` over pre-decoded
// events with 100,000 distinct keys, one event per op. mix gives the share
// of first-stage / second-stage / other events. The caller reuses
// reusedEvents events in turn, as a reader does, unless owned (a fresh
// event per retained one) or cold (4,096 events in turn, whose bytes are
// mostly not in the cache). recycled hands each result back once it is
// counted (Matcher.Recycle).
func BenchmarkSequenceTwoStage(b *testing.B) {
	for _, mix := range []struct {
		name                  string
		proc, net             int // percent
		owned, cold, recycled bool
	}{
		{"half-process-half-network", 50, 50, false, false, false},
		{"10pct-process-10pct-network", 10, 10, false, false, false},
		{"no-match", 0, 0, false, false, false},
		{"half-process-half-network-cold", 50, 50, false, true, false},
		// A caller done with each result as it is emitted.
		{"half-process-half-network-recycled", 50, 50, false, false, true},
		{"half-process-half-network-cold-recycled", 50, 50, false, true, true},
		// Events handed over (a reader that allocates each event): the
		// matcher keeps them without copying.
		{"half-process-half-network-owned", 50, 50, true, false, false},
		{"10pct-process-10pct-network-owned", 10, 10, true, false, false},
	} {
		b.Run(mix.name, func(b *testing.B) {
			s := newBenchSetup(b, 100_000)
			m, err := NewMatcher(s.spec, Options{MaxPending: 200_000, Owned: mix.owned})
			if err != nil {
				b.Fatal(err)
			}
			// The schedule is drawn as the loop goes (one PCG step per
			// event, a few ns): a pre-computed one short enough to stay
			// in the cache repeats, and 65,536 steps drawn from 100,000
			// keys reach only ~48,000 of them, each with the same stage
			// every round, which is not a stream over 100,000 keys.
			rng := rand.NewPCG(1, 2)
			nkeys := uint64(len(s.keys))
			results := 0
			emit := func(r Result) {
				results++
				if mix.recycled {
					m.Recycle(r)
				}
			}
			pool := len(s.pool)
			if !mix.owned && !mix.cold {
				pool = reusedEvents
			}
			b.ReportAllocs()
			// Per second of this thread's CPU time (the machine is
			// shared, so wall time overstates the cost) and of the
			// process's, which includes the garbage collector's work
			// on other threads.
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			gc0, faults0 := ms.NumGC, pageFaults()
			meter := cputime.Start()
			i := 0
			for b.Loop() {
				x := rng.Uint64()
				p, k := int((x&0xffffffff)*100>>32), int((x>>32)*nkeys>>32)
				label := 2
				switch {
				case p < mix.proc:
					label = 0
				case p < mix.proc+mix.net:
					label = 1
				}
				e := s.pool[i%pool]
				e.Set(s.cat, s.labels[label])
				e.Set(s.key, s.setKey(i%pool, k))
				e.Time = int64(i) * int64(time.Microsecond)
				if mix.owned && label < 2 {
					// A fresh event for the matcher to keep (it shares
					// the pooled event's values, which the matcher
					// reads only while the event is pushed).
					c := new(event.Event)
					*c = *e
					e = c
				}
				m.Push(e, emit)
				i++
			}
			meter.Report(b, b.N, "events")
			faults := pageFaults() - faults0
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.NumGC-gc0), "gc-cycles")
			b.ReportMetric(float64(faults), "page-faults")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(results)/float64(b.N), "results/event")
			b.ReportMetric(float64(m.arena.moved)/float64(b.N), "moved/event")
			b.ReportMetric(float64(m.arena.held)/(1<<20), "arena-MB")
			b.ReportMetric(float64(m.arena.live)/(1<<20), "live-MB")
			b.ReportMetric(float64(m.Stats().Partials), "partials")
		})
	}
}

// pendingN is the number of pending sequences the memory benchmarks hold.
var pendingN = 1_000_000

// BenchmarkPendingMemory holds 1,000,000 pending partial sequences (one
// per key) and reports the bytes each costs besides its retained event:
// the events are handed over (Options.Owned) and are all one object, so
// they do not count.
func BenchmarkPendingMemory(b *testing.B) {
	n := pendingN
	keys := make([]event.Value, n)
	for i := range keys {
		keys[i] = event.Str(fmt.Sprintf("{%08X-1D2E-6A5F-0B00-%012X}", i*7919, i))
	}
	slot := testSchema.Slot("k")
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}, MaxSpan: time.Hour}
	e := ev{1, 0, "a", nil}.build(0)
	var perSeq, estimate float64
	for b.Loop() {
		b.StopTimer()
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return ms.HeapAlloc
		}
		before := heap()
		b.StartTimer()
		m, err := NewMatcher(spec, Options{MaxPending: n, Owned: true})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			e.Set(slot, keys[i])
			e.Time = int64(i)
			m.Push(e, func(Result) {})
		}
		b.StopTimer()
		after := heap()
		st := m.Stats()
		if st.Partials != n {
			b.Fatalf("%d partials", st.Partials)
		}
		perSeq = float64(after-before) / float64(n)
		estimate = float64(st.Bytes) / float64(n)
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	b.ReportMetric(perSeq, "bytes/pending")
	b.ReportMetric(estimate, "estimated-bytes/pending")
}

// BenchmarkPendingMemoryCloned is BenchmarkPendingMemory with each event
// cloned as the matcher does for callers that reuse events: the bytes per
// pending sequence include the retained copy of a decoded ECS event.
func BenchmarkPendingMemoryCloned(b *testing.B) {
	n := pendingN
	s := newBenchSetup(b, n)
	for b.Loop() {
		b.StopTimer()
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return ms.HeapAlloc
		}
		before := heap()
		b.StartTimer()
		m, err := NewMatcher(s.spec, Options{MaxPending: n})
		if err != nil {
			b.Fatal(err)
		}
		raw := 0
		for i := range n {
			e := s.pool[i%len(s.pool)]
			e.Set(s.cat, s.labels[0])
			e.Set(s.key, s.keys[i])
			e.Time = int64(i)
			raw += len(e.Raw)
			m.Push(e, func(Result) {})
		}
		b.StopTimer()
		after := heap()
		if st := m.Stats(); st.Partials != n {
			b.Fatalf("%d partials", st.Partials)
		}
		b.ReportMetric(float64(after-before)/float64(n), "bytes/pending")
		b.ReportMetric(float64(raw)/float64(n), "raw-json-bytes/event")
		runtime.KeepAlive(m)
		b.StartTimer()
	}
}

// BenchmarkReorder pushes events 10 µs apart that are out of order by up
// to 1 s through a reorder buffer with a 2 s lateness (about 200,000
// events held). "owned" hands the events over; "cloned" has the buffer
// copy each one, as it must for a caller that reuses its events.
func BenchmarkReorder(b *testing.B) {
	s := newBenchSetup(b, 1)
	const n = 1 << 16
	rng := rand.New(rand.NewPCG(3, 4))
	jitter := make([]int64, n)
	for i := range jitter {
		jitter[i] = rng.Int64N(int64(time.Second))
	}
	// A ring of distinct events, larger than what the buffer holds, for
	// the owned case.
	ring := make([]event.Event, 1<<19)
	for i := range ring {
		ring[i] = *s.pool[i%len(s.pool)]
	}
	for _, owned := range []bool{true, false} {
		name := "cloned"
		if owned {
			name = "owned"
		}
		b.Run(name, func(b *testing.B) {
			r := order.NewBuffer(2*time.Second, order.BufferOptions{Owned: owned})
			out := 0
			emit := func(*event.Event) { out++ }
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := cputime.Thread()
			i := 0
			for b.Loop() {
				var e *event.Event
				if owned {
					e = &ring[i&(len(ring)-1)]
				} else {
					e = s.pool[i%len(s.pool)]
				}
				e.Time = int64(i)*int64(10*time.Microsecond) - jitter[i&(n-1)]
				r.Push(e, emit)
				i++
			}
			cpu := cputime.Thread() - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
			}
		})
	}
}

// BenchmarkClone measures event.Clone on the benchmark's decoded events,
// which a matcher pays for each event it retains from a caller that reuses
// its events.
func BenchmarkClone(b *testing.B) {
	s := newBenchSetup(b, 1)
	size := 0
	for _, e := range s.pool {
		size += len(e.Raw)
	}
	b.SetBytes(int64(size / len(s.pool)))
	b.ReportAllocs()
	var keep [1024]*event.Event
	i := 0
	for b.Loop() {
		e := s.pool[i%len(s.pool)]
		e.Time = int64(i) // a new event each time, not one Clone may reuse
		keep[i&1023] = e.Clone()
		i++
	}
}

func init() {
	if s := os.Getenv("VIGIL_PENDING_N"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			pendingN = n
		}
	}
}
