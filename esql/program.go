package esql

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options configure compilation.
type Options struct {
	// Now is the time now() returns; zero: the wall clock at compile.
	Now time.Time
	// Indices returns the columns of the indices FROM names, sorted by
	// name. Nil: the source is open (an event stream): every field the
	// query reads is a column, typed by FieldType.
	Indices func(patterns []string) ([]Column, error)
	// FieldType types a field of an open source; unknown fields are
	// keyword.
	FieldType func(name string) (Type, bool)
	// KQL compiles the query of a KQL("...") filter against the source
	// document; nil: KQL() is an error.
	KQL func(query string) (func(doc any) bool, error)
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o.Now
}

// Program is a compiled query.
type Program struct {
	// From is the FROM command's index patterns and metadata fields (nil
	// for ROW).
	From *From
	// Inputs are the columns the source fills in each input row.
	Inputs []Column
	// Columns are the output's columns.
	Columns  []Column
	row      [][]any  // non-nil for ROW
	rowExprs []*cexpr // ROW's values
	steps    []step
	// Streaming is the number of leading steps that work row by row
	// (WHERE, EVAL, KEEP, DROP, RENAME, GROK, DISSECT, MV_EXPAND) and keep
	// the source document: a query whose steps all stream is an event
	// query, each result row one source document's.
	Streaming int
	// Filters are the WHERE conditions of the leading row-by-row steps
	// (up to the first GROK, DISSECT or blocking command) rewritten over
	// source columns: EVAL'd columns replaced by their definitions,
	// renamed ones by their source columns. Every row the query keeps
	// satisfies them (for the rule index).
	Filters []Expr
	static  []string
	src     string
}

// Constant returns the value of an expression of the query that reads no
// column (literals and functions of them); ok is false for any other.
func (p *Program) Constant(e Expr) (v any, ok bool) {
	f := &parser{src: p.src}
	v, _, ok = f.fold(e)
	return v, ok
}

// step is one compiled command: a rowStep, a tableStep, or LIMIT.
type step interface {
	cols() []Column
}

// rowStep is a command that works on one row at a time: it emits the
// row's results to emit and returns false when emit asked to stop.
type rowStep interface {
	step
	each(r Row, w *Warnings, emit func(Row) bool) bool
}

// tableStep is a command that needs all its input rows.
type tableStep interface {
	step
	run(rows []Row, w *Warnings) []Row
}

// Row is one row of a table: its cells and, while the row is still one
// source document's, that document.
type Row struct {
	Cells []any
	Doc   any
}

// Compile checks a parsed query and compiles it.
func Compile(q *Query, opts Options) (p *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			if u, ok := r.(*UnsupportedError); ok {
				p, err = nil, u
				return
			}
			p, err = nil, compileErr(r)
		}
	}()
	c := &compiler{src: q.Src, opts: &opts, zone: q.TimeZone, nullify: q.NullifyUnmapped}
	p = &Program{}
	var cols []Column
	switch s := q.Commands[0].(type) {
	case *From:
		p.From = s
		if opts.Indices != nil {
			ic, err := opts.Indices(s.Indices)
			if err != nil {
				panic(errAt(q.Src, s.Pos, err.Error()))
			}
			cols = append(cols, ic...)
		} else {
			cols = openColumns(q, &opts)
		}
		for _, m := range s.Metadata {
			t := TKeyword
			switch m {
			case "_version":
				t = TLong
			case "_score":
				t = TDouble
			case "_id", "_index", "_ignored", "_source", "_index_mode":
			default:
				panic(errAt(q.Src, s.Pos, fmt.Sprintf("unsupported metadata field [%s]", m)))
			}
			if colIndex(cols, m) < 0 {
				cols = append(cols, Column{m, t})
			}
		}
	case *RowCmd:
		var exprs []*cexpr
		for _, f := range s.Fields {
			e := c.expr(f.Expr, nil)
			if i := colIndex(cols, f.Name); i >= 0 {
				cols = append(cols[:i], cols[i+1:]...)
				exprs = append(exprs[:i], exprs[i+1:]...)
			}
			cols = append(cols, Column{f.Name, e.t})
			exprs = append(exprs, e)
		}
		p.rowExprs = exprs
		p.row = [][]any{nil}
	}
	p.Inputs = cols
	streaming := true
	filtering := true
	var ft filterTracker
	for _, cmd := range q.Commands[1:] {
		st := c.command(cmd, cols)
		if filtering {
			var conds []Expr
			conds, filtering = ft.follow(cmd)
			p.Filters = append(p.Filters, conds...)
		}
		switch cmd.(type) {
		case *Where, *Eval, *Keep, *Drop, *Rename, *Grok, *Dissect, *MvExpand:
			if streaming {
				p.Streaming++
			}
		default:
			streaming = false
		}
		p.steps = append(p.steps, st)
		cols = st.cols()
	}
	p.Columns = cols
	p.static = c.static
	p.src = q.Src
	return p, nil
}

