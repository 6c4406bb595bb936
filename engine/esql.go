package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
)

// An ES|QL rule runs as Kibana runs it. A query whose commands all work
// row by row (WHERE, EVAL, KEEP, DROP, RENAME, GROK, DISSECT, MV_EXPAND;
// SORT and LIMIT do not change which documents it returns) alerts once
// per source document that yields a row. A query with STATS is evaluated
// for each look-back window of event time (the rule's "from", one window
// ending every "interval"): the rows before the STATS feed one partial
// aggregation per open window, and when the watermark passes a window's
// end the rest of the pipeline runs over its groups and each result row
// is an alert holding the row's fields, its id derived from the rule, the
// window and the row.

// esqlQuery is a rule's compiled ES|QL program and the event slots of
// its source columns.
type esqlQuery = ESQLQuery

// ESQLQuery is an ES|QL query compiled against an event schema: its
// program and where its source columns are in events.
type ESQLQuery struct {
	Prog   *esql.Program
	slots  []int // per input column; -1 for metadata and the document
	fields *alert.Fields
	prog   *esql.Program
	// noID: no command reads the _id column, so rows leave it null
	// (naming the event costs a hash)
	noID bool
}

// esqlMaxWindows bounds the windows open at once; esqlMaxRows the rows a
// window holds for a query whose first blocking command is not STATS.
const (
	esqlMaxWindows = 64
	esqlMaxRows    = 100_000
)

// CompileESQL compiles an ES|QL query over events decoded with s (its
// source fields get slots there): field types come from the ECS table and
// the detection rules' non-ECS fields, unknown fields are typed by their
// use, KQL() filters compile with package kql, now() is now. Errors are
// an srcpos.ErrorList or an *esql.UnsupportedError.
func CompileESQL(query string, s *event.Schema, fields *alert.Fields, now time.Time) (*ESQLQuery, error) {
	prog, err := esqlProgram(query, now, func(query string) (func(any) bool, error) {
		p, err := kql.CompileQuery(query, s, kql.Options{})
		if err != nil {
			return nil, err
		}
		return func(doc any) bool {
			ev, ok := doc.(*event.Event)
			return ok && p.Match(ev)
		}, nil
	})
	if err != nil {
		return nil, err
	}
	return bindESQL(prog, s, fields), nil
}

// esqlProgram is CompileESQL up to the schema: it registers no field but
// through kqlc, the compiler of KQL() filters.
func esqlProgram(query string, now time.Time, kqlc func(string) (func(any) bool, error)) (*esql.Program, error) {
	q, err := esql.Parse(query)
	if err != nil {
		return nil, err
	}
	if _, ok := q.Commands[0].(*esql.From); !ok {
		return nil, &esql.UnsupportedError{Reason: "esql: a query over events starts with FROM"}
	}
	ft := match.ECSAndNonECS()
	opts := esql.Options{
		Now: now,
		FieldType: func(name string) (esql.Type, bool) {
			_, es, known := match.LookupType(ft, name)
			if !known || es == "" {
				return esql.TKeyword, false
			}
			t, ok := esql.TypeOf(es)
			if !ok {
				return esql.TUnsupported, true
			}
			return t, true
		},
		KQL: kqlc,
	}
	return esql.Compile(q, opts)
}

// bindESQL gives a compiled query's source fields their slots in s.
func bindESQL(prog *esql.Program, s *event.Schema, fields *alert.Fields) *ESQLQuery {
	eq := &ESQLQuery{Prog: prog, prog: prog, fields: fields}
	for _, col := range prog.Inputs {
		switch col.Name {
		case esql.DocColumn, "_id", "_index", "_version", "_score", "_ignored", "_source", "_index_mode":
			eq.slots = append(eq.slots, -1)
		default:
			eq.slots = append(eq.slots, s.Slot(col.Name))
		}
	}
	return eq
}

// Row reads the query's source columns from an event.
func (q *ESQLQuery) Row(ev *event.Event) []any {
	return q.appendRow(nil, ev)
}

// appendRow appends the query's source columns of an event to cells.
func (q *ESQLQuery) appendRow(cells []any, ev *event.Event) []any {
	n := len(cells)
	cells = slices.Grow(cells, len(q.prog.Inputs))[:n+len(q.prog.Inputs)]
	for i, col := range q.prog.Inputs {
		i := n + i
		slot := q.slots[i]
		if slot >= 0 {
			cells[i] = esql.FromEvent(ev.Get(slot), col.Type)
			continue
		}
		cells[i] = nil
		switch col.Name {
		case esql.DocColumn:
			cells[i] = ev
		case "_id":
			if q.noID {
				cells[i] = nil
			} else if q.fields != nil {
				cells[i] = q.fields.EventID(ev)
			} else if ev.ID != "" {
				cells[i] = ev.ID
			}
		case "_index":
			cells[i] = ev.Index
		case "_version":
			cells[i] = int64(1)
		}
	}
	return cells
}

