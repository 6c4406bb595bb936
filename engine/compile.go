package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/dsl"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// compile turns a supported rule into its compiled form; pre is its
// query as a compilePool prepared it, or nil.
func (rs *RuleSet) compile(r *rule.Rule, pre *parsedQuery) (*compiled, error) {
	c, q, err := rs.begin(r, pre)
	if err != nil {
		return nil, err
	}
	if err := rs.finish(c, q); err != nil {
		return nil, err
	}
	return c, nil
}

// begin is the part of compile that registers fields in the schema (and
// event categories): the query, exceptions and the fields alerts read.
// Rules begin one at a time, in order, so that slots come out the same
// every time.
func (rs *RuleSet) begin(r *rule.Rule, pre *parsedQuery) (*compiled, *query, error) {
	c := &compiled{
		rule:     r,
		patterns: newPatternSet(r.Indices()),
		catSlot:  rs.catSlot,
		tsSlot:   -1,
	}
	if r.TimestampOverride != "" {
		c.tsSlot = rs.schema.Slot(r.TimestampOverride)
		c.tsNoFallback = r.TimestampOverrideFallbackDisabled
	}
	// Fields alerts read from events (severity and risk mappings, the
	// rule name override) must be decoded too.
	for _, m := range r.SeverityMapping {
		rs.fields.Add(m.Field)
	}
	for _, m := range r.RiskScoreMapping {
		rs.fields.Add(m.Field)
	}
	rs.fields.Add(r.RuleNameOverride)

	var q *query
	var cats []string
	var err error
	switch r.Language {
	case "eql":
		q, cats, err = rs.compileEQL(c, pre)
	case "kuery", "":
		q, err = rs.compileKQL(c, pre)
	case "sigma":
		q, err = rs.compileSigma(c)
	case "esql":
		q, err = rs.compileESQL(c, pre)
	default:
		return nil, nil, unsupportedError(fmt.Sprintf("query language %q is not supported", r.Language))
	}
	if err != nil {
		return nil, nil, err
	}
	c.needs = needPreds(r.Language, q)
	if err := rs.applyExceptions(c, q); err != nil {
		return nil, nil, err
	}
	for _, cat := range cats {
		b := rs.cats.bit(cat)
		if b == 0 {
			c.catMask = 0
			break
		}
		c.catMask |= b
	}
	if ruleTypes[r.Type].compile == nil {
		return nil, nil, unsupportedError("unknown rule type " + quote(r.Type))
	}
	return c, q, nil
}

// finish files a begun rule in the rule index and compiles its rule type.
// Only a rule type's compile may register fields (unless the type is
// fieldless), and finish changes nothing of the rule set but c: rules of
// fieldless types finish on other goroutines while later rules begin.
func (rs *RuleSet) finish(c *compiled, q *query) error {
	r := c.rule
	if q.prog == nil || q.prog.Kind() == eql.EventQuery {
		// Only Sigma rules get second requirements: Elastic's grew the
		// ECS hunt's automatons (+10% peak RSS) for no measured gain.
		q.pred, c.filings = rs.eventFiling(q.pred, q.file, r.Language == sigmaLanguages[0])
	} else {
		c.filings = rs.stageFilings(q.prog)
		c.staged = true
	}
	var err error
	c.kind, err = ruleTypes[r.Type].compile(rs, c, q)
	return err
}

// eventQuery returns the predicate of a rule type that takes only event
// queries, or an error naming the type.
func eventQuery(c *compiled, q *query) (match.Pred, error) {
	if q.prog != nil && q.prog.Kind() != eql.EventQuery {
		r := c.rule
		return nil, fmt.Errorf("%s:%d: a %s rule's query must be an event query", r.Path, r.Line, r.Type)
	}
	return q.pred, nil
}

// parsedQuery is a rule's query parsed ahead of compiling (see
// compilePool): an EQL query parsed and prepared, or an ES|QL query
// compiled up to the schema, or the error that gave.
type parsedQuery struct {
	eql  *eql.Query
	esql *esql.Program
	kql  *kql.Parsed
	err  error
}