// openColumns lists every name the query mentions that may be a source
// field: the columns of an open source.
func openColumns(q *Query, opts *Options) []Column {
	seen := map[string]bool{}
	var cols []Column
	unknown := map[string]bool{}
	known := func(name string) (Type, bool) {
		if opts.FieldType != nil {
			return opts.FieldType(name)
		}
		return TKeyword, false
	}
	add := func(name string) {
		if name == "" || seen[name] || strings.ContainsAny(name, "*") {
			return
		}
		seen[name] = true
		t, ok := known(name)
		if !ok {
			t = TKeyword
			unknown[name] = true
		}
		cols = append(cols, Column{name, t})
	}
	defer func() {
		inferred := inferTypes(q, unknown, known)
		for i, c := range cols {
			if t, ok := inferred[c.Name]; ok {
				cols[i].Type = t
			}
		}
	}()
	var walk func(e Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case *Field:
			add(x.Name)
		case *Call:
			for _, a := range x.Args {
				walk(a)
			}
		case *Binary:
			walk(x.L)
			walk(x.R)
		case *Unary:
			walk(x.X)
		case *Like:
			walk(x.X)
		case *In:
			walk(x.X)
			for _, a := range x.List {
				walk(a)
			}
		case *IsNull:
			walk(x.X)
		case *Cast:
			walk(x.X)
		case *MatchOp:
			walk(x.X)
		}
	}
	if opts.KQL != nil && strings.Contains(strings.ToLower(q.Src), "kql") {
		cols = append(cols, Column{DocColumn, TUnsupported})
		seen[DocColumn] = true
	}
	// names assigned by EVAL/STATS/GROK before they are read are not source
	// fields, but listing them is harmless: the assignment replaces them.
	for _, cmd := range q.Commands[1:] {
		switch x := cmd.(type) {
		case *Where:
			walk(x.Cond)
		case *Eval:
			for _, f := range x.Fields {
				walk(f.Expr)
			}
		case *Stats:
			for _, f := range x.Aggs {
				walk(f.Expr)
			}
			for _, f := range x.By {
				walk(f.Expr)
			}
		case *Sort:
			for _, k := range x.Keys {
				walk(k.Expr)
			}
		case *Keep:
			for _, n := range x.Patterns {
				add(n)
			}
		case *Drop:
			for _, n := range x.Patterns {
				add(n)
			}
		case *Rename:
			for _, n := range x.Old {
				add(n)
			}
		case *MvExpand:
			add(x.Field)
		case *Grok:
			walk(x.X)
		case *Dissect:
			walk(x.X)
		}
	}
	return cols
}

// Run runs the program over input rows (nil for ROW queries) and
// returns the output rows.
func (p *Program) Run(input []Row, w *Warnings) []Row {
	rows := input
	if p.row != nil {
		cells := make([]any, len(p.rowExprs))
		for i, e := range p.rowExprs {
			cells[i] = e.eval(nil, w)
		}
		rows = []Row{{Cells: cells}}
	}
	for _, s := range p.static {
		w.add(s)
	}
	return runSteps(p.steps, rows, w)
}

