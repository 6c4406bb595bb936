package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// thresholdState counts a threshold rule's matching events per group over
// tumbling windows of event time, each as long as the rule's look-back
// (interval plus the extra look-back of "from"). At the end of a window,
// every group whose count reaches threshold.value, and whose distinct
// counts reach each cardinality value, raises one alert. Kibana evaluates
// overlapping look-back windows on a schedule and remembers which buckets
// already alerted; tumbling windows give the same alerts without the
// overlap, once per group and window.
type thresholdState struct {
	*thresholdKind
	e        *Engine
	l        *live
	start    int64 // current window start; 0 before the first event
	groups   map[string]*thresholdGroup
	overflow int64
	key      []byte
}

// thresholdKind is a threshold rule's compiled form.
type thresholdKind struct {
	r         *rule.Rule
	pred      match.Pred
	window    int64 // ns
	groupBy   []int // slots
	cardSlots []int
	maxGroups int
}

type thresholdGroup struct {
	terms    []event.Value
	count    int64
	first    int64
	sample   *event.Event
	distinct []map[string]struct{}
}

// maxDistinct bounds the distinct values remembered per group and field.
const maxDistinct = 10_000

// compileThreshold makes a threshold rule: the query's matching events
// counted per group in windows of the rule's look-back.
func compileThreshold(rs *RuleSet, c *compiled, q *query) (kind, error) {
	r := c.rule
	if r.Threshold == nil {
		return nil, fmt.Errorf("%s:%d: threshold rule without [rule.threshold]", r.Path, r.Line)
	}
	pred, err := eventQuery(c, q)
	if err != nil {
		return nil, err
	}
	window := r.Window()
	if window <= 0 {
		window = r.IntervalDuration()
	}
	k := &thresholdKind{r: r, pred: pred, window: int64(window), maxGroups: rs.opt.MaxGroups}
	for _, f := range r.Threshold.Field {
		if f != "" {
			k.groupBy = append(k.groupBy, rs.schema.Slot(f))
		}
	}
	for _, cd := range r.Threshold.Cardinality {
		k.cardSlots = append(k.cardSlots, rs.schema.Slot(cd.Field))
	}
	return k, nil
}

func (k *thresholdKind) horizon() time.Duration { return time.Duration(k.window) }

func (k *thresholdKind) newRunner(e *Engine, l *live) runner {
	return &thresholdState{thresholdKind: k, e: e, l: l, groups: make(map[string]*thresholdGroup)}
}

func (t *thresholdState) offer(ev *event.Event) {
	if t.pred.Match(ev) {
		t.l.matched++
		t.add(ev)
	}
}

// advance closes the window once the watermark passes its end.
func (t *thresholdState) advance(wm int64) {
	if t.start != 0 && wm >= t.start+t.window {
		t.flush()
		t.start = 0
	}
}

func (t *thresholdState) active() bool { return true }

func (t *thresholdState) stats(st *RuleStats) { st.Overflow = t.overflow }

// raise emits the alert of a group that reached the threshold.
func (t *thresholdState) raise(res *alert.ThresholdResult, sample *event.Event) {
	e := t.e
	e.emit(t.l, res.From, func() *alert.Alert { return alert.NewThreshold(e.rs.fields, t.r, res, sample, e.now()) })
}

// add counts a matching event, first closing the window if the event lies
// beyond it.
func (t *thresholdState) add(ev *event.Event) {
	if t.start == 0 || ev.Time >= t.start+t.window {
		t.flush()
		t.start = ev.Time - ev.Time%t.window
	}
	// A group-by field with several values puts the event in the group of
	// its first value, as a terms aggregation over a keyword would count
	// each value; Kibana's threshold uses the first.
	k := t.key[:0]
	vals := make([]event.Value, 0, len(t.groupBy))
	for _, slot := range t.groupBy {
		v := ev.Get(slot)
		if v.Kind() == event.KindArray {
			if len(v.Array()) == 0 {
				return
			}
			v = v.Array()[0]
		}
		if !v.Exists() {
			return // documents missing a group-by field are not counted
		}
		k = append(k, v.String()...)
		k = append(k, 0)
		vals = append(vals, v)
	}
	t.key = k
	g := t.groups[string(k)]
	if g == nil {
		if len(t.groups) >= t.maxGroups {
			t.overflow++
			return
		}
		c := ev.Clone()
		terms := make([]event.Value, len(t.groupBy))
		for i, slot := range t.groupBy {
			terms[i] = firstValue(c.Get(slot))
		}
		g = &thresholdGroup{terms: terms, first: ev.Time, sample: c}
		for range t.cardSlots {
			g.distinct = append(g.distinct, make(map[string]struct{}))
		}
		t.groups[string(k)] = g
	}
	g.count++
	for i, slot := range t.cardSlots {
		d := g.distinct[i]
		ev.Get(slot).Each(func(v event.Value) bool {
			if v.Exists() && len(d) < maxDistinct {
				d[strings.Clone(v.String())] = struct{}{}
			}
			return false
		})
	}
}

func firstValue(v event.Value) event.Value {
	if v.Kind() == event.KindArray && len(v.Array()) > 0 {
		return v.Array()[0]
	}
	return v
}

// flush raises the alerts of the current window and starts afresh.
func (t *thresholdState) flush() {
	th := t.r.Threshold
	keys := make([]string, 0, len(t.groups))
	for k := range t.groups {
		keys = append(keys, k)
	}
	// Alerts go out in a stable order: by first event, then group.
	sort.Slice(keys, func(i, j int) bool {
		a, b := t.groups[keys[i]], t.groups[keys[j]]
		if a.first != b.first {
			return a.first < b.first
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		g := t.groups[k]
		if g.count < int64(th.Value) {
			continue
		}
		res := &alert.ThresholdResult{Count: g.count, From: g.first}
		ok := true
		for i, c := range th.Cardinality {
			n := int64(len(g.distinct[i]))
			if n < int64(c.Value) {
				ok = false
				break
			}
			res.Cardinality = append(res.Cardinality, alert.CardinalityResult{Field: c.Field, Value: n})
		}
		if !ok {
			continue
		}
		for i, f := range th.Field {
			if i < len(g.terms) {
				res.Terms = append(res.Terms, alert.Term{Field: f, Value: g.terms[i]})
			}
		}
		t.raise(res, g.sample)
	}
	clear(t.groups)
}
