package engine

import (
	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

type ruleKind uint8

const (
	kindEvent ruleKind = iota
	kindSequence
	kindSample
	kindThreshold
)

// liveRule is one compiled rule and its state.
type liveRule struct {
	rule     *rule.Rule
	kind     ruleKind
	patterns patternSet
	catMask  uint64 // 0: no category prefilter
	catSlot  int
	tsSlot   int // timestamp_override, or -1
	pred     eql.Pred
	seq      *sequence.Matcher
	pipe     *sequence.Pipe
	sampler  *sequence.Sampler
	thr      *thresholdState
	limit    signalLimiter

	onResult func(sequence.Result) // built once: no closure per event
	onThresh func(*alert.ThresholdResult, *event.Event)

	// reqs file the rule in the rule index: the rule can only match an
	// event holding one of a requirement's values (one per stage for
	// sequences); none means it is offered every routed event.
	reqs []requirement
	gen  uint64

	offered, matched, alerts int64
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
		if t, ok := event.ParseTime(ev.Get(r.tsSlot)); ok {
			saved := ev.Time
			ev.Time = t
			defer func() { ev.Time = saved }()
		} else if r.rule.TimestampOverrideFallbackDisabled {
			return
		}
	}
	switch r.kind {
	case kindEvent:
		if r.pred.Match(ev) {
			r.matched++
			e.raise(r, []*event.Event{ev.Clone()}, nil)
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
