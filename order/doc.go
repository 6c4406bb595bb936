// Package order owns event time: the event-time buffer that puts events
// back in order within a lateness window (Buffer, with Elasticsearch's
// tiebreaker and arrival order for ties), the k-way merge of many inputs
// into one time order with a window per input (Read), watermarks (the time
// before which nothing more comes in order, for an engine's Advance), and
// per-source delays for sources whose clocks run early
// (SysmonNetworkDelay), and event time per source for a stream that mixes
// many senders (Sources: each host late by up to the lateness against its
// own newest event, quiet hosts holding no one back).
//
// Data flow of Read: each input (package input) is opened lazily, when
// the merge needs it, with a bounded number open at once; a goroutine per
// input decodes records into events (at most Options.Workers inputs
// decoding at once, the records of one on Options.Decoders goroutines,
// see input.Ahead), where each event is given to a judge (Options.Judge:
// an event the judge has no further use for becomes a tick, its time and
// position only, or a held tick, a snapshot of its record that the judge's
// held offers may need); it drops those outside From/To and pushes the rest into
// the input's Buffer (lateness Options.Lateness, at most Options.MaxWindow events).
// Released events travel in batches to the merge, which passes the event
// with the smallest time among the inputs' heads on (ties: input order,
// then position), through the delay stage if one is set, and reports the
// watermark. An event older than what its input already released is
// "late": it is counted, reported once per input, and passed on out of
// order rather than dropped. Memory is bounded by the windows and a fixed
// number of in-flight batches per input.
package order
