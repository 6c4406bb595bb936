package heapcap

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// LoadPercent is the GC percent while a program loads (see Loading). The
// collector's least heap goal scales with it (4 MiB at 100): at 1000 it
// is 40 MiB, which loading and compiling the Windows rules of the
// detection-rules corpus (~35 MiB allocated, ~21 MiB of it live at the
// end) stays under, so that they load without a collection; a larger load
// is still collected, when its heap has grown elevenfold past what the
// last collection found live.
const LoadPercent = 1000

// loading is the state of a Loading not yet ended.
var loading struct {
	sync.Mutex
	on  bool
	old int // the GC percent before
}

// Loading raises the GC percent to LoadPercent until Start takes over or
// done restores the percent in force before. At the default percent a
// program that builds a heap of tens of megabytes from nothing collects
// five times on the way, marking the growing live heap each time (a
// hunt's rules: 15% of its start-up's CPU time, with the write barriers
// the marking turns on), though little of what it allocates is garbage
// yet. When the user chose the collector's pace (GOGC or GOMEMLIMIT set)
// Loading does nothing. done may be called more than once, and after
// Start: it restores at most once, and only what Start did not take over.
func Loading() (done func()) {
	if userPace() {
		return func() {}
	}
	loading.Lock()
	defer loading.Unlock()
	if !loading.on {
		loading.on = true
		loading.old = debug.SetGCPercent(LoadPercent)
	}
	return func() {
		loading.Lock()
		defer loading.Unlock()
		if loading.on {
			loading.on = false
			debug.SetGCPercent(loading.old)
		}
	}
}

// endLoading ends a Loading for Start and returns the GC percent it sets:
// one that puts the next collection where Start's own would come, at
// headroom bytes past the heap loading left (the percent in force before
// Loading would collect at once, a heap that has just been built). ok is
// false when no Loading was on.
func endLoading(headroom uint64) (pct int, ok bool) {
	loading.Lock()
	defer loading.Unlock()
	if !loading.on {
		return 0, false
	}
	loading.on = false
	// Off first: SetGCPercent(-1) returns once a collection under way has
	// finished marking (runtime/mgcpacer.go, setGCPercent), so the figures
	// read are those of the last collection, which the goal is computed
	// from. (Computed from those of the one before, the goal would be
	// eleven times what loading left live.)
	debug.SetGCPercent(-1)
	pct = FirstPercent(readHeap(), headroom)
	debug.SetGCPercent(pct)
	return pct, true
}

// heapState is what FirstPercent needs of the runtime's figures.
type heapState struct {
	now    uint64 // bytes in heap objects, live or not yet swept
	marked uint64 // heap found live by the last collection (0: none yet)
	roots  uint64 // stacks and globals the collector scans
}

func readHeap() heapState {
	v := read([]metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	})
	return heapState{now: v[0], marked: v[1], roots: v[2] + v[3]}
}

// minHeapGoal is the collector's least heap goal at GC percent 100; it
// scales with the percent (the Go GC guide's "minimum total heap size").
const minHeapGoal = 4 << 20

// FirstPercent is the GC percent whose heap goal is h.now + headroom, or
// 100 if that is less. The collector's goal is the larger of the marked
// heap plus percent/100 of what it scans (marked heap and roots) and the
// least goal scaled by percent/100; the percent is the largest that keeps
// both within the goal wanted. It holds for one collection: the capper
// sets its own after it.
func FirstPercent(h heapState, headroom uint64) int {
	want := h.now + headroom
	pct := want * 100 / minHeapGoal
	if base := h.marked + h.roots; h.marked > 0 && base > 0 {
		if want <= h.marked {
			return 100
		}
		pct = min(pct, (want-h.marked)*100/base)
	}
	return int(max(100, pct))
}
