package engine

import (
	"fmt"
	"time"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
)

// sequenceKind is an EQL sequence rule: a state machine per join key (see
// package sequence), results through the program's head and tail pipes.
type sequenceKind struct {
	spec  *sequence.Spec
	ops   []sequence.PipeOp
	names [][]string // join key names per stage, then until (see Locality)
	// first is, per stage of the program, the index in spec.Stages of
	// its first copy (a stage with runs=N is N of them), for gateStage.
	first []int
}

// sampleKind is an EQL sample rule.
type sampleKind struct {
	spec *sequence.SampleSpec
	ops  []sequence.PipeOp
}

// compileStages compiles a sequence or sample query, checking its runtime
// form once so that engines can build theirs without errors.
func compileStages(rs *RuleSet, c *compiled, p *eql.Program) (kind, error) {
	r := c.rule
	if p.Kind() == eql.SampleQuery {
		spec := SampleSpec(p, 1, rs.broad)
		if _, err := sequence.NewSampler(spec, sequence.SampleOptions{MaxKeys: rs.opt.MaxPending}); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.Path, r.QueryLine, err)
		}
		return &sampleKind{spec: spec, ops: PipeOps(p)}, nil
	}
	spec := SequenceSpec(p, rs.broad)
	rs.rankStages(spec, p)
	if _, err := sequence.NewMatcher(spec, sequence.Options{MaxPending: rs.opt.MaxPending}); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", r.Path, r.QueryLine, err)
	}
	k := &sequenceKind{spec: spec, ops: PipeOps(p), names: keyNames(p)}
	i := 0
	for _, cs := range p.Stages {
		k.first = append(k.first, i)
		i += max(cs.Runs, 1)
	}
	return k, nil
}

// newPipe makes the pipes a rule's results go through to become alerts.
func newPipe(e *Engine, l *live, ops []sequence.PipeOp) *sequence.Pipe {
	return sequence.NewPipe(ops, func(res sequence.Result) {
		l.matched++
		e.raise(l, res.Events, res.Keys)
	})
}

func (k *sequenceKind) horizon() time.Duration {
	if k.spec.MaxSpan <= 0 {
		return -1
	}
	return k.spec.MaxSpan
}

func (k *sampleKind) horizon() time.Duration { return -1 }

type sequenceRunner struct {
	e        *Engine
	m        *sequence.Matcher
	pipe     *sequence.Pipe
	onResult func(sequence.Result) // built once: no closure per event
}

func (k *sequenceKind) newRunner(e *Engine, l *live) runner {
	m, err := sequence.NewMatcher(k.spec, sequence.Options{MaxPending: e.rs.opt.MaxPending, Retain: e.snaps.Retain})
	if err != nil {
		panic("engine: a compiled sequence failed to start: " + err.Error()) // checked by compileStages
	}
	r := &sequenceRunner{e: e, m: m, pipe: newPipe(e, l, k.ops)}
	r.onResult = func(res sequence.Result) {
		res.Events = e.restore(res.Events)
		r.pipe.Push(res)
	}
	return r
}

func (r *sequenceRunner) offer(ev *event.Event) {
	h := r.m.Hits()
	r.m.Push(ev, r.onResult)
	if r.m.Hits() != h {
		r.e.accepted = true
	}
}
func (r *sequenceRunner) advance(wm int64) { r.m.Advance(wm, r.onResult) }
func (r *sequenceRunner) active() bool     { return r.m.Active() }

func (r *sequenceRunner) flush() {
	r.m.Flush(r.onResult)
	r.pipe.Flush()
}

func (r *sequenceRunner) stats(st *RuleStats) {
	s := r.m.Stats()
	st.Sequence = &s
}

type sampleRunner struct {
	e    *Engine
	s    *sequence.Sampler
	pipe *sequence.Pipe
}

func (k *sampleKind) newRunner(e *Engine, l *live) runner {
	s, err := sequence.NewSampler(k.spec, sequence.SampleOptions{MaxKeys: e.rs.opt.MaxPending})
	if err != nil {
		panic("engine: a compiled sample failed to start: " + err.Error()) // checked by compileStages
	}
	return &sampleRunner{e: e, s: s, pipe: newPipe(e, l, k.ops)}
}

func (r *sampleRunner) offer(ev *event.Event) {
	h := r.s.Hits()
	r.s.Push(ev)
	if r.s.Hits() != h {
		r.e.accepted = true
	}
}
func (r *sampleRunner) advance(int64)    {} // samples are built over the whole stream
func (r *sampleRunner) active() bool     { return true }
func (r *sampleRunner) stats(*RuleStats) {}

func (r *sampleRunner) flush() {
	r.s.Flush(r.pipe.Push)
	r.pipe.Flush()
}

// gate reports whether ev passes one of the sequence's stage filters (or
// until's): an event that passes none changes no partial sequence. It
// would move the matcher's clock on, which only the event time of
// events routed to the rule does: events in time order have the same
// effect through the next event the gate lets through or the next
// watermark.
func (k *sequenceKind) gate(ev *event.Event) bool {
	for i := range k.spec.Stages {
		if k.spec.Stages[i].Match(ev) {
			return true
		}
	}
	return k.spec.Until != nil && k.spec.Until.Match(ev)
}

// gateStage is gate for an event the index offers the rule under the
// filing of one stage (filing.stage: 1 + its index among the program's
// stages, 1 + their number for until; 0: any stage): it tests that
// stage alone. An event that passes another stage meets the filing of
// that one too, as the index files each stage under needs that every
// event it matches meets.
func (k *sequenceKind) gateStage(ev *event.Event, stage int16) bool {
	switch i := int(stage) - 1; {
	case i < 0:
		return k.gate(ev)
	case i < len(k.first):
		return k.spec.Stages[k.first[i]].Match(ev)
	case i == len(k.first) && k.spec.Until != nil:
		return k.spec.Until.Match(ev)
	}
	return k.gate(ev)
}
