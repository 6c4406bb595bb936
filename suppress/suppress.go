package suppress

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// Suppressor folds a rule's alerts into one per group and window. It is
// not safe for concurrent use.
type Suppressor struct {
	// Admit, when set, is asked before an alert opens a group or leaves
	// unsuppressed (an engine's max_signals budget: alerts folded into a
	// kept one do not count, as in Kibana); an alert it refuses is dropped.
	Admit func(a *alert.Alert) bool

	kind      kind
	fields    []string
	slots     []int
	duration  int64 // ns; 0: per interval
	interval  int64 // ns
	suppress  bool  // missing_fields_strategy suppress
	max       int
	emit      func(*alert.Alert)
	groups    map[string]*group
	queue     []*group // groups in the order they opened (their windows end in that order)
	head      int
	key       []byte
	suppresed int64
	overflow  int64
}

type kind uint8

const (
	perElement kind = iota // custom query: arrays per element
	whole                  // new_terms, threat_match, single-event EQL: arrays whole
	threshold              // threshold: by the threshold terms
	sequence               // EQL sequence: ordered tuple of every event's values
)

type group struct {
	key  string
	end  int64 // ns: the window closes at end (exclusive)
	kept *alert.Alert
	done bool
}

// DefaultMax is the bound on open groups per rule.
const DefaultMax = 100_000

// New returns the suppressor of rule r, or nil when the rule has no
// alert_suppression. The group_by fields are resolved in schema; max
// bounds the open groups (0: DefaultMax); emit receives every alert that
// leaves, kept ones when their window closes.
func New(r *rule.Rule, schema *event.Schema, max int, emit func(*alert.Alert)) *Suppressor {
	as := r.AlertSuppression
	if as == nil {
		return nil
	}
	if max <= 0 {
		max = DefaultMax
	}
	s := &Suppressor{fields: as.GroupBy, interval: int64(r.IntervalDuration()), max: max, emit: emit,
		suppress: as.MissingFieldsStrategy != "doNotSuppress", groups: map[string]*group{}}
	if s.interval <= 0 {
		s.interval = int64(5 * time.Minute)
	}
	if d := as.Duration; d != nil {
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[d.Unit]
		s.duration = int64(time.Duration(d.Value) * unit)
	}
	switch {
	case r.Type == "threshold":
		s.kind = threshold
	case r.Type == "query":
		s.kind = perElement
	default:
		s.kind = whole
	}
	for _, f := range s.fields {
		s.slots = append(s.slots, schema.Slot(f))
	}
	return s
}

// Stats returns the alerts suppressed into kept ones, and the groups
// emitted early because the state was full.
func (s *Suppressor) Stats() (suppressed, overflow int64) { return s.suppresed, s.overflow }

// Add offers an alert. It is emitted at once when it belongs to no group
// (doNotSuppress and a missing field); otherwise it opens a group, whose
// kept alert leaves when the window closes, or it is folded into the open
// group's kept alert.
func (s *Suppressor) Add(a *alert.Alert) {
	t := a.OriginalTime
	s.Advance(t)
	for _, terms := range s.groupsOf(a) {
		s.addTo(a, terms, t)
	}
}

// addTo folds a into the group of terms, or opens it.
func (s *Suppressor) addTo(a *alert.Alert, terms []alert.Term, t int64) {
	if terms == nil {
		if s.Admit == nil || s.Admit(a) {
			s.emit(a)
		}
		return
	}
	k := s.key[:0]
	for _, tm := range terms {
		k = append(k, tm.Field...)
		k = append(k, 0)
		k = appendValueKey(k, tm.Value)
		k = append(k, 1)
	}
	s.key = k
	if g, ok := s.groups[string(k)]; ok && t < g.end {
		sup := g.kept.Suppression
		sup.DocsCount++
		sup.Start = min(sup.Start, t)
		sup.End = max(sup.End, t)
		s.suppresed++
		return
	}
	if s.Admit != nil && !s.Admit(a) {
		return
	}
	if len(s.groups) >= s.max {
		s.closeOldest()
		s.overflow++
	}
	kept := a
	if s.kind == perElement && len(terms) > 0 && s.multi(a) {
		// One alert per group an array put it in: each its own id.
		c := *a
		c.ID = groupID(a.ID, k)
		kept = &c
	}
	kept.Suppression = &alert.Suppression{Terms: terms, Start: t, End: t}
	g := &group{key: string(k), kept: kept, end: s.windowEnd(t)}
	s.groups[g.key] = g
	s.queue = append(s.queue, g)
}

// windowEnd returns when a window opened at t closes.
func (s *Suppressor) windowEnd(t int64) int64 {
	if s.duration > 0 {
		return t + s.duration
	}
	return (floorDiv(t, s.interval) + 1) * s.interval
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Advance emits the kept alerts of groups whose window closed by event
// time t.
func (s *Suppressor) Advance(t int64) {
	for s.head < len(s.queue) {
		g := s.queue[s.head]
		if !g.done && t < g.end {
			return
		}
		s.pop()
	}
}

// Flush emits every kept alert.
func (s *Suppressor) Flush() {
	for s.head < len(s.queue) {
		s.pop()
	}
}

// closeOldest emits the oldest open group early.
func (s *Suppressor) closeOldest() {
	for s.head < len(s.queue) {
		done := s.queue[s.head].done
		s.pop()
		if !done {
			return
		}
	}
}

// pop takes the oldest group off the queue and emits its kept alert.
func (s *Suppressor) pop() {
	g := s.queue[s.head]
	s.queue[s.head] = nil
	s.head++
	if s.head > 1024 && s.head*2 > len(s.queue) {
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
	if g.done {
		return
	}
	g.done = true
	if s.groups[g.key] == g {
		delete(s.groups, g.key)
	}
	s.emit(g.kept)
}

// multi reports whether an alert's group_by values hold an array with
// more than one element (so it may open several groups).
func (s *Suppressor) multi(a *alert.Alert) bool {
	ev := firstEvent(a)
	if ev == nil {
		return false
	}
	for _, slot := range s.slots {
		if v := ev.Get(slot); v.Kind() == event.KindArray && len(v.Array()) > 1 {
			return true
		}
	}
	return false
}

func firstEvent(a *alert.Alert) *event.Event {
	for _, ev := range a.Events {
		if ev != nil {
			return ev
		}
	}
	return nil
}

func groupID(id string, key []byte) string {
	h := sha256.New()
	h.Write([]byte(id))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil))
}

// appendValueKey appends a value to a group key, its kind first.
func appendValueKey(dst []byte, v event.Value) []byte {
	dst = append(dst, byte(v.Kind()))
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			dst = appendValueKey(dst, e)
			dst = append(dst, 2)
		}
		return dst
	}
	return append(dst, v.String()...)
}
