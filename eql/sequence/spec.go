package sequence

import (
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/event"
)

// Key is one join key field of a stage.
type Key struct {
	// Get returns the field's value: a scalar, or an array whose distinct
	// non-null elements each give a key value.
	Get func(*event.Event) event.Value
	// Optional is set when the field was written ?field: then a missing or
	// null value is the key value null. Otherwise an event without a value
	// takes no part in the stage.
	Optional bool
}

// Stage is one bracketed filter of a sequence or sample.
type Stage struct {
	// Match reports whether an event passes the stage's filter.
	Match func(*event.Event) bool
	// Keys are the join keys: the shared `by` keys first, then the stage's
	// own. Every stage of a query has the same number of keys.
	Keys []Key
	// Missing marks a missing-event stage, ![...].
	Missing bool
}

// Spec describes a sequence query.
type Spec struct {
	// Stages in order; `with runs=N` is expanded into N copies.
	Stages []Stage
	// Until, when not nil, cancels a join key's partial sequences.
	Until *Stage
	// MaxSpan bounds the time from a sequence's first to its last event;
	// 0 means no bound.
	MaxSpan time.Duration
}

// Options tune a Matcher's resource use.
type Options struct {
	// MaxPending caps the join keys that hold state (partial sequences,
	// missing-event timestamps) and, separately, the completed sequences
	// waiting for a decision on trailing missing events. When a new key
	// would exceed it, the key touched least recently is evicted and
	// counted. 0 means DefaultMaxPending.
	MaxPending int
	// MaxFanout caps the join keys one event yields for a stage (the
	// cartesian product of multi-valued key fields) and the distinct values
	// taken from one array field. 0 means DefaultMaxFanout.
	MaxFanout int
	// Owned says that the caller hands events over to the matcher and does
	// not reuse them, so they are retained without being copied (events
	// released by an order.Buffer are owned this way). Without Owned or
	// Retain, the matcher keeps copies of its own (the document and the
	// values, in recycled storage) and makes an event of a copy (compact
	// and owning its memory, like a clone) only when a result holding it
	// is emitted.
	Owned bool
	// Retain, when set, makes the copy of an event the matcher keeps,
	// instead of Clone: event.Event.SnapshotTo, say, which copies only
	// the raw document (results then hold snapshots, to be restored with
	// Schema.Restore before they are read), from storage the caller
	// recycles once Matcher.Retained no longer reports it.
	Retain func(*event.Event) *event.Event
}

// Defaults for Options.
const (
	DefaultMaxPending = 100_000
	DefaultMaxFanout  = 256
)

// Result is one sequence or sample found.
type Result struct {
	// Keys are the join key values (shared keys first, then the stage
	// keys), nil when the query has no `by`.
	Keys []event.Value
	// Events holds one event per stage, nil for a missing-event stage.
	// They own their memory, made from the matcher's copies (or are the
	// caller's own events with Options.Owned, or what Options.Retain
	// made), which it no longer uses; one event may appear in several results (a multi-valued key),
	// so treat them as read-only. A caller done with a result may hand it
	// back (Matcher.Recycle), and must not read its events afterwards.
	Events []*event.Event
}

// Stats are a matcher's counters.
type Stats struct {
	Keys      int // join keys holding state
	Partials  int // partial sequences in flight
	Undecided int // completed sequences waiting for the trailing missing-event check (or behind one in output order)
	Retained  int // events held (partial sequences and undecided results)

	Results         uint64 // results emitted
	Replaced        uint64 // partial sequences replaced by a newer one at the same stage
	Evictions       uint64 // keys evicted because MaxPending was reached (oldest first)
	EvictedPartials uint64 // partial sequences lost with evicted keys
	EvictedResults  uint64 // undecided results dropped because MaxPending was reached
	Expired         uint64 // keys dropped because maxspan had passed for all their state
	RejectedMaxSpan uint64 // partial sequences that could not advance because maxspan had passed
	Cancelled       uint64 // partial sequences dropped by `until`
	RejectedMissing uint64 // candidate sequences rejected by a missing-event stage
	FanoutTruncated uint64 // events whose join keys were cut to MaxFanout

	// Bytes estimates the memory the matcher's own state takes, excluding
	// the retained events themselves.
	Bytes int64
}

// validate checks the shape of a spec.
func (s *Spec) validate() error {
	if len(s.Stages) == 0 {
		return errors.New("sequence: no stages")
	}
	positive := 0
	nkeys := len(s.Stages[0].Keys)
	for i := range s.Stages {
		st := &s.Stages[i]
		if st.Match == nil {
			return fmt.Errorf("sequence: stage %d has no filter", i+1)
		}
		if len(st.Keys) != nkeys {
			return fmt.Errorf("sequence: stage %d has %d join keys, stage 1 has %d", i+1, len(st.Keys), nkeys)
		}
		for _, k := range st.Keys {
			if k.Get == nil {
				return fmt.Errorf("sequence: stage %d has a join key without a getter", i+1)
			}
		}
		if !st.Missing {
			positive++
		}
	}
	if positive == 0 {
		return errors.New("sequence: every stage is a missing-event stage")
	}
	if s.Until != nil {
		if s.Until.Match == nil {
			return errors.New("sequence: until has no filter")
		}
		if len(s.Until.Keys) != nkeys {
			return fmt.Errorf("sequence: until has %d join keys, the stages have %d", len(s.Until.Keys), nkeys)
		}
	}
	if s.MaxSpan < 0 {
		return errors.New("sequence: negative maxspan")
	}
	return nil
}
