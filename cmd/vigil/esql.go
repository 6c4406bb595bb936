package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/order"
)

// esqlCmd runs one ES|QL query over events, as Elasticsearch's _query
// API would over indices holding them.
type esqlCmd struct{}

func (*esqlCmd) Name() string     { return "esql" }
func (*esqlCmd) Synopsis() string { return "run an ES|QL query over EVTX and NDJSON events" }

const esqlUsage = `
usage: vigil esql [flags] QUERY [FILE...]

Runs an ES|QL query (Elasticsearch syntax and semantics) over events in EVTX
files or ECS NDJSON (raw winlog records are mapped to ECS; folders are read
recursively; formats are recognised by content), or standard input when no
FILE or "-" is given, and prints the result's rows. FROM selects events by
the index or data stream each event belongs to (as vigil hunt names them:
logs-windows.sysmon_operational-default, logs-system.security-default, ...);
--all-indices reads every event whatever FROM says. As Elasticsearch does,
a query without LIMIT returns at most 1000 rows.

Field types come from the ECS table built into vigil and the detection
rules' non-ECS fields; other fields are typed by how the query uses them.
Warnings (a function on a multi-valued field, an overflow) go to stderr.

Examples:
  vigil esql 'FROM logs-* | WHERE process.name == "sc.exe" | KEEP @timestamp, host.name, process.command_line' logs/
  vigil esql --format json 'FROM * | STATS n = COUNT(*) BY event.code | SORT n DESC' a.evtx
`

func (c *esqlCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("esql", esqlUsage)
	tsField := fs.String("timestamp-field", "@timestamp", "the event `field` that orders events")
	format := fs.String("format", "table", "output `format`: table or json")
	allIndices := fs.Bool("all-indices", false, "read every event, whatever index FROM names")
	lateness := fs.Duration("lateness", 5*time.Second, "reorder window per input for events slightly out of time order")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError("esql: unknown --format %q (use table or json)", *format)
	}
	if fs.NArg() < 1 {
		return usageError("esql: no query")
	}
	schema := event.NewSchema()
	q, err := engine.CompileESQL(fs.Arg(0), schema, nil, time.Now())
	if err != nil {
		var u *esql.UnsupportedError
		if errors.As(err, &u) {
			return &exitError{code: 1, err: u}
		}
		return queryError(err)
	}
	files := fs.Args()[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	inputs, errs := input.Expand(files)
	for _, err := range errs {
		fmt.Fprintln(stderr, "vigil esql:", err)
	}
	if len(inputs) == 0 {
		return &exitError{code: 1, err: errors.New("esql: no readable input")}
	}
	var warn esql.Warnings
	st := q.Prog.NewStream(&warn)
	st.MaxRows = 10_000_000
	var rp order.Progress
	report := func(err error) { fmt.Fprintln(stderr, "vigil esql: skipped:", err) }
	op := input.NewOpener(input.Options{Schema: schema, TimeField: *tsField, Stdin: stdin, Warn: report, Counters: &rp.Counters})
	err = order.Read(ctx, inputs, op, order.Options{Lateness: *lateness, Report: report}, &rp, func(ev *event.Event) error {
		if !*allIndices && !q.Reads(ev.Index) {
			return nil
		}
		// the row may keep the event (KQL() and the document column)
		if !st.Push(esql.Row{Cells: q.Row(ev.Clone())}) {
			return errEnough
		}
		return nil
	})
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !errors.Is(err, errEnough) && !interrupted {
		return &exitError{code: 1, err: fmt.Errorf("esql: %w", err)}
	}
	rows := st.Finish()
	if len(rows) > 1000 && !q.Prog.HasLimit() {
		rows = rows[:1000]
	}
	out := bufio.NewWriter(stdout)
	if *format == "json" {
		writeESQLJSON(out, q.Prog.Columns, rows)
	} else {
		writeESQLTable(out, q.Prog.Columns, rows)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	for _, w := range warn.List() {
		fmt.Fprintln(stderr, "vigil esql: warning:", w)
	}
	if st.Dropped > 0 {
		fmt.Fprintf(stderr, "vigil esql: %d row(s) past the %d rows held were dropped\n", st.Dropped, st.MaxRows)
	}
	if interrupted {
		return &exitError{code: 130, err: errors.New("esql: interrupted")}
	}
	if n := rp.Failed.Load(); n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("esql: %d of %d inputs could not be read (or not to the end)", n, len(inputs))}
	}
	return nil
}

// writeESQLJSON writes the rows as Elasticsearch's _query response does.
func writeESQLJSON(out *bufio.Writer, cols []esql.Column, rows []esql.Row) {
	var b []byte
	b = append(b, `{"columns":[`...)
	n := 0
	for _, c := range cols {
		if c.Type == esql.TUnsupported {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"name":`...)
		b = event.AppendJSONString(b, c.Name)
		b = append(b, `,"type":`...)
		b = event.AppendJSONString(b, esqlTypeName(c.Type))
		b = append(b, '}')
	}
	b = append(b, `],"values":[`...)
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		n := 0
		for j, c := range cols {
			if c.Type == esql.TUnsupported {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = esql.AppendJSON(b, r.Cells[j], c.Type)
		}
		b = append(b, ']')
	}
	b = append(b, "]}\n"...)
	out.Write(b)
}

func esqlTypeName(t esql.Type) string {
	if t == esql.TDate {
		return "date"
	}
	return t.String()
}

// writeESQLTable writes the rows as an aligned table, as ES's txt format.
func writeESQLTable(out *bufio.Writer, cols []esql.Column, rows []esql.Row) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	var head []string
	for _, c := range cols {
		if c.Type != esql.TUnsupported {
			head = append(head, c.Name)
		}
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		var cells []string
		for j, c := range cols {
			if c.Type == esql.TUnsupported {
				continue
			}
			s := esql.FormatValue(r.Cells[j], c.Type)
			s = strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
			cells = append(cells, s)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}