// Reads reports whether the query's FROM patterns name an index.
func (q *ESQLQuery) Reads(index string) bool {
	return newPatternSet(q.prog.From.Indices).match(index)
}

// compileESQL compiles an ES|QL rule's query, from pre when it holds
// the program (see prepareQuery).
func (rs *RuleSet) compileESQL(c *compiled, pre *parsedQuery) (*query, error) {
	r := c.rule
	rs.fields.Add("_id")
	var eq *ESQLQuery
	var err error
	if pre != nil && (pre.esql != nil || pre.err != nil) {
		if err = pre.err; err == nil {
			eq = bindESQL(pre.esql, rs.schema, rs.fields)
		}
	} else {
		eq, err = CompileESQL(r.Query, rs.schema, rs.fields, rs.opt.Now())
	}
	if err != nil {
		var u *esql.UnsupportedError
		if errors.As(err, &u) {
			return nil, unsupportedError(u.Reason)
		}
		return nil, r.QueryErrors("query", err)
	}
	prog := eq.prog
	c.patterns = newPatternSet(prog.From.Indices)
	// the result rows' fields, which aggregated alerts hold, are decoded
	for _, col := range prog.Columns {
		if col.Type != esql.TUnsupported {
			rs.schema.Slot(col.Name)
		}
	}
	pred := esqlFilter(prog, rs.schema)
	return &query{pred: pred, esql: eq}, nil
}

// esqlMode is how an ES|QL rule turns rows into alerts.
type esqlMode uint8

const (
	esqlEvents esqlMode = iota // one alert per source document with a row
	esqlStats                  // STATS per window: alerts per result row
	esqlTable                  // another blocking command first: rows per window
)

// esqlKind is an ES|QL rule's compiled form.
type esqlKind struct {
	eq        *esqlQuery
	pred      match.Pred
	mode      esqlMode
	window    int64 // look-back, ns
	step      int64 // interval, ns
	maxGroups int
	index     string
	ruleID    string
	// computed are the output columns a document does not hold (made by
	// EVAL, GROK, DISSECT): an event rule's alert carries them.
	computed []int
	// tail: steps follow the streaming ones (SORT, LIMIT)
	tail bool
}

// compileESQLRule makes an ES|QL rule from its compiled query.
func compileESQLRule(rs *RuleSet, c *compiled, q *query) (kind, error) {
	r := c.rule
	p := q.esql.prog
	k := &esqlKind{eq: q.esql, pred: q.pred, maxGroups: rs.opt.MaxGroups, ruleID: r.ID}
	if len(p.From.Indices) > 0 {
		k.index = p.From.Indices[0]
	}
	if sc := p.StreamColumns(); !p.Blocking() && slices.Equal(sc, p.Columns) {
		// the streaming steps' columns are the output's (only SORT and
		// LIMIT follow them)
		for i, d := range p.Derived() {
			if d && p.Columns[i].Type != esql.TUnsupported {
				k.computed = append(k.computed, i)
			}
		}
	}
	switch {
	case p.FirstStats() != nil:
		k.mode = esqlStats
	case !p.Blocking():
		k.mode = esqlEvents
	default:
		k.mode = esqlTable
	}
	k.tail = p.Streaming < p.StepCount()
	// an event rule's alert is the document, a STATS rule's rows its
	// aggregates: _id matters only where a command names it
	k.eq.noID = k.mode != esqlTable && esql.Mentions(r.Query, "_id") <= 1
	k.step = int64(r.IntervalDuration())
	if k.step <= 0 {
		k.step = int64(5 * time.Minute)
	}
	k.window = int64(r.Window())
	if k.window <= 0 {
		k.window = k.step
	}
	return k, nil
}

func (k *esqlKind) horizon() time.Duration {
	if k.mode == esqlEvents {
		return 0
	}
	return time.Duration(k.window)
}

func (k *esqlKind) newRunner(e *Engine, l *live) runner {
	return &esqlRunner{k: k, e: e, l: l, windows: map[int64]*esqlWindow{}}
}

