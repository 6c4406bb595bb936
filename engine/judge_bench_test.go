package engine

import (
	"runtime"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/cputime"
)

// BenchmarkJudgedWinlogSample times a hunt's evaluation over real
// recorded events (a slice of the winlog corpus, ECS, every Windows rule)
// with the events waiting in a window of 1,024 between decoding and
// evaluation, as in a reorder window: "engine" evaluates each whole as it
// leaves the window (Engine.Process), "judged" judges it right after
// decoding (Judge) and evaluates the rest as it leaves (Arrived), events
// with nothing left to do becoming ticks. Events per CPU-second of the
// one thread doing all of it, decoding included; VIGIL_BENCH_EVENTS sets
// the slice (default 50,000).
func BenchmarkJudgedWinlogSample(b *testing.B) {
	evs, rs := windowsSample(b)
	probe := rs.NewEngine(nil)
	const window = 1024
	for _, judged := range []bool{false, true} {
		name := "engine"
		if judged {
			name = "judged"
		}
		b.Run(name, func(b *testing.B) {
			ring := make([]*event.Event, window)
			for i := range ring {
				ring[i] = new(event.Event)
			}
			ticks := make([]event.Event, window)
			var took time.Duration
			alerts := 0
			for b.Loop() {
				sink := alert.SinkFunc(func(*alert.Alert) { alerts++ })
				var process func(*event.Event)
				var judge *Judge
				if judged {
					a := rs.NewArrived(sink)
					judge, process = a.NewJudge(), a.Process
				} else {
					process = rs.NewEngine(sink).Process
				}
				held := make([]*event.Event, window) // what each slot of the ring holds: the event or a tick
				runtime.LockOSThread()
				start := cputime.Thread()
				for i := range len(evs) + window {
					slot := i % window
					if ev := held[slot]; ev != nil {
						process(ev) // the event decoded window events ago
					}
					if i >= len(evs) {
						held[slot] = nil
						continue
					}
					ev := ring[slot]
					ev.Recycle()
					decodeInto(b, probe, evs[i], int64(i), ev)
					held[slot] = ev
					if judge != nil && !judge.Judge(ev) {
						t := &ticks[slot]
						t.Time, t.Pos = ev.Time, ev.Pos
						t.Verdict.Judged, t.Verdict.Tick = true, true
						held[slot] = t
					}
				}
				took += cputime.Thread() - start
				runtime.UnlockOSThread()
			}
			b.ReportMetric(float64(len(evs))*float64(b.N)/took.Seconds(), "events/cpu-s")
			b.ReportMetric(float64(alerts)/float64(b.N), "alerts")
		})
	}
}

// BenchmarkJudgeWinlogSample is BenchmarkJudgedWinlogSample without the
// decoding: events are decoded a batch at a time outside the timed part
// (as in a reorder window, they are out of the nearest caches when
// judged), then judged (Judge) and taken in order (Arrived.Process),
// each timed apart: CPU nanoseconds per event of each half, and events
// per CPU-second of both.
func BenchmarkJudgeWinlogSample(b *testing.B) {
	evs, rs := windowsSample(b)
	probe := rs.NewEngine(nil)
	batch := make([]event.Event, 4096)
	var judging, arriving time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for b.Loop() {
		a := rs.NewArrived(nil)
		judge := a.NewJudge()
		for at := 0; at < len(evs); at += len(batch) {
			part := evs[at:min(at+len(batch), len(evs))]
			for i, be := range part {
				batch[i].Recycle()
				decodeInto(b, probe, be, int64(at+i), &batch[i])
			}
			start := cputime.Thread()
			for i := range part {
				judge.Judge(&batch[i])
			}
			mid := cputime.Thread()
			for i := range part {
				a.Process(&batch[i])
			}
			judging += mid - start
			arriving += cputime.Thread() - mid
		}
		a.Flush()
	}
	n := float64(len(evs)) * float64(b.N)
	b.ReportMetric(float64(judging)/n, "judge-ns/event")
	b.ReportMetric(float64(arriving)/n, "arrive-ns/event")
	b.ReportMetric(n/(judging+arriving).Seconds(), "events/cpu-s")
}
