// Package cputime reads CPU time for benchmarks, so that throughput can be
// reported per CPU-second: on a shared machine, wall time measures the
// neighbours as much as the code.
package cputime

import (
	"syscall"
	"time"
)

// rusageThread is RUSAGE_THREAD (Linux).
const rusageThread = 1

// Thread returns the CPU time the calling OS thread has used. Lock the
// goroutine to its thread (runtime.LockOSThread) around what you measure.
func Thread() time.Duration { return usage(rusageThread) }

// Process returns the CPU time the whole process has used.
func Process() time.Duration { return usage(syscall.RUSAGE_SELF) }

func usage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