// esqlWindow is one look-back window's state.
type esqlWindow struct {
	end  int64 // ns, exclusive
	agg  *esql.Aggregation
	rows []esql.Row
}

type esqlRunner struct {
	k        *esqlKind
	e        *Engine
	l        *live
	windows  map[int64]*esqlWindow
	warn     esql.Warnings
	overflow int64
	// cells is the input row, reused event after event; stream runs
	// the streaming steps on it
	cells  []any
	stream *esql.Streamer
}

func (r *esqlRunner) offer(ev *event.Event) {
	if !r.k.pred.Match(ev) {
		return
	}
	p := r.k.eq.prog
	if r.stream == nil {
		r.stream = p.NewStreamer(&r.warn)
	}
	r.cells = r.k.eq.appendRow(r.cells[:0], ev)
	rows := r.stream.Run(esql.Row{Cells: r.cells, Doc: ev})
	if r.k.mode == esqlEvents {
		// one alert per document, however many rows it gave; the whole
		// query decides when SORT or LIMIT follow (which row is first,
		// LIMIT 0)
		if len(rows) == 0 {
			return
		}
		if r.k.tail {
			rows = p.Run([]esql.Row{{Cells: r.k.eq.Row(ev), Doc: ev}}, &r.warn)
			if len(rows) == 0 {
				return
			}
		}
		r.l.matched++
		if len(r.k.computed) == 0 {
			r.e.raiseEvent(r.l, ev)
			return
		}
		// columns the query computed (EVAL, GROK, DISSECT) join the
		// document, as Kibana adds the row's fields to the alert: they
		// show, and alert suppression can group by them
		merged := r.mergeRow(ev, rows[0])
		r.e.emit(r.l, ev.Time, func() *alert.Alert {
			return alert.New(r.e.rs.fields, r.l.c.rule, []*event.Event{merged}, nil, r.e.now())
		})
		return
	}
	if len(rows) == 0 {
		return
	}
	r.l.matched++
	// The windows keep what the rows hold beyond this event, which
	// the caller may reuse (a pool, engine.Parallel's recycle): their
	// strings and documents are copied first.
	for _, row := range rows {
		ownCells(row.Cells)
	}
	for _, w := range r.windowsOf(ev.Time) {
		for _, row := range rows {
			if w.agg != nil {
				w.agg.Add(row.Cells, &r.warn)
				continue
			}
			if len(w.rows) >= esqlMaxRows {
				r.overflow++
				continue
			}
			w.rows = append(w.rows, esql.Row{Cells: slices.Clone(row.Cells)})
		}
	}
}

// ownCells replaces the strings, arrays and documents of cells, which may
// lie in the event they were read from (esql.FromEvent), by copies.
func ownCells(cells []any) {
	for i, c := range cells {
		switch x := c.(type) {
		case string:
			cells[i] = strings.Clone(x)
		case []any:
			y := slices.Clone(x)
			ownCells(y)
			cells[i] = y
		case *event.Event:
			cells[i] = x.Clone()
		}
	}
}

// windowsOf returns the windows holding event time t: those ending at
// k*step with k*step-window <= t < k*step.
func (r *esqlRunner) windowsOf(t int64) []*esqlWindow {
	var out []*esqlWindow
	step := r.k.step
	for k := floorDivInt(t, step) + 1; k*step-r.k.window <= t; k++ {
		w := r.windows[k]
		if w == nil {
			if len(r.windows) >= esqlMaxWindows {
				r.closeOldest()
			}
			w = &esqlWindow{end: k * step}
			if r.k.mode == esqlStats {
				w.agg = r.k.eq.prog.FirstStats()
				w.agg.MaxGroups = r.k.maxGroups
			}
			r.windows[k] = w
		}
		out = append(out, w)
	}
	return out
}

