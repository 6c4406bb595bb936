package eql

import (
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Options configure Compile.
type Options struct {
	// Schema gives field types for checking and for type-specific
	// comparisons (ip, date, version). With a schema, fields it does not
	// know are errors (unless AllowUnknownFields), and ?optional fields it
	// does not know are null, as in Elasticsearch. Nil: no field checks,
	// comparisons follow the values' own kinds.
	Schema match.FieldTypes
	// AllowUnknownFields makes fields the schema does not know untyped
	// instead of errors.
	AllowUnknownFields bool
	// CategoryField holds the event category; "event.category" when empty.
	CategoryField string
}

// KeyFunc extracts a join key (a `by` value) from an event. Its result may
// be an array (a multi-valued key) or missing.
type KeyFunc func(ev *event.Event) event.Value

// Key is one join key of a stage.
type Key struct {
	// Get returns the key's value for an event.
	Get KeyFunc
	// Optional is set for a ?field key: a missing value is then the key
	// value null; otherwise an event without it takes no part in the stage,
	// as in Elasticsearch.
	Optional bool
	// Name is the key expression as written.
	Name string
}

// CompiledStage is one stage of a sequence or sample, compiled: what a
// sequence or sample runtime needs to drive it.
type CompiledStage struct {
	// Pred is the stage's condition, its event category included.
	Pred match.Pred
	// Category is the stage's category, "" for any.
	Category string
	// Keys are the join keys: the query's shared `by` keys first, then
	// the stage's own.
	Keys []Key
	// Runs is the `with runs=N` count; 1 when not given.
	Runs int
	// Missing marks a missing-event stage ![...].
	Missing bool
	// Stage is the parsed stage.
	Stage *Stage
}

// Program is a compiled query. For an event query Match evaluates it; for
// a sequence or a sample the runtime drives Stages. Programs are immutable
// and safe for concurrent use.
type Program struct {
	// Query is the parsed query.
	Query *Query
	kind  QueryKind

	// Pred is an event query's condition, its category included.
	Pred match.Pred
	// Head and Tail are the limits of the `| head N` and `| tail N`
	// pipes, in order (Pipes).
	Pipes []*Pipe

	// Stages are a sequence's or sample's stages in order.
	Stages []*CompiledStage
	// Until is a sequence's until stage, or nil.
	Until *CompiledStage
	// MaxSpan is a sequence's maxspan; 0 when not given.
	MaxSpan time.Duration
	// KeyNames are the join key expressions as written (shared keys
	// first), for output.
	KeyNames []string
}

// Kind returns whether the program is an event query, a sequence or a
// sample.
func (p *Program) Kind() QueryKind { return p.kind }

// Match reports whether an event satisfies an event query. It does not
// allocate for field predicates. For sequences and samples it is false.
func (p *Program) Match(ev *event.Event) bool {
	if p.Pred == nil {
		return false
	}
	return p.Pred.Match(ev)
}

// ApplyPipes applies the query's head and tail pipes, in order, to the
// number of results n, returning the half-open range [from, to) of results
// to keep.
func (p *Program) ApplyPipes(n int) (from, to int) {
	from, to = 0, n
	for _, pp := range p.Pipes {
		switch pp.Name {
		case "head":
			if to-from > pp.N {
				to = from + pp.N
			}
		case "tail":
			if to-from > pp.N {
				from = to - pp.N
			}
		}
	}
	return from, to
}

// LastPipeIsTail reports whether the last pipe is tail: the results a size
// limit keeps are then the latest ones.
func (p *Program) LastPipeIsTail() bool {
	return len(p.Pipes) > 0 && p.Pipes[len(p.Pipes)-1].Name == "tail"
}
