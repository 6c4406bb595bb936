// Package cputime reads CPU time for benchmarks, so that throughput can be
// reported per CPU-second: on a shared machine, wall time measures the
// neighbours as much as the code.
package cputime

import (
	"runtime"
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

// Meter measures the CPU time of a benchmark's loop, from Start to Report.
type Meter struct{ thread, proc time.Duration }

// Start locks the calling goroutine to its OS thread, so that the
// thread's CPU time is what the loop costs (the garbage collector then
// runs on other threads), and starts measuring.
func Start() Meter {
	runtime.LockOSThread()
	return Meter{Thread(), Process()}
}

// Report unlocks the thread and reports n per second of the thread's CPU
// time as "UNIT/cpu-s", and per second of the process's (the collector's
// work included) as "UNIT/proc-cpu-s".
func (m Meter) Report(b interface{ ReportMetric(float64, string) }, n int, unit string) {
	cpu, proc := Thread()-m.thread, Process()-m.proc
	runtime.UnlockOSThread()
	if cpu > 0 && proc > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), unit+"/cpu-s")
		b.ReportMetric(float64(n)/proc.Seconds(), unit+"/proc-cpu-s")
	}
}
