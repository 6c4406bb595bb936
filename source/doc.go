// Package source reads events from files: ECS NDJSON (plain, .gz, or a JSON
// array), raw Windows records in winlog.* JSON, and EVTX through a reader
// the caller plugs in. It expands folders, decodes records into events with
// the caller's schema on several goroutines, assigns each event its index
// and time, and merges all inputs into one time order.
//
// Ordering: each input is assumed to be roughly in time order (EVTX files
// and agent output are). A per-input reorder window (Options.Lateness)
// absorbs local disorder, such as Sysmon network events stamped up to ~2 s
// before the process start they belong to; inputs are then merged k-way.
// An event older than what its input already released is "late": it is
// counted, reported once per input, and passed on in arrival order rather
// than dropped. Memory is bounded by the window (at most Options.MaxWindow
// events per input) and a fixed number of in-flight batches per input.
package source
