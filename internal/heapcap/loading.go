package heapcap

import (
	"os"
	"runtime/debug"
	"sync"
)

// LoadPercent is the GC percent while a program loads (see Loading). The
// collector's least heap goal scales with it (4 MB at 100): at 1000 it
// is 40 MB, which loading and compiling the Windows rules of the
// detection-rules corpus (~35 MB allocated, ~21 MB of it live at the end)
// stays under, so that they load without a collection; a larger load is
// still collected, when its heap has grown elevenfold past what the last
// collection found live.
const LoadPercent = 1000

// Loading raises the GC percent to LoadPercent until done is called, and
// done restores the percent in force before (call it before Start). At
// the default percent a program that builds a heap of tens of megabytes
// from nothing collects five times on the way, marking the growing live
// heap each time (a hunt's rules: 15% of its start-up's CPU time, with the
// write barriers the marking turns on), though little of what it
// allocates is garbage yet. When the user chose the collector's pace
// (GOGC or GOMEMLIMIT set) Loading does nothing. done may be called more
// than once; it restores once.
func Loading() (done func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(LoadPercent)
	var once sync.Once
	return func() { once.Do(func() { debug.SetGCPercent(old) }) }
}
