package engine

import (
	"time"

	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
)

// Options configure the compilation of a rule set and the engines run
// from it.
type Options struct {
	// Schema is the event schema rules register their fields in; a new one
	// when nil. Decode events with Engine.Schema.
	Schema *event.Schema
	// Now stamps alerts (@timestamp); time.Now when nil.
	Now func() time.Time
	// Aliases gives extra index names an event's index answers to when
	// rules are routed (e.g. winlogbeat-* for Windows data streams).
	Aliases func(index string) []string
	// MaxPending caps each sequence rule's pending state (join keys and
	// undecided results); 0 is the sequence package's default.
	MaxPending int
	// MaxGroups caps each threshold rule's groups per window (default
	// 100,000).
	MaxGroups int
	// MaxTerms caps the terms each new_terms rule remembers (default
	// 1,000,000); terms last seen before the history window are forgotten
	// first, and a term that finds no room alerts again when seen again.
	MaxTerms int
	// NewTermsBaseline makes the first history window of each new_terms
	// rule's events a baseline: its terms are learnt without alerts, as if
	// the rule had run on a cluster already holding that much history.
	// Without it, as on a fresh cluster, every first sighting is new.
	NewTermsBaseline bool
	// MaxIndicators caps the indicator documents threat_match rules keep
	// (default 1,000,000); more are counted and dropped.
	MaxIndicators int
	// NoIndex offers every event to every rule, without index routing or
	// the category prefilter (for measuring what the rule index saves).
	NoIndex bool
	// Fields are extra fields to decode for alerts (e.g. for output).
	Fields []string
	// Exceptions holds the exception lists and value lists rules'
	// exceptions_list references are resolved in; without it rules run
	// without their exceptions.
	Exceptions *exception.Store
	// MaxSuppressionGroups caps each rule's open alert suppression groups
	// (default 100,000); a full state emits its oldest group early.
	MaxSuppressionGroups int
	// SigmaPlaceholders are the values of Sigma's %name% placeholders
	// (the expand modifier); a rule using one without values is
	// unsupported.
	SigmaPlaceholders map[string][]string
}

// State is the outcome of loading one rule.
type State string

// Rule states.
const (
	OK          State = "ok"
	Unsupported State = "unsupported"
	Failed      State = "error"
)

// Status is what became of one rule.
type Status struct {
	Rule   *rule.Rule
	State  State
	Reason string // why a rule is unsupported
	Err    error  // why a rule failed, positioned in its file
}

// RuleStats count one rule's work.
type RuleStats struct {
	Rule    *rule.Rule
	Offered int64 // events offered after routing
	Matched int64 // events matching (event and threshold rules) or results (sequences, samples)
	Alerts  int64 // alerts emitted
	Capped  int64 // alerts withheld by max_signals
	// EvalTime estimates the time spent running the rule on the events
	// offered (one offer in 32 is timed, then scaled).
	EvalTime time.Duration
	// Overflow counts what a full state could not hold: threshold groups
	// not started, new terms not remembered.
	Overflow int64
	Sequence *sequence.Stats
	// Excepted counts results a value list exception removed; Suppressed
	// the alerts folded into kept ones by alert suppression, and
	// SuppressionOverflow the groups emitted early because the state was
	// full.
	Excepted, Suppressed, SuppressionOverflow int64
	// Lost counts events the rule was due to be offered but was not: a
	// held event (see Verdict.Held) that could not be rebuilt from its
	// snapshot. It should stay zero; it is counted so that it cannot go
	// unseen.
	Lost int64
}
