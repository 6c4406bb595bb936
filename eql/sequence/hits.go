package sequence

// Hits counts the times an event pushed so far met a stage's filter (a
// positive or missing-event stage, or the until clause) and found state
// it changes: a first stage always, a later stage or the until clause
// only where its join key holds a partial sequence (or a key entry). An
// event that leaves Hits unchanged changed nothing but the matcher's
// clock, which the next event or Advance moves as well: replaying only
// the events that moved Hits, in their order, rebuilds the same state
// (the service's carry log, see engine.Engine.Touched).
func (m *Matcher) Hits() uint64 { return m.hits }

// Hits counts the times an event pushed so far met a stage's filter.
func (s *Sampler) Hits() uint64 { return s.hits }
