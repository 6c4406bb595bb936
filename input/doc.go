// Package input owns reading events: one Reader interface for every kind
// of input, the choice of format by content, and the expansion of files
// and folders into inputs.
//
// A file or stream is recognised by its first bytes, not by its name:
// EVTX ("ElfFile\x00"), gzip (1f 8b, read through and recognised again
// inside), or JSON (an object per line, or an array of objects, after an
// optional UTF-8 byte-order mark). JSON documents that are raw Windows
// records (winlog.* as Winlogbeat and Elastic Agent ship them) are mapped to
// ECS as Elastic's ingest pipelines would; ECS documents pass through. Every
// event gets its index (_index, else its data stream, else Options.Index;
// EVTX and raw winlog records the data stream Elastic Agent would use) and
// its time (Options.TimeField).
//
// Every reader path is bounded: a line or array element longer than
// Options.MaxRecord is skipped and reported by file and line; a read error
// of the underlying stream (a damaged gzip member, an I/O error) ends that
// input with one error. Records that cannot be decoded, and timestamps that
// cannot be read or represented (before 1678 or after 2262), are reported
// by file and line; the event keeps its original field value.
//
// NewReader reads any io.Reader given a name for messages, which is how an
// HTTP _bulk body or a Kafka record is fed; Open reads a file; Expand turns
// paths into the inputs to open (lazily: see package order). Ahead decodes
// one file of JSON documents on several goroutines and yields its events in
// input order, exactly as Next would.
//
// Adding an input format is one entry in the formats table (sniff.go) and
// its reader in this package.
package input