// runSteps pushes rows through the row steps up to the first table step
// one at a time (so MV_EXPAND ... | LIMIT and MV_EXPAND ... | STATS never
// hold the expansion), then runs the table step on what they gave.
func runSteps(steps []step, input []Row, w *Warnings) (rows []Row) {
	// bad input never crashes a run: a row whose evaluation fails
	// unexpectedly is dropped and counted
	defer func() {
		if r := recover(); r != nil {
			w.internal(r)
			rows = nil
		}
	}()
	for {
		k := 0
		for k < len(steps) {
			if _, ok := steps[k].(tableStep); ok {
				break
			}
			k++
		}
		var out []Row
		sink := func(r Row) bool { out = append(out, r); return true }
		var agg *Aggregation
		if k < len(steps) {
			if s, ok := steps[k].(*statsStep); ok && !s.inline {
				agg = &Aggregation{s: s, groups: map[string]*group{}}
				sink = func(r Row) bool { s.add(agg, r.Cells, w, nil); return true }
			}
		}
		chain := sink
		for j := k - 1; j >= 0; j-- {
			chain = link(steps[j], chain, w)
		}
		for _, r := range input {
			if !chain(r) {
				break
			}
		}
		if k == len(steps) {
			return out
		}
		if agg != nil {
			out = agg.s.results(agg, w)
		} else {
			out = steps[k].(tableStep).run(out, w)
		}
		steps, input = steps[k+1:], out
	}
}

func link(s step, next func(Row) bool, w *Warnings) func(Row) bool {
	if l, ok := s.(*limitStep); ok {
		return l.limiter(next)
	}
	rs := s.(rowStep)
	return func(r Row) bool { return rs.each(r, w, next) }
}

// Streamer runs a program's leading streaming steps over one row at a
// time through a pipeline built once, so a row costs no set-up.
type Streamer struct {
	chain func(Row) bool
	out   []Row
	w     *Warnings
}

// NewStreamer returns a Streamer of p's streaming steps; warnings go to w
// (the query's own among them at once).
func (p *Program) NewStreamer(w *Warnings) *Streamer {
	s := &Streamer{w: w}
	var chain func(Row) bool = func(r Row) bool { s.out = append(s.out, r); return true }
	for j := p.Streaming - 1; j >= 0; j-- {
		chain = link(p.steps[j], chain, w)
	}
	s.chain = chain
	for _, st := range p.static {
		w.add(st)
	}
	return s
}

// Run runs the streaming steps on one row (as RunStreaming does); the rows
// it returns are valid until the next Run.
func (s *Streamer) Run(r Row) (rows []Row) {
	s.out = s.out[:0]
	defer func() {
		if x := recover(); x != nil {
			s.w.internal(x)
			rows = nil
		}
	}()
	s.chain(r)
	return s.out
}

// Mentions counts the identifiers of a query spelled name (METADATA's
// included): a column no command mentions beyond METADATA is never read.
func Mentions(query, name string) int {
	toks, err := lex(query)
	if err != nil {
		return 1 << 30
	}
	n := 0
	for _, t := range toks {
		if (t.kind == tIdent || t.kind == tQuoted) && t.text == name {
			n++
		}
	}
	return n
}

// StepCount is the number of the program's steps.
func (p *Program) StepCount() int { return len(p.steps) }

// RunStreaming runs the leading streaming steps on rows of one source
// document.
func (p *Program) RunStreaming(rows []Row, w *Warnings) []Row {
	return runSteps(p.steps[:p.Streaming], rows, w)
}

// RunRest runs the steps after the leading streaming ones.
func (p *Program) RunRest(rows []Row, w *Warnings) []Row {
	return runSteps(p.steps[p.Streaming:], rows, w)
}

// Blocking reports whether some command after the streaming ones needs
// all rows (STATS, INLINE STATS); SORT and LIMIT alone do not count, as
// they do not change which documents a rule's query returns.
func (p *Program) Blocking() bool {
	for _, st := range p.steps[p.Streaming:] {
		if _, ok := st.(*statsStep); ok {
			return true
		}
	}
	return false
}

// StreamColumns are the columns after the streaming steps.
func (p *Program) StreamColumns() []Column {
	if p.Streaming == 0 {
		return p.Inputs
	}
	return p.steps[p.Streaming-1].cols()
}

// FirstStats returns the partial aggregation of the first step after the
// streaming ones when it is a STATS (not INLINE STATS), and the steps after
// it run by RunAfterStats.
func (p *Program) FirstStats() *Aggregation {
	if p.Streaming >= len(p.steps) {
		return nil
	}
	s, ok := p.steps[p.Streaming].(*statsStep)
	if !ok || s.inline {
		return nil
	}
	return &Aggregation{s: s, groups: map[string]*group{}}
}