// errKQLInESQL stops compiling an ES|QL query ahead: its KQL() filters
// register fields, which only the serial compile may.
var errKQLInESQL = errors.New("KQL() is compiled with the rule set")

// prepareQuery does for one rule what compiling its query needs and the
// schema does not: parse an EQL query and build its pattern tests
// (eql.Prepare), compile an ES|QL query (esqlProgram) at now, or parse a
// KQL query (and list the known fields if it has field patterns to expand
// against them). Nil: the serial compile does it all.
func prepareQuery(r *rule.Rule, now time.Time) *parsedQuery {
	if ok, _ := Supported(r); !ok {
		return nil
	}
	switch r.Language {
	case "eql":
		q, err := eql.Parse(r.Query)
		if err == nil {
			eql.Prepare(q)
		}
		return &parsedQuery{eql: q, err: err}
	case "esql":
		usesKQL := false
		kqlc := func(string) (func(any) bool, error) {
			usesKQL = true
			return nil, errKQLInESQL
		}
		p, err := esqlProgram(r.Query, now, kqlc)
		if usesKQL {
			return nil
		}
		return &parsedQuery{esql: p, err: err}
	case "kuery":
		p := kql.ParseQuery(r.Query)
		if p.FieldPatterns() {
			if l, ok := match.ECSAndNonECS().(dsl.Lister); ok {
				l.Fields() // built once, then kept
			}
		}
		return &parsedQuery{kql: p}
	}
	return nil
}

// compileEQL compiles an EQL rule's query, parsing it unless pre holds it
// parsed; cats are the event categories its events must have (nil: any).
func (rs *RuleSet) compileEQL(c *compiled, pre *parsedQuery) (*query, []string, error) {
	r := c.rule
	if pre == nil {
		q, err := eql.Parse(r.Query)
		pre = &parsedQuery{eql: q, err: err}
	}
	q, err := pre.eql, pre.err
	if err != nil {
		return nil, nil, r.QueryErrors("query", err)
	}
	opt := eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true, CategoryField: r.EventCategoryOverride}
	p, err := eql.Compile(q, rs.schema, opt)
	if err != nil {
		return nil, nil, r.QueryErrors("query", err)
	}
	if r.EventCategoryOverride != "" {
		c.catSlot = rs.schema.Slot(r.EventCategoryOverride)
	}
	var cats []string
	switch p.Kind() {
	case eql.EventQuery:
		if cat := q.Event.Category; cat != "" && cat != "any" {
			cats = []string{cat}
		}
		return &query{pred: p.Pred, prog: p}, cats, nil
	case eql.SequenceQuery, eql.SampleQuery:
		for _, st := range append(p.Stages, p.Until) {
			if st == nil {
				continue
			}
			if st.Category == "" || st.Category == "any" {
				return &query{prog: p}, nil, nil
			}
			cats = append(cats, st.Category)
		}
		return &query{prog: p}, cats, nil
	}
	return nil, nil, unsupportedError(fmt.Sprintf("EQL query kind %s", p.Kind()))
}

// filingOf files a predicate under its best requirement, or always.
func (rs *RuleSet) filingOf(p match.Pred, later bool) filing {
	req, _ := rs.requirementOf(p)
	return filing{req: req, later: later}
}

// eventFiling files an event query under its best requirement and orders
// its conjunctions for events the index offers it: tests of the fields the
// requirement names run last, with those of broad fields, as the event
// most likely meets them (that is how it reached the rule). The query is
// filed by file when set, else by p; with second, also under its second
// requirements (see secondRequirements).
func (rs *RuleSet) eventFiling(p, file match.Pred, second bool) (match.Pred, []filing) {
	if file == nil {
		file = p
	}
	// The needs of the whole and of each member it is sorted by come from
	// one cache: every field test is analysed once.
	nc := match.NewNeedCache(rs.needScore)
	all := nc.Needs(file)
	var f filing
	f.req, _ = rs.bestRequirement(all)
	if second {
		f.seconds = rs.secondRequirements(all, f.req)
	}
	filed := map[int]bool{}
	for _, n := range f.req {
		filed[n.Slot] = true
	}
	return match.SortConjuncts(p, func(c match.Pred) int { return rs.rank(nc.Needs(c), filed) }), []filing{f}
}

