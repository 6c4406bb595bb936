package heapcap

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 16 * mib, 100},
		{8 * mib, 16 * mib, 100},  // doubling is within the headroom
		{16 * mib, 16 * mib, 100}, // just
		{32 * mib, 16 * mib, 50},
		{54 * mib, 16 * mib, 29},
		{64 * mib, 16 * mib, 25},
		{1 << 30, 16 * mib, Least}, // a large live heap still grows by a quarter
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MiB, %d MiB) = %d, want %d", c.live/mib, c.headroom/mib, got, c.want)
		}
	}
}

// TestStart holds a live heap far larger than the headroom: after a
// collection the percent in force is lowered, and stop restores 100.
func TestStart(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	c := start(8 << 20)
	// Each collection finds the sentinel; its finalizer runs soon after.
	for i := 0; i < 1000 && c.percent() == 100; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := c.percent(); got >= 100 || got < Least {
		t.Errorf("GC percent with 64 MiB live and 8 MiB of headroom: %d", got)
	}
	c.stop()
	if now := debug.SetGCPercent(100); now != 100 {
		t.Errorf("after stop the GC percent is %d, want 100", now)
	}
	runtime.KeepAlive(live)
}

// TestStartUserPace leaves GOGC to the user.
func TestStartUserPace(t *testing.T) {
	t.Setenv("GOGC", "200")
	old := debug.SetGCPercent(200)
	defer debug.SetGCPercent(old)
	stop := Start(1)
	runtime.GC()
	runtime.GC()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Errorf("GOGC=200 set, yet the percent became %d", got)
	}
	stop()
}

// TestLoading raises the GC percent while loading and restores the one
// in force before, once, however often done is called.
func TestLoading(t *testing.T) {
	old := debug.SetGCPercent(70)
	defer debug.SetGCPercent(old)
	done := Loading()
	if now := debug.SetGCPercent(LoadPercent); now != LoadPercent {
		t.Errorf("while loading the GC percent is %d, want %d", now, LoadPercent)
	}
	done()
	if now := debug.SetGCPercent(90); now != 70 {
		t.Errorf("after done the GC percent is %d, want 70", now)
	}
	done() // restores nothing again
	if now := debug.SetGCPercent(70); now != 90 {
		t.Errorf("a second done set the GC percent to %d, want it left at 90", now)
	}
}

// TestLoadingThenStart: Start takes over from a Loading with a percent
// that puts the next collection about headroom past the heap, not at the
// percent before (at once) nor at LoadPercent's; done after it changes
// nothing; the first collection hands the pace to the capper.
func TestLoadingThenStart(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	runtime.GC() // what other tests left live is not counted
	done := Loading()
	live := make([][]byte, 24) // within LoadPercent's least goal: no collection

	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	const headroom = 8 << 20
	c := start(headroom)
	pct := c.percent()
	if pct <= 100 || pct > LoadPercent {
		t.Errorf("after Loading and Start with 24 MiB live the GC percent is %d, want within (100, %d)", pct, LoadPercent)
	}
	ms := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(ms)
	goal, heap := ms[0].Value.Uint64(), ms[1].Value.Uint64()
	if goal < heap || goal > heap+2*headroom {
		t.Errorf("heap goal %d MiB with %d MiB in the heap; want about %d MiB more", goal>>20, heap>>20, headroom>>20)
	}
	done()
	if now := debug.SetGCPercent(pct); now != pct {
		t.Errorf("done after Start set the GC percent to %d, want %d left", now, pct)
	}
	for i := 0; i < 1000 && c.percent() == pct; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if got := c.percent(); got > 100 || got < Least {
		t.Errorf("after a collection the capper's GC percent is %d, want within [%d, 100]", got, Least)
	}
	c.stop()
	runtime.KeepAlive(live)
}

func TestFirstPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name string
		h    heapState
		want int
	}{
		// No collection yet: the least goal, 4 MiB per 100 percent, is
		// the goal.
		{"none yet", heapState{now: 38 * mib}, 1350},
		{"none yet, small", heapState{now: 2 * mib}, 450},
		{"none yet, huge", heapState{now: 400 * mib}, 10400},
		// After one: the marked heap plus pct/100 of it and the roots.
		{"collected", heapState{now: 45 * mib, marked: 27 * mib, roots: 1 * mib}, 121},
		{"mostly garbage", heapState{now: 80 * mib, marked: 4 * mib, roots: 0}, 2300},
		{"goal below marked", heapState{now: 10 * mib, marked: 40 * mib, roots: 1 * mib}, 100},
		{"at least 100", heapState{now: 30 * mib, marked: 29 * mib, roots: 0}, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := FirstPercent(c.h, 16*mib); got != c.want {
				t.Errorf("FirstPercent(%+v, 16 MiB) = %d, want %d", c.h, got, c.want)
			}
		})
	}
}

// TestLoadingUserPace leaves GOGC to the user.
func TestLoadingUserPace(t *testing.T) {
	t.Setenv("GOGC", "200")
	old := debug.SetGCPercent(200)
	defer debug.SetGCPercent(old)
	done := Loading()
	if now := debug.SetGCPercent(200); now != 200 {
		t.Errorf("with GOGC set Loading changed the GC percent to %d", now)
	}
	done()
	if now := debug.SetGCPercent(200); now != 200 {
		t.Errorf("with GOGC set done changed the GC percent to %d", now)
	}
}
