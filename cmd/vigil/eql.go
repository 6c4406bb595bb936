package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/source"
)

// eqlCmd runs one EQL query over NDJSON events, as Elasticsearch's EQL
// search API would over an index holding them.
type eqlCmd struct{}

func (*eqlCmd) Name() string     { return "eql" }
func (*eqlCmd) Synopsis() string { return "run an EQL query over NDJSON events" }

const eqlUsage = `
usage: vigil eql [flags] QUERY [FILE...]

Runs an EQL query (Elasticsearch syntax and semantics) over ECS events in
NDJSON files (one JSON object per line, or a JSON array; .gz files are
decompressed; folders are read recursively), or standard input when no FILE
or "-" is given. Events from all files are merged into one order: by the
timestamp field, then the tiebreaker field, then input order, as
Elasticsearch sorts them (events without a timestamp first).

An event query prints the matching events as NDJSON. A sequence or sample
query prints one line per result:
  {"join_keys":[...],"events":[{...},{...}]}
with the events in stage order ({"missing":true} for a missing-event stage).
The head and tail pipes apply, then --size (results, as Elasticsearch's
size). Lines that are not JSON objects are reported with file and line
number and skipped.

Field types come from the ECS table built into vigil (and the non-ECS
fields of Elastic's detection rules); with --strict an unknown field is an
error, as in Elasticsearch; with --schema=none no types are used.

Examples:
  vigil eql 'process where process.name : "sc.exe"' events.ndjson
  vigil eql --size 0 'any where cidrMatch(source.ip, "10.0.0.0/8") | tail 5' a.ndjson b.ndjson.gz
  vigil eql 'sequence by process.entity_id with maxspan=1m [process where true] [network where true]' logs/
`

func (c *eqlCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("eql", eqlUsage)
	tsField := fs.String("timestamp-field", "@timestamp", "the event `field` that orders events")
	tieField := fs.String("tiebreaker-field", "", "the `field` that orders events with equal timestamps (e.g. event.sequence)")
	catField := fs.String("category-field", "event.category", "the `field` holding the event category")
	size := fs.Int("size", 10, "print at most `n` events or results, as Elasticsearch's size (default 10); 0 for no limit")
	schemaName := fs.String("schema", "ecs", "field types: `ecs` (ECS and the detection rules' non-ECS fields) or none")
	strict := fs.Bool("strict", false, "report fields the schema does not know as errors, as Elasticsearch does")
	perKey := fs.Int("max-samples-per-key", 1, "samples per join key for sample queries")
	maxPending := fs.Int("max-pending", 0, "cap on pending sequence state (0: default 100000)")
	lateness := fs.Duration("lateness", 5*time.Second, "reorder window per input for events slightly out of time order")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return usageError("eql: a QUERY is required")
	}
	if *size < 0 {
		return usageError("eql: --size must not be negative")
	}
	src := fs.Arg(0)
	files := fs.Args()[1:]

	q, err := eql.Parse(src)
	if err != nil {
		return queryError(err)
	}
	opt := eql.Options{CategoryField: *catField, AllowUnknownFields: !*strict}
	switch *schemaName {
	case "ecs":
		opt.Schema = match.ECSAndNonECS()
	case "none":
	default:
		return usageError("eql: unknown --schema %q (use ecs or none)", *schemaName)
	}
	schema := event.NewSchema()
	prog, err := eql.Compile(q, schema, opt)
	if err != nil {
		return queryError(err)
	}
	r := &eqlRun{prog: prog, size: *size, tie: -1, out: bufio.NewWriter(stdout)}
	if *tieField != "" {
		r.tie = schema.Slot(*tieField)
	}
	switch prog.Kind() {
	case eql.SequenceQuery:
		m, err := sequence.NewMatcher(engine.SequenceSpec(prog, nil), sequence.Options{MaxPending: *maxPending})
		if err != nil {
			return err
		}
		r.seq = m
	case eql.SampleQuery:
		sm, err := sequence.NewSampler(engine.SampleSpec(prog, *perKey, nil), sequence.SampleOptions{MaxKeys: *maxPending})
		if err != nil {
			return err
		}
		r.sample = sm
	}
	r.pipe = sequence.NewPipe(engine.PipeOps(prog), r.result)
	if len(files) == 0 {
		files = []string{"-"}
	}
	inputs, errs := source.Expand(files)
	for _, err := range errs {
		fmt.Fprintln(stderr, "vigil eql:", err)
	}
	if len(inputs) == 0 {
		return &exitError{code: 1, err: errors.New("eql: no readable input")}
	}
	var prog2 source.Progress
	err = source.Read(ctx, inputs, source.Options{Schema: schema, TimeField: *tsField, Lateness: *lateness, Stdin: stdin}, &prog2,
		func(err error) { fmt.Fprintln(stderr, "vigil eql: skipped:", err) },
		r.event)
	if err != nil && !errors.Is(err, errEnough) {
		return &exitError{code: 1, err: fmt.Errorf("eql: %w", err)}
	}
	r.flushTies()
	r.finish()
	if err := r.out.Flush(); err != nil {
		return err
	}
	if n := prog2.BadRecords.Load(); n > 0 {
		fmt.Fprintf(stderr, "vigil eql: %d record(s) skipped\n", n)
	}
	return nil
}

