package engine

import (
	"sync"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
)

// Judging on arrival (vigil hunt): the rule index, and the rules that
// judge each event alone and raise an alert of that event (event queries
// without alert suppression: judged rules), run in the goroutines that
// read the inputs, on each event right after it is decoded, while it is
// still in cache. A Judge records on the event (event.Verdict) which
// judged rules matched, which other rules the index offers it (those
// filed under a later stage of a sequence: only if the sequence then
// waits for one) and whether a threat_match rule takes it as an
// indicator. The events then wait to be put in time order, and an
// Arrived, in order, raises the recorded matches (max_signals counts in
// event-time order, as always) and offers the event to the recorded
// rules, without walking the index again. An event with nothing left to
// do need not wait with its values at all: the reader may pass on a tick
// (its time only), which the Arrived counts as a step of the stream. The
// alerts, their order and the rules' counters are a single Engine's,
// but for the offers of a gated rule (see gated), which count only the
// events its gate let through.

// Arrived is the in-order half of judging on arrival: an evaluator over a
// rule set for one stream, like an Engine (whose events need not carry a
// verdict: those without are evaluated whole). Its methods are called
// from one goroutine; its Judges from one goroutine each.
type Arrived struct {
	eng    *Engine
	judged []bool // by compiled.idx: the rule is judged
	// gates are, by compiled.idx, the gates of the rules that have one
	// (see gated), nil for the others.
	gates []func(*event.Event) bool
	// stageGates are, by compiled.idx, the gates of one stage of the
	// rules that have them (see stageGated), nil for the others.
	stageGates     []func(*event.Event, int16) bool
	events, offers int64 // events taken, and offers of them to rules that are not judged
	ticks          int64 // events taken as ticks (see event.Verdict.Tick)

	mu     sync.Mutex
	judges []*Judge // every Judge made, for its counters (Stats)
	free   []*Judge // Judges given back (Done), to reuse
}

// judgeable reports whether a Judge may run the rule: an event rule
// (KQL, EQL or Sigma event query), whose only effect is one alert of
// the matching event, without alert suppression.
func judgeable(c *compiled) bool {
	_, ok := c.kind.(*eventKind)
	return ok && c.rule.AlertSuppression == nil
}

// NewArrived starts an Arrived over the rule set; its alerts go to sink
// (alert.Discard when nil).
func (rs *RuleSet) NewArrived(sink alert.Sink) *Arrived {
	a := &Arrived{eng: rs.NewEngine(sink), judged: make([]bool, len(rs.rules)), gates: make([]func(*event.Event) bool, len(rs.rules)),
		stageGates: make([]func(*event.Event, int16) bool, len(rs.rules))}
	for i, c := range rs.rules {
		a.judged[i] = judgeable(c)
		if g, ok := c.kind.(gated); ok && !a.judged[i] {
			a.gates[i] = g.gate
			if sg, ok := g.(stageGated); ok {
				a.stageGates[i] = sg.gateStage
			}
		}
	}
	return a
}

// gated is a kind whose runner does nothing with an event that fails a
// test of the event alone (a sequence's stage filters, an ES|QL query's
// WHERE conditions, an indicator match rule's query): a Judge runs the
// test, and only the events that pass wait to be offered in order. Most
// events the index offers such rules fail it; with nothing else to do,
// they travel on as ticks.
type gated interface {
	// gate reports whether offering ev may change the rule's state or
	// raise an alert. It is called from any Judge's goroutine.
	gate(ev *event.Event) bool
}

// stageGated is a gated kind (a sequence) filed in the rule index stage
// by stage (entry.stage): the gate of an entry of one stage tests that
// stage alone. An event that fails it may still pass another stage,
// through that stage's own entry.
type stageGated interface {
	gated
	gateStage(ev *event.Event, stage int16) bool
}

// judgeMode is what turns an engine into a Judge's: the verdict being
// given and which rules are judged.
type judgeMode struct {
	v          *event.Verdict
	judged     []bool
	gates      []func(*event.Event) bool
	stageGates []func(*event.Event, int16) bool
}

// Judge gives events their verdicts (see Arrived). Each is used by one
// goroutine at a time.
type Judge struct {
	a   *Arrived
	eng *Engine // the whole rule set, in judging mode
}

// NewJudge returns a Judge, reused if one was given back (Done). It may
// be called from any goroutine.
func (a *Arrived) NewJudge() *Judge {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.free); n > 0 {
		j := a.free[n-1]
		a.free = a.free[:n-1]
		return j
	}
	j := &Judge{a: a, eng: a.eng.rs.NewEngine(nil)}
	j.eng.judging = &judgeMode{judged: a.judged, gates: a.gates, stageGates: a.stageGates}
	a.judges = append(a.judges, j)
	return j
}

// Done gives the Judge back for another goroutine to use.
func (j *Judge) Done() {
	j.a.mu.Lock()
	defer j.a.mu.Unlock()
	j.a.free = append(j.a.free, j)
}

// Judge runs the index and the judged rules on ev and records the
// verdict on it. It reports whether the event's values are still needed
// in order (event.Verdict.Keep); an event they are not may travel on as
// a tick.
func (j *Judge) Judge(ev *event.Event) (keep bool) {
	v := &ev.Verdict
	if j.eng.rs.opt.NoIndex {
		return true // no index to run: the event is evaluated whole, in order
	}
	v.Matches, v.Offers = v.Matches[:0], v.Offers[:0]
	j.eng.judging.v = v
	j.eng.Process(ev)
	j.eng.judging.v = nil
	v.Judged = true
	return v.Keep()
}

