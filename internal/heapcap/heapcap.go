// Package heapcap bounds how far the Go heap may grow past what is live.
//
// The collector lets the heap grow to twice what was live after the last
// collection (GOGC=100) before it collects again. A hunt's live heap is
// its compiled rules plus budgeted working state (reordering windows,
// pools, chunks in flight), flat however long the input; but the doubling
// is reached only once a run has gone on long enough, so a long run's
// peak memory was a third higher than a short one's over the same rules.
// Start caps that growth at a fixed number of bytes once the live heap
// is large enough for the doubling to exceed it, so that peak memory is
// the live heap plus a fixed headroom whatever the input's size. The
// cost is more frequent collections of a heap whose size stays flat.
package heapcap

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Least is the lowest GC percent Start sets: a live heap of more than
// four times the headroom grows by a quarter, so that a run holding much
// (indicators, new-terms history) does not collect all the time.
const Least = 25

// samples are the runtime's figures the goal is computed from: what the
// collector counts as live (heap, stacks and globals scanned).
var samples = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// Start makes the collector, after each collection, aim at no more than
// headroom bytes of growth past what it found live (see the package
// comment), between Least and 100 percent. It takes over from a Loading:
// the first collection comes once the heap has grown by headroom. The
// stop function it returns restores the GC percent in force before. When
// the user chose the collector's pace (GOGC or GOMEMLIMIT set) Start does
// nothing.
func Start(headroom uint64) (stop func()) {
	if userPace() {
		return func() {}
	}
	return start(headroom).stop
}

func start(headroom uint64) *capper {
	c := &capper{headroom: headroom, ms: make([]metrics.Sample, len(samples)), pct: 100}
	if pct, ok := endLoading(headroom); ok {
		c.pct = pct // until the first collection sets the capper's own
	}
	for i, name := range samples {
		c.ms[i].Name = name
	}
	c.arm()
	return c
}

type capper struct {
	headroom uint64
	ms       []metrics.Sample

	mu      sync.Mutex
	pct     int // percent set last
	stopped bool
}

// sentinel is garbage from the start: its finalizer runs after the
// collection that finds it, which re-arms with a new one.
type sentinel struct{ _ [16]byte }

func (c *capper) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) { c.collected() })
}

// collected sets the percent for the next cycle from what the last one
// found live.
func (c *capper) collected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	var live uint64
	for _, v := range read(c.ms) {
		live += v
	}
	if pct := Percent(live, c.headroom); pct != c.pct {
		debug.SetGCPercent(pct)
		c.pct = pct
	}
	c.arm()
}

// percent is the GC percent set last.
func (c *capper) percent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pct
}

func (c *capper) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped && c.pct != 100 {
		debug.SetGCPercent(100)
	}
	c.stopped = true
}

// userPace reports whether the user chose the collector's pace (GOGC or
// GOMEMLIMIT set), which Start and Loading then leave alone.
func userPace() bool {
	return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
}

// read reads ms, and returns their values (0 for one the runtime does
// not have).
func read(ms []metrics.Sample) []uint64 {
	metrics.Read(ms)
	v := make([]uint64, len(ms))
	for i, s := range ms {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	return v
}

// Percent is the GC percent that lets a heap of live bytes grow by at most
// headroom bytes, within Least and 100.
func Percent(live, headroom uint64) int {
	if live == 0 {
		return 100
	}
	return int(max(Least, min(100, headroom*100/live)))
}
