package engine

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/sigma"
)

// A Sigma correlation rule keeps, per group (the values of its group-by
// fields), what its referenced rules' events within its timespan add up
// to, and alerts as a threshold rule does (kibana.alert.threshold_result:
// the group, the count, the first event). The alert carries the events
// it stands for (Alert.Events: kibana.alert.ancestors, vigil.sources and
// the events themselves, as a sequence's shell alert does), at most
// maxAlertEvents of them: for sliding windows and temporal rules the
// latest within the timespan, for windows judged at their close the
// first; the threshold result's count is the full number.
//
//   - event_count and value_count with gt/gte: a sliding window; the rule
//     alerts as soon as the events (or distinct values) of the last
//     timespan meet the condition, and the group starts afresh.
//   - temporal: every referenced rule matched within the timespan;
//     temporal_ordered: in the order named. Alerts as soon as they have.
//   - other conditions (lt, lte, eq, neq) and value_sum, value_avg,
//     value_percentile: a window opens at a group's first event and is
//     judged when it closes (the watermark or a later event passes its
//     end, or the stream ends).
//
// State is bounded: at most MaxGroups groups per rule (more are counted
// in Overflow and not started) and maxCorrEntries events or values per
// group (more are counted and dropped).
type sigmaCorrKind struct {
	c         *sigma.Compiled
	span      int64
	maxGroups int
}

// maxCorrEntries bounds the events or values one group remembers.
const maxCorrEntries = 10_000

// maxAlertEvents bounds the events a correlation alert carries, and
// maxKeptEvents those one rule keeps for its alerts, over all groups
// (more are counted in Overflow and not kept).
const (
	maxAlertEvents = 100
	maxKeptEvents  = 100_000
)

// compileSigmaCorrelation makes a correlation rule's kind from what
// compileSigma compiled.
func compileSigmaCorrelation(rs *RuleSet, c *compiled, q *query) (kind, error) {
	cc := rs.sigma.corr[c.rule]
	if cc == nil {
		return nil, unsupportedError("correlation rule without its compiled correlation")
	}
	return &sigmaCorrKind{c: cc, span: int64(cc.Timespan), maxGroups: rs.opt.MaxGroups}, nil
}

func (k *sigmaCorrKind) horizon() time.Duration { return k.c.Timespan }

func (k *sigmaCorrKind) newRunner(e *Engine, l *live) runner {
	return &sigmaCorrRunner{k: k, e: e, l: l, groups: map[string]*corrGroup{}}
}

type sigmaCorrRunner struct {
	k        *sigmaCorrKind
	e        *Engine
	l        *live
	groups   map[string]*corrGroup
	overflow int64
	kept     int // events kept for alerts, over all groups
	key      []byte
}

// corrGroup is one group's window.
type corrGroup struct {
	start  int64 // the window's first event
	terms  []event.Value
	sample *event.Event
	events []*event.Event // what an alert carries, oldest first (maxAlertEvents)
	times  []int64        // events (sliding windows), oldest first
	vals   []string       // their values (value_count), parallel to times
	nums   []float64      // values (value_sum/avg/percentile)
	count  int64
	lastN  [][]int64 // temporal: per base, its events' times in the timespan
}

func (r *sigmaCorrRunner) offer(ev *event.Event) {
	c := r.k.c
	for i, p := range c.Bases {
		if p.Match(ev) {
			r.l.matched++
			r.add(i, ev)
		}
	}
}

// groupKey reads an event's group-by values as base i reads them; ok is
// false when one is missing (the event belongs to no group).
func (r *sigmaCorrRunner) groupKey(i int, ev *event.Event) (string, []event.Value, bool) {
	k := r.key[:0]
	var vals []event.Value
	for _, slots := range r.k.c.GroupBy[i] {
		v, ok := firstPresent(ev, slots)
		if !ok {
			return "", nil, false
		}
		v = firstValue(v)
		s := v.String()
		k = append(k, strings.ToLower(s)...)
		k = append(k, 0)
		vals = append(vals, v)
	}
	r.key = k
	return string(k), vals, true
}

func firstPresent(ev *event.Event, slots []int) (event.Value, bool) {
	for _, s := range slots {
		if v := ev.Get(s); v.Exists() {
			return v, true
		}
	}
	return event.Value{}, false
}

func (r *sigmaCorrRunner) sliding() bool {
	c := r.k.c
	return (c.Type == sigma.EventCount || c.Type == sigma.ValueCount) && c.Rising()
}