func floorDivInt(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (r *esqlRunner) closeOldest() {
	oldest := int64(0)
	first := true
	for k := range r.windows {
		if first || k < oldest {
			oldest, first = k, false
		}
	}
	if !first {
		r.overflow++
		r.close(oldest)
	}
}

// advance closes the windows that end at or before the watermark.
func (r *esqlRunner) advance(wm int64) {
	var ks []int64
	for k, w := range r.windows {
		if w.end <= wm {
			ks = append(ks, k)
		}
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	for _, k := range ks {
		r.close(k)
	}
}

func (r *esqlRunner) flush() {
	var ks []int64
	for k := range r.windows {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	for _, k := range ks {
		r.close(k)
	}
}

func (r *esqlRunner) active() bool { return true }

func (r *esqlRunner) stats(st *RuleStats) {
	st.Overflow += r.overflow
	for _, w := range r.windows {
		if w.agg != nil {
			st.Overflow += int64(w.agg.Overflow)
		}
	}
}

// close runs the rest of the pipeline over a window and raises its rows.
func (r *esqlRunner) close(k int64) {
	w := r.windows[k]
	delete(r.windows, k)
	p := r.k.eq.prog
	var rows []esql.Row
	var cols []esql.Column
	if w.agg != nil {
		if w.agg.Len() == 0 {
			return
		}
		r.overflow += int64(w.agg.Overflow)
		rows = p.RunAfterStats(w.agg.Rows(&r.warn), &r.warn)
	} else {
		if len(w.rows) == 0 {
			return
		}
		rows = p.RunRest(w.rows, &r.warn)
	}
	cols = p.Columns
	for _, row := range rows {
		r.raiseRow(w, cols, row)
	}
}

// mergeRow returns the source document with the row's computed columns
// added, named as the source document is (same id, index, time).
func (r *esqlRunner) mergeRow(ev *event.Event, row esql.Row) *event.Event {
	var doc []byte
	switch {
	case len(ev.Raw) > 0:
		doc = append(doc, ev.Raw...)
	case ev.Doc != nil:
		doc = ev.Doc.AppendJSON(nil)
	default:
		return ev.Clone()
	}
	doc = bytes.TrimRight(doc, " \t\r\n")
	if len(doc) < 2 || doc[len(doc)-1] != '}' {
		return ev.Clone()
	}
	doc = doc[:len(doc)-1]
	empty := len(bytes.TrimSpace(doc)) == 1
	cols := r.k.eq.prog.Columns
	for _, i := range r.k.computed {
		if !empty {
			doc = append(doc, ',')
		}
		empty = false
		doc = event.AppendJSONString(doc, cols[i].Name)
		doc = append(doc, ':')
		doc = esql.AppendJSON(doc, row.Cells[i], cols[i].Type)
	}
	doc = append(doc, '}')
	out := &event.Event{}
	if err := r.e.rs.schema.Decode(doc, out); err != nil {
		return ev.Clone()
	}
	out.Raw = doc
	out.Time, out.Index, out.Source, out.Pos, out.Seq = ev.Time, ev.Index, ev.Source, ev.Pos, ev.Seq
	out.ID = r.e.rs.fields.EventID(ev)
	return out
}

// raiseRow raises the alert of one result row of a window: a document
// holding the row's fields, named by the rule, the window and the row.
func (r *esqlRunner) raiseRow(w *esqlWindow, cols []esql.Column, row esql.Row) {
	doc := []byte{'{'}
	hasTS := false
	h := sha256.New()
	h.Write([]byte(r.k.ruleID))
	h.Write(strconv.AppendInt(nil, w.end, 10))
	for i, c := range cols {
		if c.Type == esql.TUnsupported {
			continue
		}
		if c.Name == "@timestamp" {
			hasTS = true
		}
		if len(doc) > 1 {
			doc = append(doc, ',')
		}
		doc = event.AppendJSONString(doc, c.Name)
		doc = append(doc, ':')
		start := len(doc)
		doc = esql.AppendJSON(doc, row.Cells[i], c.Type)
		h.Write([]byte{0})
		h.Write([]byte(c.Name))
		h.Write([]byte{1})
		h.Write(doc[start:])
	}
	end := time.Unix(0, w.end).UTC()
	if !hasTS {
		if len(doc) > 1 {
			doc = append(doc, ',')
		}
		doc = append(doc, `"@timestamp":`...)
		doc = event.AppendJSONString(doc, end.Format("2006-01-02T15:04:05.000Z"))
	}
	doc = append(doc, '}')
	ev := &event.Event{}
	if err := r.e.rs.schema.Decode(doc, ev); err != nil {
		return
	}
	ev.Raw = doc
	ev.Time = w.end
	ev.Index = r.k.index
	ev.ID = hex.EncodeToString(h.Sum(nil))[:40]
	ev.Source = "esql"
	r.l.matched++
	e := r.e
	e.emit(r.l, w.end, func() *alert.Alert {
		return alert.New(e.rs.fields, r.l.c.rule, []*event.Event{ev}, nil, e.now())
	})
}

// gate is the query's filter (see esqlFilter), which offer tests first:
// a document that fails it yields no row.
func (k *esqlKind) gate(ev *event.Event) bool { return k.pred.Match(ev) }