// errEnough stops reading once a head limit is reached.
var errEnough = errors.New("enough results")

// queryError prints parse or check errors with their snippets.
func queryError(err error) error {
	var list srcpos.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			e.Pos.File = "query"
		}
		fmt.Fprintln(stderr, list.Render())
		return &exitError{code: 1, err: errSilent}
	}
	return err
}

// eqlRun runs one query over the merged event stream.
type eqlRun struct {
	prog   *eql.Program
	seq    *sequence.Matcher
	sample *sequence.Sampler
	pipe   *sequence.Pipe
	size   int
	tie    int
	out    *bufio.Writer
	n      int // results printed
	// tailBuf holds results when the last pipe is tail and a size
	// applies: the size then keeps the last ones.
	tailBuf []sequence.Result

	// ties holds the events that share the current timestamp, so that
	// they can be ordered by the tiebreaker before matching.
	ties []*event.Event
}

// event receives the events in time order.
func (r *eqlRun) event(ev *event.Event) error {
	if len(r.ties) > 0 && ev.Time != r.ties[0].Time {
		r.flushTies()
	}
	if r.prog.Kind() == eql.EventQuery && !r.prog.Match(ev) {
		return r.enough()
	}
	c := ev.Clone()
	c.Seq = uint64(len(r.ties))
	r.ties = append(r.ties, c)
	return r.enough()
}

func (r *eqlRun) enough() error {
	if r.pipe.Done() || r.size > 0 && r.n >= r.size && !r.prog.LastPipeIsTail() {
		return errEnough
	}
	return nil
}

// flushTies orders the events of one timestamp by the tiebreaker (then
// arrival) and passes them on.
func (r *eqlRun) flushTies() {
	if r.tie >= 0 {
		sort.SliceStable(r.ties, func(i, j int) bool {
			return tieLess(r.ties[i].Get(r.tie), r.ties[j].Get(r.tie))
		})
	}
	for _, ev := range r.ties {
		switch {
		case r.seq != nil:
			r.seq.Push(ev, r.pipe.Push)
		case r.sample != nil:
			r.sample.Push(ev)
		default:
			r.pipe.Push(sequence.Result{Events: []*event.Event{ev}})
		}
	}
	clear(r.ties)
	r.ties = r.ties[:0]
}

// tieLess orders tiebreaker values: present before missing, numbers
// numerically, strings lexically.
func tieLess(a, b event.Value) bool {
	if a.Kind() == event.KindArray && len(a.Array()) > 0 {
		a = a.Array()[0]
	}
	if b.Kind() == event.KindArray && len(b.Array()) > 0 {
		b = b.Array()[0]
	}
	switch {
	case a.IsNumber() && b.IsNumber():
		return a.Float() < b.Float()
	case a.Kind() == event.KindString && b.Kind() == event.KindString:
		return a.Str() < b.Str()
	}
	return a.Exists() && !b.Exists()
}

func (r *eqlRun) finish() {
	switch {
	case r.seq != nil:
		r.seq.Flush(r.pipe.Push)
	case r.sample != nil:
		r.sample.Flush(r.pipe.Push)
	}
	r.pipe.Flush()
	if r.prog.LastPipeIsTail() && r.size > 0 {
		// The size keeps the last results: print only those.
		keep := r.tailBuf
		if len(keep) > r.size {
			keep = keep[len(keep)-r.size:]
		}
		for _, res := range keep {
			r.print(res)
		}
	}
}

// result receives what passes the pipes, in output order.
func (r *eqlRun) result(res sequence.Result) {
	if r.prog.LastPipeIsTail() && r.size > 0 {
		r.tailBuf = append(r.tailBuf, res)
		return
	}
	if r.size > 0 && r.n >= r.size {
		return
	}
	r.print(res)
}

func (r *eqlRun) print(res sequence.Result) {
	r.n++
	if r.prog.Kind() == eql.EventQuery {
		r.out.Write(res.Events[0].AppendJSON(nil))
		r.out.WriteByte('\n')
		return
	}
	b := []byte(`{"join_keys":`)
	b = event.Array(res.Keys...).AppendJSON(b)
	b = append(b, `,"events":[`...)
	for i, ev := range res.Events {
		if i > 0 {
			b = append(b, ',')
		}
		if ev == nil {
			b = append(b, `{"missing":true}`...)
			continue
		}
		b = ev.AppendJSON(b)
	}
	b = append(b, "]}\n"...)
	r.out.Write(b)
}