func (r *sigmaCorrRunner) add(i int, ev *event.Event) {
	c := r.k.c
	key, vals, ok := r.groupKey(i, ev)
	if !ok {
		return
	}
	g := r.groups[key]
	temporal := c.Type == sigma.Temporal || c.Type == sigma.TemporalOrdered
	if g != nil && !r.sliding() && !temporal && ev.Time >= g.start+r.k.span {
		r.close(key, g)
		g = nil
	}
	if g == nil {
		if len(r.groups) >= r.k.maxGroups {
			r.overflow++
			return
		}
		c := ev.Clone()
		terms := make([]event.Value, len(vals))
		for j := range vals {
			terms[j], _ = firstPresent(c, r.k.c.GroupBy[i][j])
			terms[j] = firstValue(terms[j])
		}
		g = &corrGroup{start: ev.Time, terms: terms, sample: c}
		if temporal {
			g.lastN = make([][]int64, len(r.k.c.Bases))
		}
		r.groups[key] = g
	}
	g.count++
	r.keep(g, ev, temporal || r.sliding())
	switch {
	case temporal:
		r.addTemporal(key, g, i, ev.Time)
	case r.sliding():
		r.addSliding(key, g, i, ev)
	default:
		r.addValue(g, i, ev)
	}
}

// keep remembers an event for the group's alert: in a window that
// slides (recent), the latest within the timespan; else the first.
func (r *sigmaCorrRunner) keep(g *corrGroup, ev *event.Event, recent bool) {
	if recent {
		from := ev.Time - r.k.span
		n := 0
		for n < len(g.events) && g.events[n].Time < from {
			n++
		}
		if len(g.events)-n >= maxAlertEvents {
			n = len(g.events) - maxAlertEvents + 1
		}
		if n > 0 {
			clear(g.events[:n])
			g.events = append(g.events[:0], g.events[n:]...)
			r.kept -= n
		}
	} else if len(g.events) >= maxAlertEvents {
		return
	}
	if r.kept >= maxKeptEvents {
		r.overflow++
		return
	}
	r.kept++
	if len(g.events) == 0 && g.count == 1 {
		g.events = append(g.events, g.sample) // the group's first event, already cloned
		return
	}
	g.events = append(g.events, ev.Clone())
}

// forget ends a group.
func (r *sigmaCorrRunner) forget(key string, g *corrGroup) {
	r.kept -= len(g.events)
	delete(r.groups, key)
}

// addSliding adds an event to a sliding window and alerts when the
// events of the last timespan meet the condition.
func (r *sigmaCorrRunner) addSliding(key string, g *corrGroup, i int, ev *event.Event) {
	c := r.k.c
	from := ev.Time - r.k.span
	n := 0
	for n < len(g.times) && g.times[n] < from {
		n++
	}
	g.times = g.times[n:]
	if c.Type == sigma.ValueCount {
		g.vals = g.vals[n:]
	}
	if len(g.times) >= maxCorrEntries {
		r.overflow++
		return
	}
	if c.Type == sigma.ValueCount {
		v, ok := firstPresent(ev, c.Field[i])
		if !ok {
			return
		}
		g.times = append(g.times, ev.Time)
		g.vals = append(g.vals, strings.ToLower(firstValue(v).String()))
		distinct := map[string]struct{}{}
		for _, s := range g.vals {
			distinct[s] = struct{}{}
		}
		if c.Holds(float64(len(distinct))) {
			r.raise(g, int64(len(g.times)), g.times[0])
			r.forget(key, g)
		}
		return
	}
	g.times = append(g.times, ev.Time)
	if c.Holds(float64(len(g.times))) {
		r.raise(g, int64(len(g.times)), g.times[0])
		r.forget(key, g)
	}
}

// addTemporal records base i's event and alerts when every base matched
// within the timespan (in order, for temporal_ordered).
func (r *sigmaCorrRunner) addTemporal(key string, g *corrGroup, i int, t int64) {
	from := t - r.k.span
	for j, ts := range g.lastN {
		n := 0
		for n < len(ts) && ts[n] < from {
			n++
		}
		g.lastN[j] = ts[n:]
	}
	if len(g.lastN[i]) >= maxCorrEntries {
		r.overflow++
		return
	}
	g.lastN[i] = append(g.lastN[i], t)
	c := r.k.c
	first, ok := int64(0), true
	if c.Type == sigma.TemporalOrdered {
		// Walk back from the last base: each earlier base needs an event
		// no later than the next one's.
		bound := int64(math.MaxInt64)
		for j := len(g.lastN) - 1; j >= 0; j-- {
			ts := g.lastN[j]
			k := sort.Search(len(ts), func(x int) bool { return ts[x] > bound }) - 1
			if k < 0 {
				ok = false
				break
			}
			bound = ts[k]
		}
		first = bound
	} else {
		matched := 0
		first = t
		for _, ts := range g.lastN {
			if len(ts) > 0 {
				matched++
				first = min(first, ts[0])
			}
		}
		ok = c.Holds(float64(matched))
	}
	if ok {
		n := int64(0)
		for _, ts := range g.lastN {
			n += int64(len(ts))
		}
		r.raise(g, n, first)
		r.forget(key, g)
	}
}

