// Package sequence is the streaming runtime of EQL sequences and samples,
// with Elasticsearch's semantics, and their head and tail pipes.
//
// It knows nothing of EQL syntax: package eql compiles a query into a Spec
// (per-stage predicates and join-key getters) and runs it here.
//
// # Sequences
//
// A Matcher consumes events in order of time, tiebreaker and arrival and
// emits each sequence as soon as it is decided. It follows Elasticsearch's
// SequenceMatcher:
//
//   - One state machine per join key. The key of an event for a stage is the
//     cartesian product of its key fields' values: an array field gives one
//     key per distinct non-null element; a missing or null field (or an
//     array of nulls) is the value null, which joins only when the field is
//     optional (?field) and otherwise keeps the event out of the stage.
//     Numbers compare by value (1234 equals 1234.0), strings exactly.
//   - A hit at the first stage starts a partial sequence; a hit at stage s
//     takes the latest partial sequence of its key at stage s-1 that is
//     older than the hit and discards the older ones. In a stream that
//     means one partial sequence per key and stage: a newer one replaces an
//     older one.
//   - maxspan is measured from the first event; a partial sequence too old
//     to advance is discarded when a hit reaches it.
//   - An until event discards the key's partial sequences, including one
//     its own event extends, but a sequence it completes stands.
//   - An event matching several stages is tried at the later stages first,
//     so it never extends a sequence it has just started.
//   - A completed sequence is emitted once. Sequences come out in order of
//     their last event; sequences completed by the same event, in order of
//     their join keys.
//   - Missing-event stages ![...]: the positive stages are matched as above;
//     a candidate is then rejected if an event of a middle missing stage
//     with its key lies strictly between the positive events around it;
//     leading and trailing missing stages are judged as Elasticsearch's
//     TumblingWindow does, from the latest leading missing event before the
//     first positive event and the first trailing one after the last, and
//     maxspan. A candidate with trailing missing stages waits until a
//     trailing event arrives, time (event times or Advance) passes beyond
//     what could reject it, or Flush; results after it wait with it, so the
//     output order stays that of Elasticsearch.
//
// A stage's filter is evaluated only when a hit could change something:
// later positive stages and middle missing stages when partial sequences
// wait for them, trailing missing stages when results wait for a decision,
// until when partial sequences exist. While a matcher holds neither partial
// sequences nor undecided results (Active reports false), only events of
// its first positive stage and of the missing stages before it can change
// it, so a caller may route it only those.
//
// Memory is bounded: a key's state is dropped when maxspan has passed for
// all of it, and Options.MaxPending caps the keys held (the least recently
// updated key is evicted) and the results waiting for a decision. Both are
// counted in Stats. The copies a matcher keeps of events its caller reuses
// take at most about twice their bytes (see Options.Owned). A caller done
// with a result may hand it back (Matcher.Recycle), and its events'
// storage then serves later results.
//
// # Samples
//
// A Sampler collects, per join key and stage, the first events in arrival
// order (as many as Elasticsearch fetches: stages + max_samples_per_key - 1)
// and at Flush builds up to MaxSamplesPerKey samples per key, of distinct
// events, keys in ascending order.
//
// # Order
//
// Events must arrive in order of time, tiebreaker and arrival; package
// order's Buffer puts them so within a lateness window, and counts and
// reports those that arrive too late.
//
// Ordering by time cannot help an event whose timestamp is earlier than
// that of the event it follows: Sysmon can log a network connection (event
// 3) up to ~2 s before the start (event 1) of the process that made it, and
// then `[process] -> [network]` does not match, here as in Elasticsearch.
// order.BufferOptions.Delay can hold such events back in the order (not in
// time) so that they do; this goes beyond Elasticsearch on purpose.
//
// Head and tail pipes are a Pipe.
package sequence
