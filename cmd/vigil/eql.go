package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
)

// eqlCmd runs one EQL query over NDJSON events, as Elasticsearch's EQL
// search API would over an index holding them.
type eqlCmd struct{}

func (*eqlCmd) Name() string     { return "eql" }
func (*eqlCmd) Synopsis() string { return "run an EQL query over NDJSON events" }

const eqlUsage = `
usage: vigil eql [flags] QUERY [FILE...]

Runs an EQL query (Elasticsearch syntax and semantics) over ECS events in
NDJSON files (one JSON object per line; .gz files are decompressed), or
standard input when no FILE or "-" is given, and prints the matching events
as NDJSON in time order: by the timestamp field, then the tiebreaker field,
then input order, as Elasticsearch returns them (events without a
timestamp first). The head and tail pipes apply, then --size. Lines that are not JSON objects are reported with file
and line number and skipped.

Field types come from the ECS table built into vigil (and the non-ECS
fields of Elastic's detection rules); with --strict an unknown field is an
error, as in Elasticsearch; with --schema=none no types are used.

Sequence and sample queries are parsed and checked but not run yet.

Examples:
  vigil eql 'process where process.name : "sc.exe"' events.ndjson
  vigil eql --size 0 'any where cidrMatch(source.ip, "10.0.0.0/8") | tail 5' a.ndjson b.ndjson.gz
`

func (c *eqlCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("eql", eqlUsage)
	tsField := fs.String("timestamp-field", "@timestamp", "the event `field` that orders events")
	tieField := fs.String("tiebreaker-field", "", "the `field` that orders events with equal timestamps (e.g. event.sequence)")
	catField := fs.String("category-field", "event.category", "the `field` holding the event category")
	size := fs.Int("size", 10, "print at most `n` events, as Elasticsearch's size (default 10); 0 for no limit")
	schemaName := fs.String("schema", "ecs", "field types: `ecs` (ECS and the detection rules' non-ECS fields) or none")
	strict := fs.Bool("strict", false, "report fields the schema does not know as errors, as Elasticsearch does")
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
		opt.Schema = eql.ECSAndNonECS()
	case "none":
	default:
		return usageError("eql: unknown --schema %q (use ecs or none)", *schemaName)
	}
	schema := event.NewSchema()
	prog, err := eql.Compile(q, schema, opt)
	if err != nil {
		return queryError(err)
	}
	if prog.Kind() != eql.EventQuery {
		return fmt.Errorf("eql: %s queries are not supported yet: the query is valid, but the sequence and sample runtime is not wired into this command", prog.Kind())
	}
	r := &eqlRun{
		prog:   prog,
		schema: schema,
		tsSlot: schema.Slot(*tsField),
		tie:    -1,
	}
	if *tieField != "" {
		r.tie = schema.Slot(*tieField)
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.file(ctx, name); err != nil {
			return err
		}
	}
	return r.output(*size)
}

// queryError prints parse or check errors with their snippets.
func queryError(err error) error {
	var list *eql.ErrorList
	if errors.As(err, &list) {
		fmt.Fprintln(stderr, list.Detailed("query"))
		return &exitError{code: 1, err: errSilent}
	}
	return err
}

// hit is a matching event, kept until the output is sorted.
type hit struct {
	time   int64
	tieNum float64
	tieStr string
	tieOK  bool
	seq    uint64
	raw    []byte
}

type eqlRun struct {
	prog   *eql.Program
	schema *event.Schema
	tsSlot int
	tie    int
	seq    uint64
	hits   []hit
	bad    int
}

func (r *eqlRun) file(ctx context.Context, name string) error {
	var in io.Reader
	display := name
	if name == "-" {
		in, display = stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		defer f.Close()
		in = f
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return &exitError{code: 1, err: fmt.Errorf("%s: %v", name, err)}
			}
			defer zr.Close()
			in = zr
		}
	}
	br := bufio.NewReaderSize(in, 1<<20)
	var ev event.Event
	line := int64(0)
	for {
		data, err := br.ReadBytes('\n')
		if len(data) > 0 {
			line++
			data = bytes.TrimSpace(data)
			if len(data) > 0 {
				if line%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				r.event(display, line, data, &ev)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("%s: %v", display, err)}
		}
	}
}

func (r *eqlRun) event(file string, line int64, data []byte, ev *event.Event) {
	ev.Source, ev.Pos = file, line
	if err := r.schema.Decode(data, ev); err != nil {
		r.bad++
		fmt.Fprintf(stderr, "%s:%d: skipped: %v\n", file, line, err)
		return
	}
	r.seq++
	if !r.prog.Match(ev) {
		return
	}
	h := hit{seq: r.seq, raw: append([]byte(nil), data...)}
	if ns, ok := event.ParseTime(ev.Get(r.tsSlot)); ok {
		h.time = ns
	}
	if r.tie >= 0 {
		switch v := ev.Get(r.tie); {
		case v.IsNumber():
			h.tieNum, h.tieOK = v.Float(), true
		case v.Kind() == event.KindString:
			h.tieStr, h.tieOK = strings.Clone(v.Str()), true
		}
	}
	r.hits = append(r.hits, h)
}

func (r *eqlRun) output(size int) error {
	sort.SliceStable(r.hits, func(i, j int) bool {
		a, b := &r.hits[i], &r.hits[j]
		if a.time != b.time {
			return a.time < b.time
		}
		if a.tieOK != b.tieOK {
			return a.tieOK
		}
		if a.tieOK {
			if a.tieNum != b.tieNum {
				return a.tieNum < b.tieNum
			}
			if a.tieStr != b.tieStr {
				return a.tieStr < b.tieStr
			}
		}
		return a.seq < b.seq
	})
	from, to := r.prog.ApplyPipes(len(r.hits))
	if size > 0 && to-from > size {
		if r.prog.LastPipeIsTail() {
			from = to - size
		} else {
			to = from + size
		}
	}
	w := bufio.NewWriter(stdout)
	for _, h := range r.hits[from:to] {
		w.Write(h.raw)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if r.bad > 0 {
		fmt.Fprintf(stderr, "vigil eql: %d line(s) skipped\n", r.bad)
	}
	return nil
}
