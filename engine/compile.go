package engine

import (
	"fmt"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// compile turns a supported rule into a live rule.
func (e *Engine) compile(r *rule.Rule) (*liveRule, error) {
	lr := &liveRule{
		rule:     r,
		patterns: newPatternSet(r.Indices()),
		catSlot:  e.catSlot,
		tsSlot:   -1,
		limit:    newSignalLimiter(r.MaxSignals, r.IntervalDuration()),
	}
	if r.TimestampOverride != "" {
		lr.tsSlot = e.schema.Slot(r.TimestampOverride)
		lr.tsNoFallback = r.TimestampOverrideFallbackDisabled
	}
	// Fields alerts read from events (severity and risk mappings, the
	// rule name override) must be decoded too.
	for _, m := range r.SeverityMapping {
		e.fields.Add(m.Field)
	}
	for _, m := range r.RiskScoreMapping {
		e.fields.Add(m.Field)
	}
	e.fields.Add(r.RuleNameOverride)

	var err error
	switch r.Language {
	case "eql":
		err = e.compileEQL(lr)
	case "kuery", "":
		err = e.compileKQL(lr)
	default:
		return nil, unsupportedError(fmt.Sprintf("query language %q is not supported", r.Language))
	}
	if err != nil {
		return nil, err
	}
	if r.Type == "threshold" {
		if r.Threshold == nil {
			return nil, fmt.Errorf("%s:%d: threshold rule without [rule.threshold]", r.Path, r.Line)
		}
		if lr.kind != kindEvent {
			return nil, fmt.Errorf("%s:%d: a threshold rule's query must be an event query", r.Path, r.Line)
		}
		window := r.Window()
		if window <= 0 {
			window = r.IntervalDuration()
		}
		lr.kind = kindThreshold
		lr.thr = newThresholdState(r, e.schema, int64(window), e.opt.MaxGroups)
		lr.onThresh = func(res *alert.ThresholdResult, sample *event.Event) {
			e.raiseThreshold(lr, res, sample)
		}
	}
	switch r.Type {
	case "new_terms":
		if err := e.compileNewTerms(lr); err != nil {
			return nil, err
		}
	case "threat_match":
		if lr.kind != kindEvent {
			return nil, fmt.Errorf("%s:%d: a threat_match rule's query must be an event query", r.Path, r.Line)
		}
		if err := e.compileThreat(lr); err != nil {
			return nil, err
		}
	}
	return lr, nil
}

// compileNewTerms makes an event query a new_terms rule (see
// newTermsState).
func (e *Engine) compileNewTerms(lr *liveRule) error {
	r := lr.rule
	nt := r.NewTerms
	switch {
	case nt == nil:
		return fmt.Errorf("%s:%d: new_terms rule without [rule.new_terms]", r.Path, r.Line)
	case lr.kind != kindEvent:
		return fmt.Errorf("%s:%d: a new_terms rule's query must be an event query", r.Path, r.Line)
	case len(nt.Value) == 0 || len(nt.Value) > 3:
		return fmt.Errorf("%s:%d: new_terms rule with %d fields (want 1 to 3)", r.Path, r.Line, len(nt.Value))
	}
	for _, f := range nt.Value {
		if f == "" {
			return fmt.Errorf("%s:%d: new_terms rule with an empty field name", r.Path, r.Line)
		}
	}
	history, err := nt.HistoryWindow()
	if err != nil {
		return fmt.Errorf("%s:%d: %w", r.Path, r.Line, err)
	}
	lr.kind = kindNewTerms
	lr.nt = newNewTermsState(nt, e.schema, int64(history), e.opt.MaxTerms, e.opt.NewTermsBaseline)
	lr.onTerms = func(ev *event.Event, terms []event.Value) {
		e.raiseNewTerms(lr, ev, terms)
	}
	return nil
}

func (e *Engine) compileEQL(lr *liveRule) error {
	r := lr.rule
	q, err := eql.Parse(r.Query)
	if err != nil {
		return r.QueryErrors("query", err)
	}
	opt := eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true, CategoryField: r.EventCategoryOverride}
	p, err := eql.Compile(q, e.schema, opt)
	if err != nil {
		return r.QueryErrors("query", err)
	}
	if r.EventCategoryOverride != "" {
		lr.catSlot = e.schema.Slot(r.EventCategoryOverride)
	}
	var cats []string
	switch p.Kind() {
	case eql.EventQuery:
		lr.kind = kindEvent
		lr.pred, lr.filings = e.eventFiling(p.Pred)
		if c := q.Event.Category; c != "" && c != "any" {
			cats = []string{c}
		}
	case eql.SequenceQuery, eql.SampleQuery:
		any := false
		for _, st := range append(p.Stages, p.Until) {
			if st == nil {
				continue
			}
			if st.Category == "" || st.Category == "any" {
				any = true
			}
			cats = append(cats, st.Category)
		}
		if any {
			cats = nil
		}
		if err := e.compileStages(lr, p); err != nil {
			return err
		}
		lr.filings = e.stageFilings(p)
	default:
		return unsupportedError(fmt.Sprintf("EQL query kind %s", p.Kind()))
	}
	for _, c := range cats {
		b := e.cats.bit(c)
		if b == 0 {
			lr.catMask = 0
			break
		}
		lr.catMask |= b
	}
	return nil
}

