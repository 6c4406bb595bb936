package sequence

import (
	"slices"

	"github.com/vigilsec/vigil/event"
)

// Missing-event stages, and the output queue that keeps results in order
// while some wait for a decision.

// partMeta is what a partial sequence needs for missing-event stages.
type partMeta struct {
	lead     int64 // latest leading missing event before the first positive event
	taint    int64 // first middle missing event after the partial's last event
	rejected bool  // a middle missing event already rejects it
}

// keyMissing is a key's missing-event state.
type keyMissing struct {
	leadLatest, leadBelow int64 // the two latest timestamps of leading missing events
	cands, tail           *cand // undecided results of the key, oldest first
}

// cand is a completed candidate sequence.
type cand struct {
	key               string
	keys              []event.Value // the key's values, when decoded at completion (see decodeKeyFrom)
	evs               []held
	first, last, lead int64
	state             uint8
	next              *cand
	ent               int32 // key entry while linked, -1 otherwise
}

const (
	undecided uint8 = iota
	accepted
	rejected
	dropped
)

// leadBefore returns the latest leading missing event of key i strictly
// before t, or noTime.
func (m *Matcher) leadBefore(i int32, t int64) int64 {
	if i < 0 {
		return noTime
	}
	km := &m.mis[i]
	if km.leadLatest != noTime && km.leadLatest < t {
		return km.leadLatest
	}
	if km.leadBelow != noTime && km.leadBelow < t {
		return km.leadBelow
	}
	return noTime
}

// missingHit records an event of missing stage with info si for a key.
func (m *Matcher) missingHit(si stageInfo, key []byte, t int64) {
	switch si.kind {
	case kindLeading:
		m.hits++
		i := m.lookupOrInsert(key)
		km := &m.mis[i]
		switch {
		case km.leadLatest == noTime || t > km.leadLatest:
			km.leadBelow, km.leadLatest = km.leadLatest, t
		case t < km.leadLatest && (km.leadBelow == noTime || t > km.leadBelow):
			km.leadBelow = t
		}
		m.tab.touch(i, m.now)
	case kindMiddle:
		i := m.lookup(key)
		if i < 0 {
			return
		}
		g := si.rank
		gs := m.group(i, g)
		if gs[0].none() {
			return
		}
		m.hits++
		pm := &m.meta[int(i)*m.g+g]
		if pm.taint == noTime && t > gs[g].time() {
			pm.taint = t
		}
	case kindTrailing:
		i := m.lookup(key)
		if i < 0 {
			return
		}
		m.hits++
		km := &m.mis[i]
		for c := km.cands; c != nil && c.last < t; c = km.cands {
			km.cands = c.next
			c.next, c.ent = nil, -1
			m.decideTrailing(c, t)
		}
		if km.cands == nil {
			km.tail = nil
			m.dropIfEmpty(i)
		}
	}
}

// span reports whether b-a exceeds maxspan, where an absent bound counts
// as exceeding (Elasticsearch's biggerThanMaxSpan).
func (m *Matcher) span(a, b int64) bool {
	if a == noTime || b == noTime {
		return true
	}
	return m.maxSpan > 0 && b-a > m.maxSpan
}

// complete decides what it can about a candidate sequence at once and
// queues it for output. i is its key's entry, or -1 if unknown.
func (m *Matcher) complete(c *cand, i int32) {
	m.retained += m.p
	switch {
	case !m.hasLead && !m.hasTrail:
		c.state = accepted
	case !m.hasTrail:
		c.state = rejected
		if m.span(c.lead, c.last) {
			c.state = accepted
		}
	case m.hasLead && c.lead == noTime:
		c.state = accepted
	default:
		// Waits for the first trailing missing event after it, or for
		// time to pass beyond maxspan.
		if m.pastDeadline(c) {
			c.state = accepted
			break
		}
		if i < 0 {
			i = m.lookupOrInsert(keyBytes(c.key))
		}
		km := &m.mis[i]
		if km.tail == nil {
			km.cands = c
		} else {
			km.tail.next = c
		}
		km.tail = c
		c.ent = i
		m.tab.touch(i, m.now)
	}
	if c.state == rejected {
		m.stats.RejectedMissing++
		m.retained -= m.p
		m.freeCand(c)
		return
	}
	m.done = append(m.done, c)
}

