// Package workers runs independent pieces of work on every core: the
// loading of a rule corpus is thousands of small, separate parses, and a
// short hunt waits for it.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each calls fn(i) for every i in [0, n), on up to GOMAXPROCS goroutines
// (fewer for small n, where starting them costs more than it saves), and
// returns when all calls have. The calls must be independent; callers
// put each result at its index so that what they make of the results does
// not depend on timing.
func Each(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/32+1)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