// RunAfterStats runs the steps after the first STATS.
func (p *Program) RunAfterStats(rows []Row, w *Warnings) []Row {
	return runSteps(p.steps[p.Streaming+1:], rows, w)
}

// Stream runs a program over rows pushed one at a time: the row steps up
// to the first table step see each row as it comes, and a STATS there
// aggregates it at once, so no more than the aggregate is held.
type Stream struct {
	p     *Program
	w     *Warnings
	chain func(Row) bool
	out   []Row
	agg   *Aggregation
	k     int
	done  bool
	// MaxRows bounds the rows held for a table step other than STATS (0:
	// none); Dropped counts those refused.
	MaxRows int
	Dropped int
}

// NewStream starts a run of the program.
func (p *Program) NewStream(w *Warnings) *Stream {
	s := &Stream{p: p, w: w}
	for _, m := range p.static {
		w.add(m)
	}
	k := 0
	for k < len(p.steps) {
		if _, ok := p.steps[k].(tableStep); ok {
			break
		}
		k++
	}
	s.k = k
	sink := func(r Row) bool {
		if s.MaxRows > 0 && len(s.out) >= s.MaxRows {
			s.Dropped++
			return true
		}
		s.out = append(s.out, r)
		return true
	}
	if k < len(p.steps) {
		if st, ok := p.steps[k].(*statsStep); ok && !st.inline {
			s.agg = &Aggregation{s: st, groups: map[string]*group{}}
			sink = func(r Row) bool { st.add(s.agg, r.Cells, w, nil); return true }
		}
	}
	chain := sink
	for j := k - 1; j >= 0; j-- {
		chain = link(p.steps[j], chain, w)
	}
	s.chain = chain
	return s
}

// Push runs a row through; false means the program wants no more rows
// (a LIMIT was reached).
func (s *Stream) Push(r Row) (more bool) {
	if s.done {
		return false
	}
	defer func() {
		if x := recover(); x != nil {
			s.w.internal(x)
			more = true
		}
	}()
	if !s.chain(r) {
		s.done = true
	}
	return !s.done
}

// Finish runs the rest of the program and returns its rows.
func (s *Stream) Finish() []Row {
	if s.k == len(s.p.steps) {
		return s.out
	}
	var rows []Row
	if s.agg != nil {
		rows = s.agg.s.results(s.agg, s.w)
	} else {
		rows = s.p.steps[s.k].(tableStep).run(s.out, s.w)
	}
	return runSteps(s.p.steps[s.k+1:], rows, s.w)
}

// HasLimit reports whether the query has a LIMIT command.
func (p *Program) HasLimit() bool {
	for _, st := range p.steps {
		if _, ok := st.(*limitStep); ok {
			return true
		}
	}
	return false
}

// Derived reports, per output column of the streaming steps, whether the
// query made it (EVAL, GROK, DISSECT) rather than read it from the source
// document (KEEP, DROP and RENAME carry the flag along).
func (p *Program) Derived() []bool {
	flags := make([]bool, len(p.Inputs))
	cols := p.Inputs
	for _, st := range p.steps[:p.Streaming] {
		out := st.cols()
		next := make([]bool, len(out))
		switch s := st.(type) {
		case *projectStep:
			for i, j := range s.idx {
				next[i] = flags[j]
			}
		case *evalStep:
			made := map[string]bool{}
			for _, lay := range s.layouts {
				made[lay[len(lay)-1].Name] = true
			}
			for i, c := range out {
				if made[c.Name] {
					next[i] = true
				} else if j := colIndex(cols, c.Name); j >= 0 {
					next[i] = flags[j]
				}
			}
		case *grokStep, *dissectStep:
			var names []string
			if g, ok := s.(*grokStep); ok {
				names = g.names
			} else {
				names = s.(*dissectStep).names
			}
			for i, c := range out {
				if slices.Contains(names, c.Name) {
					next[i] = true
				} else if j := colIndex(cols, c.Name); j >= 0 {
					next[i] = flags[j]
				}
			}
		default:
			copy(next, flags)
		}
		flags, cols = next, out
	}
	return flags
}
