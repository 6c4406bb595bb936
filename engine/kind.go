package engine

import (
	"time"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
)

// A rule type is one file of this package: a function in ruleTypes that
// compiles a rule whose query is already compiled into a kind (immutable,
// in the RuleSet), and the runner the kind makes for each engine (the
// rule's state in one stream).
//
// ruleTypes maps a detection rule's type to how it is compiled.
var ruleTypes = map[string]ruleType{
	"query":        {languages: append(kqlLanguages[:1:1], sigmaLanguages...), compile: compileQuery, fieldless: true},
	"eql":          {languages: []string{"eql"}, compile: compileQuery, fieldless: true},
	"threshold":    {languages: kqlLanguages, compile: compileThreshold},
	"new_terms":    {languages: kqlLanguages, compile: compileNewTerms},
	"threat_match": {languages: kqlLanguages, compile: compileThreatMatch},
	"esql":         {languages: []string{"esql"}, compile: compileESQLRule},

	sigma.TypeCorrelation: {languages: sigmaLanguages, compile: compileSigmaCorrelation},
}

// unsupportedTypes are rule types vigil knows and does not run, and why.
var unsupportedTypes = map[string]string{
	"machine_learning": "machine learning rules read anomaly detection job results; not supported",
}

var kqlLanguages = []string{"kuery"}

// ruleType is how one rule type compiles.
type ruleType struct {
	languages []string // query languages the type takes
	compile   func(rs *RuleSet, c *compiled, q *query) (kind, error)
	// fieldless: compile registers no field in the schema, so it (and
	// filing the rule) may run on another goroutine than the compiling
	// of other rules (see RuleSet.finish).
	fieldless bool
}

// query is a rule's compiled query: an event query's predicate, or an EQL
// sequence or sample.
type query struct {
	pred match.Pred   // event query (nil for sequences and samples)
	prog *eql.Program // EQL program (nil for KQL)
	esql *esqlQuery   // ES|QL program (nil for EQL and KQL)
	// file, when set, is what the rule index files an event query by: a
	// necessary condition of pred without what routing already ensures
	// (a Sigma logsource's channel and event ids).
	file match.Pred
}

// kind is a rule type's compiled form of one rule.
type kind interface {
	// newRunner makes the rule's state for one engine; l is the rule's
	// place in it (for counters and alerts).
	newRunner(e *Engine, l *live) runner
	// horizon is how far back in event time the rule's state reaches: an
	// event older than the watermark by more cannot change what it
	// raises. Negative: unbounded.
	horizon() time.Duration
}

// runner is one rule's state in one engine.
type runner interface {
	// offer runs the rule on an event routing selected for it, in the
	// rule's time.
	offer(ev *event.Event)
	// advance tells the rule no event before watermark will come.
	advance(watermark int64)
	// flush ends the stream.
	flush()
	// active reports whether the rule takes events through its later
	// filings now (a sequence holding partial sequences).
	active() bool
	// stats adds the rule type's counters.
	stats(st *RuleStats)
}

// Supported reports whether vigil runs a rule's type and query language,
// and if not, why.
func Supported(r *rule.Rule) (ok bool, reason string) {
	if r.Type == "" {
		return false, "rule has no type"
	}
	if why, ok := unsupportedTypes[r.Type]; ok {
		return false, why
	}
	rt, ok := ruleTypes[r.Type]
	if !ok {
		return false, "unknown rule type " + quote(r.Type)
	}
	for _, l := range rt.languages {
		if r.Language == l {
			return true, ""
		}
	}
	if r.Type == "eql" {
		return false, "eql rule with language " + quote(r.Language)
	}
	if r.Language == "lucene" {
		return false, r.Type + " rule in Lucene query syntax is not supported (only KQL)"
	}
	return false, r.Type + " rule with language " + quote(r.Language) + " is not supported"
}

func quote(s string) string { return `"` + s + `"` }

// eventKind is a custom query or EQL event query rule: each matching event
// alerts.
type eventKind struct{ pred match.Pred }

type eventRunner struct {
	e    *Engine
	l    *live
	pred match.Pred
}

func (k *eventKind) horizon() time.Duration { return 0 }

func (k *eventKind) newRunner(e *Engine, l *live) runner {
	return &eventRunner{e: e, l: l, pred: k.pred}
}

func (r *eventRunner) offer(ev *event.Event) {
	if r.pred.Match(ev) {
		r.l.matched++
		r.e.raiseEvent(r.l, ev)
	}
}

func (r *eventRunner) advance(int64)    {}
func (r *eventRunner) flush()           {}
func (r *eventRunner) active() bool     { return true }
func (r *eventRunner) stats(*RuleStats) {}

// compileQuery makes a query or eql rule: an event rule, or a sequence or
// sample.
func compileQuery(rs *RuleSet, c *compiled, q *query) (kind, error) {
	if q.prog != nil && q.prog.Kind() != eql.EventQuery {
		return compileStages(rs, c, q.prog)
	}
	return &eventKind{pred: q.pred}, nil
}

// Horizon returns how far back in event time the rule set's state
// reaches (the longest sequence maxspan, threshold window or new terms
// history), and whether some rule's reaches back without bound (a sequence
// without maxspan, a sample, indicators). A service keeps the input of
// that long to rebuild the state after a restart.
func (rs *RuleSet) Horizon() (d time.Duration, unbounded bool) {
	for _, c := range rs.rules {
		h := c.kind.horizon()
		if h < 0 {
			unbounded = true
			continue
		}
		d = max(d, h)
	}
	return d, unbounded
}
