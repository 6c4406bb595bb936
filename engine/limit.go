package engine

import "time"

// signalLimiter caps a rule's alerts at max_signals per rule interval of
// event time, as Kibana caps the alerts of one rule execution. Alerts over
// the cap are counted, not emitted.
type signalLimiter struct {
	max      int
	interval int64 // ns
	bucket   int64
	count    int
	capped   int64
}

func newSignalLimiter(max int, interval time.Duration) signalLimiter {
	if max <= 0 {
		max = 100
	}
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	return signalLimiter{max: max, interval: int64(interval), bucket: -1 << 63}
}

// allow reports whether one more alert at event time t is within the cap.
func (l *signalLimiter) allow(t int64) bool {
	b := t / l.interval
	if t < 0 && t%l.interval != 0 {
		b--
	}
	if b != l.bucket {
		l.bucket, l.count = b, 0
	}
	if l.count >= l.max {
		l.capped++
		return false
	}
	l.count++
	return true
}