// addValue adds an event to a tumbling window judged when it closes.
func (r *sigmaCorrRunner) addValue(g *corrGroup, i int, ev *event.Event) {
	c := r.k.c
	if c.Field == nil {
		return
	}
	v, ok := firstPresent(ev, c.Field[i])
	if !ok {
		return
	}
	v = firstValue(v)
	if c.Type == sigma.ValueCount {
		if len(g.vals) < maxCorrEntries {
			s := strings.ToLower(v.String())
			if !slices.Contains(g.vals, s) {
				g.vals = append(g.vals, s)
			}
		} else {
			r.overflow++
		}
		return
	}
	n, ok := match.NumberKey(v)
	if !ok {
		return
	}
	if len(g.nums) >= maxCorrEntries {
		r.overflow++
		return
	}
	g.nums = append(g.nums, n)
}

// close judges a tumbling window.
func (r *sigmaCorrRunner) close(key string, g *corrGroup) {
	r.forget(key, g)
	c := r.k.c
	var v float64
	switch c.Type {
	case sigma.EventCount:
		v = float64(g.count)
	case sigma.ValueCount:
		v = float64(len(g.vals))
	case sigma.ValueSum, sigma.ValueAvg:
		if len(g.nums) == 0 {
			return
		}
		for _, n := range g.nums {
			v += n
		}
		if c.Type == sigma.ValueAvg {
			v /= float64(len(g.nums))
		}
	case sigma.ValuePercentile:
		if len(g.nums) == 0 {
			return
		}
		sort.Float64s(g.nums)
		v = g.nums[int(math.Ceil(c.Percentile/100*float64(len(g.nums))))-1+boolInt(c.Percentile == 0)]
	default:
		return
	}
	if c.Holds(v) {
		r.raise(g, g.count, g.start)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *sigmaCorrRunner) raise(g *corrGroup, count, from int64) {
	res := &alert.ThresholdResult{Count: count, From: from}
	for j, name := range r.k.c.GroupNames {
		if j < len(g.terms) {
			res.Terms = append(res.Terms, alert.Term{Field: name, Value: g.terms[j]})
		}
	}
	var evs []*event.Event
	for _, ev := range g.events {
		if ev.Time >= from {
			evs = append(evs, ev)
		}
	}
	e, sample := r.e, g.sample
	e.emit(r.l, from, func() *alert.Alert {
		a := alert.NewThreshold(e.rs.fields, r.l.c.rule, res, sample, e.now())
		a.Events = evs
		return a
	})
}

// advance closes the windows that end before the watermark, and forgets
// sliding and temporal groups with nothing left in their timespan.
func (r *sigmaCorrRunner) advance(wm int64) {
	for _, key := range r.sortedKeys() {
		g := r.groups[key]
		if wm < g.start+r.k.span {
			continue
		}
		switch c := r.k.c; {
		case c.Type == sigma.Temporal || c.Type == sigma.TemporalOrdered || r.sliding():
			last := g.start
			for _, t := range g.times {
				last = max(last, t)
			}
			for _, ts := range g.lastN {
				if len(ts) > 0 {
					last = max(last, ts[len(ts)-1])
				}
			}
			if wm >= last+r.k.span {
				r.forget(key, g)
			}
		default:
			r.close(key, g)
		}
	}
}

// sortedKeys orders groups by their first event, for a stable alert
// order.
func (r *sigmaCorrRunner) sortedKeys() []string {
	keys := make([]string, 0, len(r.groups))
	for k := range r.groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := r.groups[keys[i]], r.groups[keys[j]]
		if a.start != b.start {
			return a.start < b.start
		}
		return keys[i] < keys[j]
	})
	return keys
}

func (r *sigmaCorrRunner) flush() { r.advance(math.MaxInt64) }

func (r *sigmaCorrRunner) active() bool { return true }

func (r *sigmaCorrRunner) stats(st *RuleStats) { st.Overflow = r.overflow }