// ref returns the timestamp a trailing missing event is measured from.
func (m *Matcher) ref(c *cand) int64 {
	if m.hasLead {
		return c.lead
	}
	return c.first
}

// pastDeadline reports whether no trailing missing event still to come
// could reject c.
func (m *Matcher) pastDeadline(c *cand) bool {
	return m.maxSpan > 0 && m.now != noTime && m.now-m.ref(c) > m.maxSpan
}

// decideTrailing decides c given its first trailing missing event at t.
func (m *Matcher) decideTrailing(c *cand, t int64) {
	if m.span(m.ref(c), t) {
		c.state = accepted
	} else {
		c.state = rejected
		m.stats.RejectedMissing++
	}
}

// unlink removes an undecided candidate, which is the oldest of its key,
// from its key's list.
func (m *Matcher) unlink(c *cand) {
	i := c.ent
	if i < 0 {
		return
	}
	km := &m.mis[i]
	var prev *cand
	for x := km.cands; x != nil; prev, x = x, x.next {
		if x != c {
			continue
		}
		if prev == nil {
			km.cands = c.next
		} else {
			prev.next = c.next
		}
		if km.tail == c {
			km.tail = prev
		}
		break
	}
	c.next, c.ent = nil, -1
	m.dropIfEmpty(i)
}

// finish queues the completions of the pushed event in output order and
// emits what is decided.
func (m *Matcher) finish(emit func(Result)) {
	if len(m.done) == 0 {
		m.release(emit)
		return
	}
	if len(m.done) > 1 {
		slices.SortStableFunc(m.done, func(a, b *cand) int { return compareKeys(a.key, b.key) })
	}
	for _, c := range m.done {
		if c.state == accepted && m.qhead == len(m.queue) {
			m.emit(c, emit)
			continue
		}
		m.queue = append(m.queue, c)
	}
	clear(m.done)
	m.done = m.done[:0]
	m.release(emit)
}

// release emits queued results from the front as they are decided.
func (m *Matcher) release(emit func(Result)) {
	for m.qhead < len(m.queue) {
		c := m.queue[m.qhead]
		if c.state == undecided {
			switch {
			case m.pastDeadline(c):
				m.unlink(c)
				c.state = accepted
			case len(m.queue)-m.qhead > m.max:
				m.unlink(c)
				c.state = dropped
				m.stats.EvictedResults++
			default:
				return
			}
		}
		m.queue[m.qhead] = nil
		m.qhead++
		switch c.state {
		case accepted:
			m.emit(c, emit)
		default:
			m.retained -= m.p
			m.freeCand(c)
		}
		if m.qhead == len(m.queue) {
			m.queue, m.qhead = m.queue[:0], 0
		} else if m.qhead > 1024 && m.qhead > len(m.queue)/2 {
			n := copy(m.queue, m.queue[m.qhead:])
			clear(m.queue[n:])
			m.queue, m.qhead = m.queue[:n], 0
		}
	}
}

// emit passes on an accepted result and recycles its candidate.
func (m *Matcher) emit(c *cand, emit func(Result)) {
	m.stats.Results++
	m.retained -= m.p
	evs := make([]*event.Event, len(c.evs))
	from := m.from[:0]
	for i, h := range c.evs {
		if !h.none() {
			evs[i] = m.event(h)
			if h.c != nil && m.recycling {
				if o := m.made(h.c); o != nil {
					from = append(from, lentFrom{c: h.c, block: o.block, outs: o.outs, stage: i})
				}
			}
		}
	}
	keys := c.keys
	if keys == nil {
		keys = decodeKey(c.key)
	}
	res := Result{Keys: keys, Events: evs}
	m.freeCand(c)
	m.lend(evs, from)
	clear(from)
	m.from = from[:0]
	emit(res)
}
