package sequence

import (
	"math"

	"github.com/vigilsec/vigil/event"
)

// noTime marks an absent timestamp.
const noTime = math.MinInt64

// stage kinds
const (
	kindPositive = iota
	kindLeading  // missing stage before the first positive stage
	kindMiddle   // missing stage between two positive stages
	kindTrailing // missing stage after the last positive stage
)

type stageInfo struct {
	kind int
	rank int // positive stages: index among the positive stages; middle: rank of the positive stage before
}

// Matcher runs one sequence query over a stream of events in order. It
// holds, per join key, at most one partial sequence per stage (the newest:
// an older one could only ever be chosen after it, which Elasticsearch's
// matcher never does), so its state is bounded by the number of keys, which
// Options.MaxPending caps. A Matcher is not safe for concurrent use.
type Matcher struct {
	hits    uint64 // stage, missing-event and until hits that found state (see Hits)
	spec    Spec
	maxSpan int64
	max     int // MaxPending
	owned   bool
	retain  func(*event.Event) *event.Event
	copies  bool // the matcher copies the events it keeps (see copies.go)

	info     []stageInfo
	pos      []int // stage index of each positive stage
	between  []bool
	missing  []int // indices of missing stages
	p, g, e  int   // positive stages, groups (p-1), event slots per key
	off      []int // first event slot of each group
	hasLead  bool
	hasTrail bool
	hasMiss  bool

	kb keyBuilder

	tab  table
	evs  []held       // e slots per key: group g holds g+1 events at off[g]
	meta []partMeta   // g per key, with missing stages only
	mis  []keyMissing // per key, with missing stages only

	now    int64
	cur    held // the kept copy of the event being pushed
	curSrc *event.Event
	done   []*cand // completions of the event being pushed
	queue  []*cand // results in output order, waiting for a decision or for one before them
	qhead  int

	partials int
	inGroup  []int // partial sequences per group, for gating stages
	retained int
	stats    Stats

	arena      arena // the bytes of copies
	freeCopies []*copyRec
	outs       []copyOut // see copyRec.out
	freeOuts   []int32   // entries of outs free
	freeCands  []*cand

	from       []lentFrom          // see emit
	lent       map[*byte]lentBlock // blocks of results emitted, by their address (see Recycle)
	freeBlocks [][]byte            // blocks handed back
	freeEvents []*event.Event      // and their events
	recycling  bool                // a result was handed back (see Recycle)
}

// NewMatcher returns a matcher for spec, which must not change afterwards.
func NewMatcher(spec *Spec, opt Options) (*Matcher, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	m := &Matcher{spec: *spec, maxSpan: int64(spec.MaxSpan), max: opt.MaxPending, owned: opt.Owned, retain: opt.Retain, now: noTime}
	m.copies = !m.owned && m.retain == nil
	if m.copies {
		m.arena.slabs = newSlabs(m)
	}
	if m.max <= 0 {
		m.max = DefaultMaxPending
	}
	m.kb.max = opt.MaxFanout
	if m.kb.max <= 0 {
		m.kb.max = DefaultMaxFanout
	}
	n := len(spec.Stages)
	m.info = make([]stageInfo, n)
	for i, st := range spec.Stages {
		if !st.Missing {
			m.info[i] = stageInfo{kind: kindPositive, rank: len(m.pos)}
			m.pos = append(m.pos, i)
		}
	}
	m.p = len(m.pos)
	m.g = m.p - 1
	m.between = make([]bool, m.p)
	for i, st := range spec.Stages {
		if !st.Missing {
			continue
		}
		m.hasMiss = true
		m.missing = append(m.missing, i)
		switch {
		case i < m.pos[0]:
			m.info[i] = stageInfo{kind: kindLeading}
			m.hasLead = true
		case i > m.pos[m.p-1]:
			m.info[i] = stageInfo{kind: kindTrailing}
			m.hasTrail = true
		default:
			r := 0
			for r+1 < m.p && m.pos[r+1] < i {
				r++
			}
			m.info[i] = stageInfo{kind: kindMiddle, rank: r}
			m.between[r+1] = true
		}
	}
	m.off = make([]int, m.g)
	m.inGroup = make([]int, max(m.g, 1))
	for g := 1; g < m.g; g++ {
		m.off[g] = m.off[g-1] + g
	}
	m.e = m.g * (m.g + 1) / 2
	m.tab.init(m.max)
	return m, nil
}