// record is offerTo in judging mode: judged rules are run (their matches
// recorded, see raiseEvent), the others recorded as offers, unless their
// gate (see gated) turns the event away: the gate of the entry's stage
// when the rule has those (see stageGated), else the whole gate.
func (e *Engine) record(ents []entry, ev *event.Event, mask uint64) {
	jm := e.judging
	for i := range ents {
		en := &ents[i]
		if en.pair != 0 {
			e.offerPair(*en, ev, mask) // see recordRule
			continue
		}
		if !en.wants(mask) {
			continue
		}
		if e.seen[en.r] == e.gen || en.unless != 0 && ev.Get(int(en.unless-1)).Kind() != event.KindMissing {
			continue
		}
		if g := jm.gates[en.r]; g != nil {
			if sg := jm.stageGates[en.r]; sg != nil && en.stage != 0 {
				if !sg(ev, en.stage) {
					continue // not this entry's stage; another's may let ev through
				}
			} else if !g(ev) {
				e.seen[en.r] = e.gen // whatever the filing, the rule has no use for ev
				continue
			}
		}
		switch {
		case jm.judged[en.r]:
			e.seen[en.r] = e.gen
			e.offer(e.live[en.r], ev)
		case en.later:
			// Whether the sequence waits for a later stage is known
			// only in order; the rule may still be recorded as offered
			// outright by another filing.
			jm.v.Offers = append(jm.v.Offers, event.Offer{Rule: int32(en.r), Later: true})
			jm.v.Held++ // see held
		default:
			e.seen[en.r] = e.gen
			jm.v.Offers = append(jm.v.Offers, event.Offer{Rule: int32(en.r)})
			if held(e.live[en.r].c) {
				jm.v.Held++ // see held
			}
		}
	}
}

// recordRule is record for a rule filed under two requirements (see
// offerPair) once the event has met both: such filings are of event
// queries, which have neither stages nor later entries.
func (e *Engine) recordRule(l *live, ev *event.Event) {
	jm := e.judging
	r := l.c.idx
	e.seen[r] = e.gen
	switch {
	case jm.gates[r] != nil && !jm.gates[r](ev):
	case jm.judged[r]:
		e.offer(l, ev)
	default:
		jm.v.Offers = append(jm.v.Offers, event.Offer{Rule: int32(r)})
		if held(l.c) {
			jm.v.Held++ // see held
		}
	}
}

// Process takes the next event in time order (see Engine.Process).
func (a *Arrived) Process(ev *event.Event) {
	a.events++
	v := &ev.Verdict
	e := a.eng
	if !v.Judged {
		e.Process(ev)
		return
	}
	a.offers += int64(len(v.Offers))
	if v.Tick {
		a.ticks++
	}
	ev.UseFolds(&e.folds)
	e.gen++
	e.snaps.Next()
	e.snaps.Sweep(e.eachMatcher)
	if v.Indicator {
		e.AddIndicator(ev)
	}
	if len(v.Matches) > 0 {
		saved := ev.Time
		for _, m := range v.Matches {
			// In the rule's time, as Engine.run offered it.
			ev.Time = m.Time
			e.raiseEvent(e.live[m.Rule], ev)
		}
		ev.Time = saved
	}
	offers := v.Offers
	if v.Tick && len(offers) > 0 {
		e.offerHeld(ev) // a held tick's (see held)
		offers = nil
	}
	for _, o := range offers {
		if l := e.due(o); l != nil {
			e.offer(l, ev)
		}
	}
	ev.UseFolds(nil)
	e.release()
}

// due returns the rule of a recorded offer if the offer is to be made
// now, marking it made for this event: once per event, and a later
// stage's only while its sequence waits for one. It returns nil if not.
func (e *Engine) due(o event.Offer) *live {
	if e.seen[o.Rule] == e.gen {
		return nil
	}
	l := e.live[o.Rule]
	if o.Later && !l.run.active() {
		return nil
	}
	e.seen[o.Rule] = e.gen
	return l
}

// Counts returns how many events the Arrived took, how many of them came
// as ticks, and how many offers of them it made to rules that are not
// judged (evaluated in order).
func (a *Arrived) Counts() (events, ticks, offers int64) { return a.events, a.ticks, a.offers }

// Advance is Engine.Advance.
func (a *Arrived) Advance(watermark int64) { a.eng.Advance(watermark) }

// Flush is Engine.Flush.
func (a *Arrived) Flush() { a.eng.Flush() }

// Sync returns at once (see Engine.Sync).
func (a *Arrived) Sync() {}

// Close ends the Arrived without Flush; it holds nothing to release.
func (a *Arrived) Close() {}

// AddIndicator is Engine.AddIndicator.
func (a *Arrived) AddIndicator(ev *event.Event) bool { return a.eng.AddIndicator(ev) }

// IndicatorStats is Engine.IndicatorStats.
func (a *Arrived) IndicatorStats() (kept, overflow int64) { return a.eng.IndicatorStats() }

// Stats returns per-rule counters in rule order, a single Engine's: the
// judged rules' evaluations are summed over the Judges. Call it when no
// Judge is running.
func (a *Arrived) Stats() []RuleStats {
	out := a.eng.Stats()
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range out {
		if !a.judged[i] {
			continue
		}
		st := &out[i]
		l := a.eng.live[i]
		timed, timedNs := l.timed, l.timedNs
		for _, j := range a.judges {
			l := j.eng.live[i]
			st.Offered += l.offered
			st.Matched += l.matched
			timed += l.timed
			timedNs += l.timedNs
		}
		if timed > 0 {
			st.EvalTime = time.Duration(float64(timedNs) * float64(st.Offered) / float64(timed))
		}
	}
	return out
}
