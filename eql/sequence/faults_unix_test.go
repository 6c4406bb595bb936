//go:build unix

package sequence

import "syscall"

// pageFaults returns the page faults the process has taken, for benchmarks
// to report: on a virtual machine a fault of fresh memory costs several
// microseconds, more than most of what they measure.
func pageFaults() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Minflt + ru.Majflt)
}