// filingOf files a predicate under its best requirement, or always.
func (e *Engine) filingOf(p match.Pred, later bool) filing {
	req, _ := e.requirementOf(p)
	return filing{req: req, later: later}
}

// eventFiling files an event query under its best requirement and orders
// its conjunctions for events the index offers it: tests of the fields the
// requirement names run last, with those of broad fields, as the event
// most likely meets them (that is how it reached the rule).
func (e *Engine) eventFiling(p match.Pred) (match.Pred, []filing) {
	f := e.filingOf(p, false)
	filed := map[int]bool{}
	for _, n := range f.req {
		filed[n.Slot] = true
	}
	return match.SortConjuncts(p, func(c match.Pred) int { return e.rank(c, filed) }), []filing{f}
}

// rank orders the members of a conjunction for evaluation: those whose
// needs fewest events meet first, then tests of fields the index filed the
// rule under and of broad fields (which most events pass), then members
// with no needs (negations, mostly exclusions that hold, and scripts).
func (e *Engine) rank(c match.Pred, filed map[int]bool) int {
	best, ok := match.BestNeed(match.Needs(c, e.needScore), e.needScore)
	if !ok {
		return 1 << 40
	}
	s := 0
	for _, n := range best {
		ns := e.needScore(n)
		if filed[n.Slot] {
			ns += 1 << 30
		}
		s += ns
	}
	return s
}

// stageFilings files a sequence or sample. A sample, and a sequence's
// first positive stage and the missing-event stages before it, file it
// statically: their events change its state whatever it holds. The
// sequence's other stages and until matter only while its matcher holds
// partial sequences or undecided results, so they file it as later.
func (e *Engine) stageFilings(p *eql.Program) []filing {
	var static, later []filing
	firstSeen := false
	for _, cs := range p.Stages {
		f := e.filingOf(cs.Pred, firstSeen && p.Kind() == eql.SequenceQuery)
		if !cs.Missing {
			firstSeen = true
		}
		if f.later {
			later = append(later, f)
		} else {
			static = append(static, f)
		}
	}
	if p.Until != nil {
		later = append(later, e.filingOf(p.Until.Pred, true))
	}
	// One filing without a requirement makes the others of its kind moot.
	compact := func(fs []filing) []filing {
		for _, f := range fs {
			if f.req == nil {
				return []filing{f}
			}
		}
		return fs
	}
	return append(compact(static), compact(later)...)
}

// broad reports whether a slot holds a field that has the same few values
// in most events (see broadFields); tests of such fields run last.
func (e *Engine) broad(slot int) bool {
	_, ok := broadFields[e.schema.Name(slot)]
	return ok
}

