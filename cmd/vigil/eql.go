package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/search"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/order"
)

// eqlCmd runs one EQL query over NDJSON events, as Elasticsearch's EQL
// search API would over an index holding them.
type eqlCmd struct{}

func (*eqlCmd) Name() string     { return "eql" }
func (*eqlCmd) Synopsis() string { return "run an EQL query over EVTX and NDJSON events" }

const eqlUsage = `
usage: vigil eql [flags] QUERY [FILE...]
       vigil eql [flags] --query-file FILE [FILE...]

Runs an EQL query (Elasticsearch syntax and semantics) over events in EVTX
files or ECS NDJSON (one JSON object per line, or a JSON array; gzip is
decompressed; raw winlog records are mapped to ECS; folders are read
recursively; formats are recognised by content), or standard input when no
FILE or "-" is given. Events from all files are merged into one order: by the
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
  vigil eql --kql 'event.category : process and process.name : "sc.exe"' events.ndjson
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
	query := registerEQLQuery(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *size < 0 {
		return usageError("eql: --size must not be negative")
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
	prog, files, err := query.compile(fs.Args(), schema, opt)
	if err != nil {
		return err
	}
	sopt := search.Options{Size: *size, MaxPending: *maxPending, MaxSamplesPerKey: *perKey}
	if *size == 0 {
		sopt.Size = search.NoLimit
	}
	if *tieField != "" {
		tie := schema.Slot(*tieField)
		sopt.Tiebreaker = func(ev *event.Event) event.Value { return ev.Get(tie) }
	}
	out := bufio.NewWriter(stdout)
	var line []byte
	srch, err := search.New(prog, sopt, func(res sequence.Result) {
		line = appendResult(line[:0], prog, res)
		out.Write(line)
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	inputs, errs := input.Expand(files)
	for _, err := range errs {
		fmt.Fprintln(stderr, "vigil eql:", err)
	}
	if len(inputs) == 0 {
		return &exitError{code: 1, err: errors.New("eql: no readable input")}
	}
	var rp order.Progress
	report := func(err error) { fmt.Fprintln(stderr, "vigil eql: skipped:", err) }
	op := input.NewOpener(input.Options{Schema: schema, TimeField: *tsField, Stdin: stdin, Warn: report, Counters: &rp.Counters})
	err = order.Read(ctx, inputs, op, order.Options{Lateness: *lateness, Report: report}, &rp, func(ev *event.Event) error {
		if !srch.Push(ev) {
			return errEnough
		}
		return nil
	})
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !errors.Is(err, errEnough) && !interrupted {
		return &exitError{code: 1, err: fmt.Errorf("eql: %w", err)}
	}
	srch.Flush()
	if err := out.Flush(); err != nil {
		return err
	}
	if n := rp.BadRecords.Load(); n > 0 {
		fmt.Fprintf(stderr, "vigil eql: %d record(s) skipped\n", n)
	}
	if interrupted {
		return &exitError{code: 130, err: errors.New("eql: interrupted")}
	}
	if n := rp.Failed.Load(); n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("eql: %d of %d inputs could not be read (or not to the end)", n, len(inputs))}
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

// appendResult appends one result as an output line: the event of an event
// query, else {"join_keys":[...],"events":[...]}.
func appendResult(b []byte, prog *eql.Program, res sequence.Result) []byte {
	if prog.Kind() == eql.EventQuery {
		b = res.Events[0].AppendJSON(b)
		return append(b, '\n')
	}
	b = append(b, `{"join_keys":`...)
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
	return append(b, "]}\n"...)
}
