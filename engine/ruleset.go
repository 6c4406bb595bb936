package engine

import (
	"fmt"
	"sync"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// RuleSet is a compiled rule set: every supported rule's predicates and
// rule-type configuration, the schema they decode events into, and the
// rule index. It holds no state of any stream: once Compile returns it is
// read-only, and any number of engines, in any number of goroutines, run
// from it (RuleSet.NewEngine).
type RuleSet struct {
	opt     Options
	schema  *event.Schema
	fields  *alert.Fields
	rules   []*compiled
	threats []*compiled // threat_match rules
	cats    categories
	catSlot int
	sigma   *sigmaRules // Sigma rules by id and name (engine/sigma.go)

	// routes caches the rule index per index name; built on first use
	// and shared by the engines (each keeps its last few lookups).
	mu     sync.Mutex
	routes map[string]*routeSet
	// srcRoutes index the rules read from given Windows channels and
	// event ids (Sigma logsources) per index, channel and event id; see
	// sourceRoute.
	srcRoutes       map[srcKey]*routeSet
	chSlot, eidSlot int

	hostSlots [len(hostFields)]int // see PartitionKey
	splitState
	arrivalState
}

// compiled is one rule as compiled: shared by every engine, never changed
// after Compile.
type compiled struct {
	idx      int // in RuleSet.rules, and Engine.live
	order    int // in the rule set Compile made: the order of alerts (see Split)
	rule     *rule.Rule
	kind     kind
	patterns patternSet
	catMask  uint64 // 0: no category prefilter
	catSlot  int
	tsSlot   int // timestamp_override, or -1
	// tsNoFallback is timestamp_override_fallback_disabled: events
	// without the override field are not considered.
	tsNoFallback bool
	// filings say where the rule index files the rule: under the needs of
	// requirements its events must meet, or always.
	filings []filing
	staged  bool // some filing is later: the rule's runner says when it takes them
	// sources are the channels and event ids the rule reads (a Sigma
	// logsource); nil: any. Such rules are indexed per channel and id.
	sources sourceSet
	// exc is what the rule's exceptions compiled to (see
	// applyExceptions); nil without.
	exc *exception.Filter
	// needs are the predicates of the query as written (without
	// exceptions) whose necessary fields Unmatched checks; see needPreds.
	needs []match.Pred
}

// wants applies the category prefilter: a rule whose queries all name
// categories skips events of other categories.
func (c *compiled) wants(mask uint64, catSlot int) bool {
	return c.catMask == 0 || c.catSlot != catSlot || mask&c.catMask != 0
}

// Compile compiles rules against one schema. Rules that cannot run are
// reported in the returned statuses (one per rule, in order) and left out;
// the rule set holds the rest.
func Compile(rules []*rule.Rule, opt Options) (*RuleSet, []Status) {
	s := opt.Schema
	if s == nil {
		s = event.NewSchema()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxGroups <= 0 {
		opt.MaxGroups = 100_000
	}
	if opt.MaxTerms <= 0 {
		opt.MaxTerms = 1_000_000
	}
	if opt.MaxIndicators <= 0 {
		opt.MaxIndicators = 1_000_000
	}
	rs := &RuleSet{opt: opt, schema: s, routes: make(map[string]*routeSet), srcRoutes: make(map[srcKey]*routeSet)}
	rs.fields = alert.Register(s, opt.Fields...)
	rs.catSlot = s.Slot("event.category")
	for i, f := range hostFields {
		rs.hostSlots[i] = s.Slot(f)
	}
	rs.sigma = indexSigma(rules)
	statuses := make([]Status, len(rules))
	out := make([]*compiled, len(rules))
	errs := make([]error, len(rules))
	pool := newCompilePool(rules, opt.Now)
	for i, r := range rules {
		pre := pool.prepared(i)
		statuses[i] = Status{Rule: r, State: OK}
		if ok, reason := Supported(r); !ok {
			statuses[i].State, statuses[i].Reason = Unsupported, reason
			continue
		}
		c, q, err := rs.begin(r, pre)
		switch {
		case err != nil:
			errs[i] = err
		case ruleTypes[r.Type].fieldless:
			pool.finish(func() { out[i], errs[i] = c, rs.finish(c, q) })
		default:
			out[i], errs[i] = c, rs.finish(c, q)
		}
	}
	pool.wait()
	for i, c := range out {
		if err := errs[i]; err != nil {
			if u, ok := err.(unsupportedError); ok {
				statuses[i].State, statuses[i].Reason = Unsupported, string(u)
				continue
			}
			statuses[i].State, statuses[i].Err = Failed, err
			continue
		}
		if c == nil {
			continue
		}
		c.idx = len(rs.rules)
		c.order = c.idx
		rs.rules = append(rs.rules, c)
		if _, ok := c.kind.(*threatKind); ok {
			rs.threats = append(rs.threats, c)
		}
	}
	return rs, statuses
}

// unsupportedError marks a rule that is valid but uses what vigil does not
// run yet.
type unsupportedError string

func (u unsupportedError) Error() string { return string(u) }

// Schema returns the schema events must be decoded with.
func (rs *RuleSet) Schema() *event.Schema { return rs.schema }

// Fields returns the resolver alerts use, for writers.
func (rs *RuleSet) Fields() *alert.Fields { return rs.fields }

// Len returns the number of rules that run.
func (rs *RuleSet) Len() int { return len(rs.rules) }

// Rules returns the rules that run, in order.
func (rs *RuleSet) Rules() []*rule.Rule {
	out := make([]*rule.Rule, len(rs.rules))
	for i, c := range rs.rules {
		out[i] = c.rule
	}
	return out
}

// String describes the rule set for logs.
func (rs *RuleSet) String() string {
	return fmt.Sprintf("engine: %d rules, %d fields", len(rs.rules), rs.schema.Len())
}
