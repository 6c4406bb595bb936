package engine

import "time"

// signalLimiter caps a rule's alerts at max_signals per rule interval of
// event time, as Kibana caps the alerts of one rule execution: the first
// max alerts (in the order they are raised) whose time falls in an
// interval pass, the rest are counted, not emitted. Counts are kept per
// interval, so alerts whose times go back and forth (sequences, which
// take the time of their first event) are charged to their own interval;
// and the alerts a subset of the stream passes include every alert of
// that subset the whole stream passes, which lets Parallel cap in each
// partition first. The newest maxBuckets intervals that saw alerts are
// remembered; an alert of an older one (a long sequence) starts it afresh.
type signalLimiter struct {
	max      int
	interval int64 // ns
	bucket   int64 // the last interval charged, and its count: most alerts fall in it
	count    int
	counts   map[int64]int // the other intervals charged
	capped   int64
}

// maxBuckets bounds the intervals a limiter remembers.
const maxBuckets = 1024

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
		l.switchTo(b)
	}
	if l.count >= l.max {
		l.capped++
		return false
	}
	l.count++
	return true
}

// switchTo makes b the current interval, keeping the count of the last.
func (l *signalLimiter) switchTo(b int64) {
	if l.count > 0 {
		if l.counts == nil {
			l.counts = map[int64]int{}
		}
		l.counts[l.bucket] = l.count
	}
	l.bucket, l.count = b, l.counts[b]
	delete(l.counts, b)
	if len(l.counts) > maxBuckets {
		oldest := b
		for k := range l.counts {
			oldest = min(oldest, k)
		}
		delete(l.counts, oldest)
	}
}
