package engine

import "github.com/vigilsec/vigil/event"

// Touched reports whether the last event given to Process could have
// changed what the engine's rules hold: some rule's predicate accepted it
// (a sequence or sample stage, a missing-event stage or an until clause
// where state could use it; a threshold, new_terms, ES|QL or Sigma
// correlation query; an event rule, whose alerts count towards
// max_signals and suppression), or a threat_match rule kept it as an
// indicator. An event it is false for moved only the engine's clock,
// which later events and Advance move as well: replaying just the
// touched events, in their order, with the same Advance calls between
// them, rebuilds the same rule state (the service's carry log relies on
// it).
func (e *Engine) Touched() bool { return e.accepted }

// OnTouched has fn called with every event given to Process that some
// engine's rules accepted (see Engine.Touched) and its place in the
// stream (1 for the first event given to Process, and so on), before the
// event is recycled, from the partitions' goroutines (concurrently, in no
// order across partitions: fn must be safe for that). Set it before the
// first Process; Sync returns once fn has been called for every event
// given before it.
func (p *Parallel) OnTouched(fn func(ev *event.Event, seq uint64)) { p.onTouched = fn }