// rank orders the members of a conjunction for evaluation, given a
// member's needs: those whose needs fewest events meet first, then tests
// of fields the index filed the rule under and of broad fields (which most
// events pass), then members with no needs (negations, mostly exclusions
// that hold, and scripts).
func (rs *RuleSet) rank(needs [][]match.Need, filed map[int]bool) int {
	best, ok := match.BestNeed(needs, rs.needScore)
	if !ok {
		return 1 << 40
	}
	s := 0
	for _, n := range best {
		ns := rs.needScore(n)
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
func (rs *RuleSet) stageFilings(p *eql.Program) []filing {
	var static, later []filing
	firstSeen := false
	for i, cs := range p.Stages {
		f := rs.filingOf(cs.Pred, firstSeen && p.Kind() == eql.SequenceQuery)
		f.stage = i + 1
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
		f := rs.filingOf(p.Until.Pred, true)
		f.stage = len(p.Stages) + 1
		later = append(later, f)
	}
	// One filing without a requirement makes the others of its kind moot.
	compact := func(fs []filing) []filing {
		for _, f := range fs {
			if f.req == nil {
				f.stage = 0 // it stands for them all
				return []filing{f}
			}
		}
		return fs
	}
	return append(compact(static), compact(later)...)
}

// broad reports whether a slot holds a field that has the same few values
// in most events (see broadFields); tests of such fields run last.
func (rs *RuleSet) broad(slot int) bool {
	_, ok := broadFields[rs.schema.Name(slot)]
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

// rankStages orders the conjunctions of a sequence's stage filters as
// event rules' (see rank): the stages' events reach the rule through any of
// its filings, so no field is known to hold.
func (rs *RuleSet) rankStages(spec *sequence.Spec, p *eql.Program) {
	nc := match.NewNeedCache(rs.needScore)
	rank := func(c match.Pred) int { return rs.rank(nc.Needs(c), nil) }
	i := 0
	for _, cs := range p.Stages {
		pred := match.SortConjuncts(cs.Pred, rank)
		for range max(cs.Runs, 1) {
			spec.Stages[i].Match = pred.Match
			i++
		}
	}
	if p.Until != nil {
		spec.Until.Match = match.SortConjuncts(p.Until.Pred, rank).Match
	}
}

// compileKQL compiles a kuery rule's query and its filters; pre holds the
// query parsed, or is nil.
func (rs *RuleSet) compileKQL(c *compiled, pre *parsedQuery) (*query, error) {
	var parsed *kql.Parsed
	if pre != nil {
		parsed = pre.kql
	}
	p, err := compileParsedKQLRule(c.rule, parsed, rs.schema, kql.Options{})
	if err != nil {
		return nil, err
	}
	return &query{pred: p}, nil
}

// filing is one way the rule index reaches a rule: under the needs of a
// requirement, or, with req nil, always. A sequence's first stage (and
// leading missing-event stages) file it statically; its later stages and
// until only while its matcher holds state (later): with nothing pending,
// only an event of the first stage can change anything.
type filing struct {
	req   requirement
	later bool
	// stage is, for a sequence's filing of one stage, 1 + its index in
	// the program's stages (1 + their number: until), 0 otherwise: a
	// Judge then tests that stage alone (see sequenceKind.gateStage).
	stage int
	// seconds are other requirements of an event query, best first (see
	// secondRequirements): where a route can check one cheaply, the
	// index offers the rule only events that meet both.
	seconds []requirement
}
