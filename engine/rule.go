package engine

import (
	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

type ruleKind uint8

const (
	kindEvent ruleKind = iota
	kindSequence
	kindSample
	kindThreshold
	kindNewTerms
	kindThreat
)

// liveRule is one compiled rule and its state.
type liveRule struct {
	rule     *rule.Rule
	kind     ruleKind
	patterns patternSet
	catMask  uint64 // 0: no category prefilter
	catSlot  int
	tsSlot   int // timestamp_override, or -1
	// tsNoFallback is timestamp_override_fallback_disabled: events
	// without the override field are not considered.
	tsNoFallback bool
	pred         match.Pred
	seq          *sequence.Matcher
	pipe         *sequence.Pipe
	sampler      *sequence.Sampler
	thr          *thresholdState
	nt           *newTermsState
	threat       *threatState
	limit        signalLimiter

	onResult func(sequence.Result) // built once: no closure per event
	onThresh func(*alert.ThresholdResult, *event.Event)
	onTerms  func(*event.Event, []event.Value)

	// filings say where the rule index files the rule: under the needs of
	// requirements its events must meet, or always.
	filings []filing
	gen     uint64

	offered, matched, alerts int64
}

// filing is one way the rule index reaches a rule: under the needs of a
// requirement, or, with req nil, always. A sequence's first stage (and
// leading missing-event stages) file it statically; its later stages and
// until only while its matcher holds state (later): with nothing pending,
// only an event of the first stage can change anything.
type filing struct {
	req   requirement
	later bool
}

// active reports whether the rule takes events through its later filings.
func (r *liveRule) active() bool {
	return r.kind != kindSequence || r.seq.Active()
}

// wants applies the category prefilter: a rule whose queries all name
// categories skips events of other categories.
func (r *liveRule) wants(mask uint64, catSlot int) bool {
	return r.catMask == 0 || r.catSlot != catSlot || mask&r.catMask != 0
}

// offer runs the rule on one event.
func (r *liveRule) offer(e *Engine, ev *event.Event) {
	r.offered++
	if r.tsSlot >= 0 {
		if t, ok := e.overrideTime(ev, r.tsSlot); ok {
			saved := ev.Time
			ev.Time = t
			defer func() { ev.Time = saved }()
		} else if r.tsNoFallback {
			return
		}
	}
	switch r.kind {
	case kindEvent:
		if r.pred.Match(ev) {
			r.matched++
			e.raiseEvent(r, ev)
		}
	case kindSequence:
		r.seq.Push(ev, r.onResult)
	case kindSample:
		r.sampler.Push(ev)
	case kindThreshold:
		if r.pred.Match(ev) {
			r.matched++
			r.thr.add(ev, r.onThresh)
		}
	case kindNewTerms:
		if r.pred.Match(ev) {
			r.matched++
			r.nt.add(ev, r.onTerms)
		}
	case kindThreat:
		// Without indicators nothing can match: skip the query.
		if r.threat.indicators > 0 && r.pred.Match(ev) {
			r.matched++
			if en := e.findIndicators(r.threat, ev); len(en) > 0 {
				e.raiseThreat(r, ev, en)
			}
		}
	}
}

func (r *liveRule) flush(e *Engine) {
	switch r.kind {
	case kindSequence:
		r.seq.Flush(r.onResult)
		r.pipe.Flush()
	case kindSample:
		r.sampler.Flush(func(res sequence.Result) { r.pipe.Push(res) })
		r.pipe.Flush()
	case kindThreshold:
		r.thr.flush(r.onThresh)
	}
}
