// Package engine runs detection rules over a stream of events: the runtime
// shared by vigil hunt and vigil serve.
//
// New compiles a rule set (EQL event queries, sequences and samples; KQL
// query and threshold rules) against one event schema, so that every event
// is decoded once into exactly the fields the rules reference. Process
// offers an event only to the rules that can match it: those whose index
// patterns select the event's index (or one of its aliases, such as
// winlogbeat-* for Windows data streams) and whose event categories the
// event has. Matches become alerts, capped at max_signals per rule interval
// of event time.
//
// The rule index goes further: each rule is filed under a requirement
// derived from its compiled predicate (match.Needs), a few literals of which
// some field of the event must equal, begin with, end with or contain
// (compared without case), or a field it must hold, so that an event is
// offered only to the rules its values can satisfy. Requirements are
// necessary conditions, so the index loses no match (Options.NoIndex turns
// it off, for comparison). A sequence is filed by its first stage (and the
// missing-event stages before it) and by its later stages only while its
// matcher holds partial sequences or undecided results: with nothing
// pending, no other event can change it. Sequences keep the events of
// their partial sequences as snapshots (event.Event.Snapshot: a copy of
// the raw document) and decode them again only for an alert.
//
// Events must arrive in time order (package source merges files that way;
// a service puts a reorder buffer in front). Time is event time throughout:
// a rule's look-back (from/interval) sizes threshold windows and bounds how
// late a streaming event may be; in a retro-hunt every event is judged.
//
// Ordering caveats: the whole stream is ordered by the engine's timestamp
// field. A rule's timestamp_override (e.g. event.ingested, falling back to
// @timestamp when absent, as Kibana does) sets the time the rule uses for
// maxspan, windows and alerts, but not the order in which it sees events;
// a rule's tiebreaker_field is not used for ordering (ties keep arrival
// order).
package engine