// own returns a copy of the event being pushed that the matcher may keep,
// counting one more reference to it.
func (m *Matcher) own() held {
	if m.cur.none() {
		switch {
		case m.owned:
			m.cur = held{ev: m.curSrc}
		case m.retain != nil:
			m.cur = held{ev: m.retain(m.curSrc)}
		default:
			m.cur = m.pendingCopy(m.curSrc)
		}
	}
	return hold(m.cur)
}

// Push consumes the next event. Events must come in order of time, then
// tiebreaker, then arrival (an order.Buffer puts them in order). Results that the
// event decides are passed to emit, in output order.
func (m *Matcher) Push(ev *event.Event, emit func(Result)) {
	if ev.Time > m.now {
		m.now = ev.Time
	}
	m.expire()
	m.cur, m.curSrc = held{}, ev
	t := ev.Time
	// Stages are gated: a stage's filter is not evaluated when no state
	// exists that a hit could change (see Active).
	for _, i := range m.missing {
		si := m.info[i]
		switch {
		case si.kind == kindMiddle && m.inGroup[si.rank] == 0:
			continue // no partial sequence to taint
		case si.kind == kindTrailing && m.qhead == len(m.queue):
			continue // no result waiting for a trailing event
		}
		st := &m.spec.Stages[i]
		if !st.Match(ev) {
			continue
		}
		n := m.kb.build(ev, st.Keys)
		for k := 0; k < n; k++ {
			m.missingHit(si, m.kb.key(k), t)
		}
	}
	// Later stages first, so that an event never extends a partial
	// sequence it has just created or advanced.
	for r := m.p - 1; r >= 0; r-- {
		if r > 0 && m.inGroup[r-1] == 0 {
			continue // no partial sequence to advance
		}
		st := &m.spec.Stages[m.pos[r]]
		if !st.Match(ev) {
			continue
		}
		n := m.kb.build(ev, st.Keys)
		for k := 0; k < n; k++ {
			m.positiveHit(r, m.kb.key(k), t)
		}
	}
	// Until last: a partial sequence whose last event is an until event
	// is dead (Elasticsearch rejects it at its next stage), but the until
	// event may still complete a sequence.
	if u := m.spec.Until; u != nil && m.partials > 0 && u.Match(ev) {
		n := m.kb.build(ev, u.Keys)
		for k := 0; k < n; k++ {
			m.cancel(m.kb.key(k))
		}
	}
	m.stats.FanoutTruncated = m.kb.truncated
	m.finish(emit)
	if c := m.cur.c; c != nil {
		switch {
		case c.refs == 0:
			m.recycle(c)
		case c.pending:
			m.fill(c, ev)
		}
	}
	m.cur, m.curSrc = held{}, nil
}

// Active reports whether the matcher holds partial sequences or results
// waiting for a decision. While it does not, only events of its first
// positive stage and of missing-event stages before it can change its
// state or produce results: Push evaluates no other stage, and a caller
// that routes events may offer it only those (plus, as ever, any event
// it likes).
func (m *Matcher) Active() bool { return m.partials > 0 || m.qhead < len(m.queue) }

// Retained calls fn for each event the matcher holds (an event held
// several times more than once), so that a caller recycling what
// Options.Retain made knows what is still in use. Events of results already
// emitted are not held, nor are the matcher's own copies (see Options). It
// must not be called during Push.
func (m *Matcher) Retained(fn func(*event.Event)) {
	for i := range m.tab.ents {
		for _, h := range m.tab.ents[i].ev0 {
			if h.ev != nil {
				fn(h.ev)
			}
		}
	}
	for _, h := range m.evs {
		if h.ev != nil {
			fn(h.ev)
		}
	}
	for _, c := range m.queue[m.qhead:] {
		for _, h := range c.evs {
			if h.ev != nil {
				fn(h.ev)
			}
		}
	}
}

// Advance tells the matcher that no event older than watermark (ns) will
// come: it expires state that maxspan rules out and emits the results
// this decides.
func (m *Matcher) Advance(watermark int64, emit func(Result)) {
	if watermark > m.now {
		m.now = watermark
	}
	m.expire()
	m.release(emit)
}

// Flush ends the input: results waiting for trailing missing events are
// accepted, everything is emitted, and all state is dropped.
func (m *Matcher) Flush(emit func(Result)) {
	for _, c := range m.queue[m.qhead:] {
		if c.state == undecided {
			m.unlink(c)
			c.state = accepted
		}
	}
	m.release(emit)
	m.reset()
}

