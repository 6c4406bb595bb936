package heapcap

import (
	"runtime"
	"runtime/debug"
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
