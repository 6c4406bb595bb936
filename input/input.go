package input

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
)

// Reader yields the events of one input in input order.
type Reader interface {
	// Next decodes the next event into ev, which the caller has recycled.
	// It returns io.EOF at the end. A *RecordError whose Fatal is false
	// skips one record and reading goes on; any other error ends the
	// input, and later calls return io.EOF.
	Next(ev *event.Event) error
	// Close releases the input.
	Close() error
	// Unit names what an event's Pos counts: "line" or "record".
	Unit() string
}

// Counters count what readers read; a progress display may read them from
// another goroutine.
type Counters struct {
	Bytes     atomic.Int64 // bytes read (compressed size for gzip; EVTX counts when the file is done)
	BadTimes  atomic.Int64 // events whose time could not be read or represented
	Recovered atomic.Int64 // EVTX records read from chunks whose checksum failed
}

// Options configure readers. One Options may be shared by readers on
// several goroutines; it must not change once reading has started.
type Options struct {
	// Schema decodes JSON documents; register every field rules need
	// before reading.
	Schema *event.Schema
	// TimeField is the event time (default "@timestamp").
	TimeField string
	// Index names the index of events that carry neither _index nor
	// data_stream.* fields (the --index flag). Empty leaves it empty.
	Index string
	// RawWinlog forces (true) or forbids (false) treating JSON documents
	// as raw winlog records to map to ECS; nil decides per document (a
	// document with winlog.channel and none of the fields Elastic's ingest
	// pipelines add: event.category, event.module, event.ingested).
	RawWinlog *bool
	// KeepEventData keeps every EventData value of Windows records under
	// winlog.event_data.* as the record has it, also those Elastic's
	// pipelines move or drop (winlog.Normalizer.KeepEventData): Sigma
	// rules read them.
	KeepEventData bool
	// WholeDocs builds every raw winlog record's whole ECS document as it
	// is read, for a reader that writes every document out (vigil dump).
	// Otherwise an event gets the fields the schema has slots for and a
	// document built again from its record when it is read
	// (event.Schema.LoadDocLazy), unless KeepEventData is set.
	WholeDocs bool
	// Stdin is read for the path "-".
	Stdin io.Reader
	// MaxRecord caps one line or JSON array element (default 64 MiB);
	// longer ones are skipped and reported.
	MaxRecord int
	// MaxStreamEVTX caps an EVTX file read from a stream rather than a
	// file, which must be held in memory (default 1 GiB).
	MaxStreamEVTX int64
	// Warn receives problems that do not cost an event, such as a
	// timestamp that cannot be read (the first few per input). Nil
	// drops them.
	Warn func(error)
	// Counters, if set, is added to.
	Counters *Counters
}

// DefaultMaxRecord is the default cap on one line or array element.
const DefaultMaxRecord = 64 << 20

// maxTimeWarnings is how many bad timestamps one input reports; the rest
// are only counted.
const maxTimeWarnings = 3

// RecordError is a record that could not be read, or, when Fatal, the end
// of an input that could not be read further.
type RecordError struct {
	Path  string
	Pos   int64  // line, element or record number, 1-based; 0 for the whole input
	Unit  string // "line", "record" or "chunk"
	Err   error
	Fatal bool // the rest of the input is skipped
}

func (e *RecordError) Error() string {
	msg := e.Err.Error()
	if e.Fatal && e.Pos > 0 {
		msg += " (rest of the input skipped)"
	}
	if e.Pos == 0 {
		return fmt.Sprintf("%s: %s", e.Path, msg)
	}
	return fmt.Sprintf("%s:%s %d: %s", e.Path, e.Unit, e.Pos, msg)
}

func (e *RecordError) Unwrap() error { return e.Err }

// countingReader adds what it reads to a counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