// reset drops all state but keeps the counters.
func (m *Matcher) reset() {
	for i := range m.tab.ents {
		m.letAll(m.tab.ents[i].ev0[:])
	}
	m.tab.init(m.max)
	m.letAll(m.evs)
	m.evs = m.evs[:0]
	m.meta = m.meta[:0]
	m.mis = m.mis[:0]
	clear(m.queue)
	m.queue, m.qhead = m.queue[:0], 0
	m.partials, m.retained = 0, 0
	clear(m.inGroup)
	m.now = noTime
}

// expire drops keys whose newest state maxspan has ruled out.
func (m *Matcher) expire() {
	if m.maxSpan <= 0 || m.now == noTime {
		return
	}
	limit := m.now - m.maxSpan
	for {
		i := m.tab.oldest()
		if i < 0 || m.tab.ents[i].touch >= limit {
			return
		}
		m.stats.Expired++
		// Any undecided result of the key is past its deadline too.
		if m.hasMiss {
			for c := m.mis[i].cands; c != nil; c = c.next {
				c.state = accepted
				c.ent = -1
			}
			m.mis[i].cands, m.mis[i].tail = nil, nil
		}
		m.drop(i)
	}
}

// group returns the event slots of group g of key i (g+1 events): in
// the key's entry when there is one group (two positive stages), so that
// a hit reads one entry, not an entry and a slot elsewhere; in evs
// otherwise. The slice is valid until the next insert.
func (m *Matcher) group(i int32, g int) []held {
	if m.e == 1 {
		return m.tab.ents[i].ev0[:]
	}
	s := int(i)*m.e + m.off[g]
	return m.evs[s : s+g+1 : s+g+1]
}

// lookup returns the entry of a key, or -1.
func (m *Matcher) lookup(key []byte) int32 { return m.tab.lookup(key) }

// lookupOrInsert returns the entry of a key, adding one if needed.
func (m *Matcher) lookupOrInsert(key []byte) int32 {
	i, h := m.tab.find(key)
	if i >= 0 {
		return i
	}
	return m.insert(h)
}

// insert adds an entry for a key not present, whose hash is h, evicting
// the oldest key when the table is full.
func (m *Matcher) insert(h khash) int32 {
	if m.tab.n >= m.max {
		m.evict(m.tab.oldest())
	}
	i := m.tab.insert(h, m.now)
	if need := (int(i) + 1) * m.e; m.e > 1 && need > len(m.evs) {
		m.evs = append(m.evs, make([]held, need-len(m.evs))...)
	}
	if m.hasMiss {
		if need := (int(i) + 1) * m.g; need > len(m.meta) {
			m.meta = append(m.meta, make([]partMeta, need-len(m.meta))...)
		}
		if int(i) >= len(m.mis) {
			m.mis = append(m.mis, make([]keyMissing, int(i)+1-len(m.mis))...)
		}
		m.mis[i] = keyMissing{leadLatest: noTime, leadBelow: noTime}
	}
	return i
}

// evict drops the oldest key to make room.
func (m *Matcher) evict(i int32) {
	m.stats.Evictions++
	for g := 0; g < m.g; g++ {
		if !m.group(i, g)[0].none() {
			m.stats.EvictedPartials++
		}
	}
	if m.hasMiss {
		for c := m.mis[i].cands; c != nil; c = c.next {
			c.state = dropped
			c.ent = -1
			m.stats.EvictedResults++
		}
		m.mis[i].cands, m.mis[i].tail = nil, nil
	}
	m.drop(i)
}

// drop removes key i and its partial sequences.
func (m *Matcher) drop(i int32) {
	for g := 0; g < m.g; g++ {
		if gs := m.group(i, g); !gs[0].none() {
			m.partials--
			m.inGroup[g]--
			m.retained -= g + 1
			m.letAll(gs)
		}
	}
	m.tab.remove(i)
}

// dropIfEmpty removes key i when it holds nothing any more.
func (m *Matcher) dropIfEmpty(i int32) {
	for g := 0; g < m.g; g++ {
		if !m.group(i, g)[0].none() {
			return
		}
	}
	if m.hasMiss {
		km := &m.mis[i]
		if km.cands != nil || km.leadLatest != noTime {
			return
		}
	}
	m.tab.remove(i)
}