// Stage adapts a compiled EQL stage to the sequence runtime. With broad,
// conjunctions test broad fields last (see match.BroadLast).
func Stage(cs *eql.CompiledStage, broad func(slot int) bool) sequence.Stage {
	p := cs.Pred
	if broad != nil {
		p = match.BroadLast(p, broad)
	}
	st := sequence.Stage{Match: p.Match, Missing: cs.Missing}
	for _, k := range cs.Keys {
		st.Keys = append(st.Keys, sequence.Key{Get: k.Get, Optional: k.Optional})
	}
	return st
}

// SequenceSpec is the runtime form of a compiled sequence query, with
// `runs=N` stages repeated.
func SequenceSpec(p *eql.Program, broad func(slot int) bool) *sequence.Spec {
	spec := &sequence.Spec{MaxSpan: p.MaxSpan}
	for _, cs := range p.Stages {
		for range max(cs.Runs, 1) {
			spec.Stages = append(spec.Stages, Stage(cs, broad))
		}
	}
	if p.Until != nil {
		u := Stage(p.Until, broad)
		spec.Until = &u
	}
	return spec
}

// SampleSpec is the runtime form of a compiled sample query.
func SampleSpec(p *eql.Program, perKey int, broad func(slot int) bool) *sequence.SampleSpec {
	spec := &sequence.SampleSpec{MaxSamplesPerKey: perKey}
	for _, cs := range p.Stages {
		spec.Stages = append(spec.Stages, Stage(cs, broad))
	}
	return spec
}

// PipeOps are a program's head and tail pipes.
func PipeOps(p *eql.Program) []sequence.PipeOp {
	var ops []sequence.PipeOp
	for _, pp := range p.Pipes {
		ops = append(ops, sequence.PipeOp{Tail: pp.Name == "tail", N: pp.N})
	}
	return ops
}

func (e *Engine) compileStages(lr *liveRule, p *eql.Program) error {
	r := lr.rule
	lr.pipe = sequence.NewPipe(PipeOps(p), func(res sequence.Result) {
		lr.matched++
		e.raise(lr, res.Events, res.Keys)
	})
	if p.Kind() == eql.SampleQuery {
		s, err := sequence.NewSampler(SampleSpec(p, 1, e.broad), sequence.SampleOptions{MaxKeys: e.opt.MaxPending})
		if err != nil {
			return fmt.Errorf("%s:%d: %w", r.Path, r.QueryLine, err)
		}
		lr.kind, lr.sampler = kindSample, s
		return nil
	}
	spec := SequenceSpec(p, e.broad)
	e.rankStages(spec, p)
	m, err := sequence.NewMatcher(spec, sequence.Options{MaxPending: e.opt.MaxPending, Retain: e.snaps.Retain})
	if err != nil {
		return fmt.Errorf("%s:%d: %w", r.Path, r.QueryLine, err)
	}
	lr.kind, lr.seq = kindSequence, m
	lr.onResult = func(res sequence.Result) {
		res.Events = e.restore(res.Events)
		lr.pipe.Push(res)
	}
	return nil
}

// rankStages orders the conjunctions of a sequence's stage filters as
// event rules' (see rank): the stages' events reach the rule through any of
// its filings, so no field is known to hold.
func (e *Engine) rankStages(spec *sequence.Spec, p *eql.Program) {
	i := 0
	for _, cs := range p.Stages {
		pred := match.SortConjuncts(cs.Pred, func(c match.Pred) int { return e.rank(c, nil) })
		for range max(cs.Runs, 1) {
			spec.Stages[i].Match = pred.Match
			i++
		}
	}
	if p.Until != nil {
		spec.Until.Match = match.SortConjuncts(p.Until.Pred, func(c match.Pred) int { return e.rank(c, nil) }).Match
	}
}

// compileKQL compiles a kuery rule's query and its filters.
func (e *Engine) compileKQL(lr *liveRule) error {
	r := lr.rule
	p, err := compileKQLRule(r, e.schema, kql.Options{})
	if err != nil {
		return err
	}
	lr.kind = kindEvent
	lr.pred, lr.filings = e.eventFiling(p)
	return nil
}