// positiveHit matches an event of positive stage r (its rank) for a key.
func (m *Matcher) positiveHit(r int, key []byte, t int64) {
	if r == 0 {
		m.hits++
		lead := int64(noTime)
		if m.hasLead {
			lead = m.leadBefore(m.lookup(key), t)
		}
		if m.p == 1 {
			c := m.newCand(t, t, lead)
			c.evs[m.pos[0]] = m.own()
			c.key = string(key)
			c.keys = decodeKeyFrom(key, c.key)
			m.complete(c, -1)
			return
		}
		i := m.lookupOrInsert(key)
		gs := m.group(i, 0)
		if !gs[0].none() {
			m.stats.Replaced++
			m.let(gs[0])
		} else {
			m.partials++
			m.inGroup[0]++
			m.retained++
		}
		gs[0] = m.own()
		if m.hasMiss {
			m.meta[int(i)*m.g] = partMeta{lead: lead, taint: noTime}
		}
		m.tab.touch(i, m.now)
		return
	}
	i := m.lookup(key)
	if i < 0 {
		return
	}
	g := r - 1
	gs := m.group(i, g)
	if gs[0].none() {
		return
	}
	m.hits++
	// Take the partial sequence out of its group.
	m.partials--
	m.inGroup[g]--
	first := gs[0].time()
	var pm partMeta
	if m.hasMiss {
		pm = m.meta[int(i)*m.g+g]
	}
	if m.maxSpan > 0 && t-first > m.maxSpan {
		m.stats.RejectedMaxSpan++
		m.retained -= g + 1
		m.letAll(gs)
		m.dropIfEmpty(i)
		return
	}
	rej := pm.rejected || m.between[r] && pm.taint != noTime && pm.taint < t
	if r == m.p-1 {
		if rej {
			m.stats.RejectedMissing++
			m.retained -= g + 1
			m.letAll(gs)
			m.dropIfEmpty(i)
			return
		}
		c := m.newCand(first, t, pm.lead)
		for j := 0; j <= g; j++ {
			c.evs[m.pos[j]] = gs[j]
		}
		c.evs[m.pos[r]] = m.own()
		m.retained -= g + 1
		clear(gs)
		c.key = string(key) // the entry's key: the table keeps none
		c.keys = decodeKeyFrom(key, c.key)
		m.complete(c, i)
		m.dropIfEmpty(i)
		return
	}
	ds := m.group(i, r)
	if !ds[0].none() {
		m.stats.Replaced++
		m.retained -= r + 1
		m.partials--
		m.inGroup[r]--
		m.letAll(ds)
	}
	m.partials++
	m.inGroup[r]++
	copy(ds[:r], gs)
	ds[r] = m.own()
	m.retained++
	clear(gs)
	if m.hasMiss {
		m.meta[int(i)*m.g+r] = partMeta{lead: pm.lead, taint: noTime, rejected: rej}
	}
	m.tab.touch(i, m.now)
}

// newCand returns a candidate sequence, recycled if one is free.
func (m *Matcher) newCand(first, last, lead int64) *cand {
	c := pop(&m.freeCands)
	if c == nil {
		c = &cand{evs: make([]held, len(m.spec.Stages))}
	}
	c.first, c.last, c.lead, c.ent, c.state = first, last, lead, -1, undecided
	return c
}

// freeCand recycles a candidate that is no longer linked or queued,
// dropping its references to events.
func (m *Matcher) freeCand(c *cand) {
	m.letAll(c.evs)
	c.key, c.keys, c.next = "", nil, nil
	if len(m.freeCands) < maxFreeCopies {
		m.freeCands = append(m.freeCands, c)
	}
}

// cancel drops the partial sequences of a key (until).
func (m *Matcher) cancel(key []byte) {
	i := m.lookup(key)
	if i < 0 {
		return
	}
	m.hits++
	for g := 0; g < m.g; g++ {
		if gs := m.group(i, g); !gs[0].none() {
			m.stats.Cancelled++
			m.partials--
			m.inGroup[g]--
			m.retained -= g + 1
			m.letAll(gs)
		}
	}
	m.dropIfEmpty(i)
}

// Stats returns the matcher's counters.
func (m *Matcher) Stats() Stats {
	s := m.stats
	s.Keys = m.tab.n
	s.Partials = m.partials
	s.Undecided = len(m.queue) - m.qhead
	s.Retained = m.retained
	s.Bytes = m.tab.bytes() +
		int64(cap(m.evs))*16 +
		int64(cap(m.meta))*24 +
		int64(cap(m.mis))*32 +
		int64(cap(m.queue))*8 +
		int64(s.Undecided)*int64(80+16*len(m.spec.Stages)) +
		m.spareBytes()
	return s
}
