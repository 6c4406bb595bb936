package esql

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vigilsec/vigil/internal/srcpos"
	"slices"
	"strings"
)

// statsStep is STATS or INLINE STATS.
type statsStep struct {
	inline bool
	in     []Column
	by     []*cexpr
	byName []string
	aggs   []aggSpec
	// finals compute each output aggregate column from the row of
	// grouping values followed by the aggregate results.
	finals   []*cexpr
	aggNames []string
	out      []Column
	// MaxGroups caps the groups of one run (0: no cap); Overflow counts
	// rows whose new group was refused.
	maxGroups int
	// extend: aggregate arguments read the grouping values after the
	// row's cells
	extend bool
}

func (s *statsStep) cols() []Column { return s.out }

// shadow drops the STATS assignments whose name a later one (a grouping
// before all) takes, with Elasticsearch's warning for each.
func (c *compiler) shadow(x *Stats) (aggs, by []Assign) {
	winner := map[string]Assign{}
	for _, a := range x.Aggs {
		winner[a.Name] = a
	}
	for _, b := range x.By {
		winner[b.Name] = b
	}
	keep := func(list []Assign) []Assign {
		var out []Assign
		for _, a := range list {
			w := winner[a.Name]
			if w.Pos != a.Pos {
				p, q := srcpos.Position(c.src, a.Pos), srcpos.Position(c.src, w.Pos)
				c.static = append(c.static, fmt.Sprintf("Line %d:%d: Field '%s' shadowed by field at line %d:%d", p.Line, p.Col, a.Name, q.Line, q.Col))
				continue
			}
			out = append(out, a)
		}
		return out
	}
	return keep(x.Aggs), keep(x.By)
}

func (c *compiler) stats(x *Stats, cols []Column) *statsStep {
	st := &statsStep{inline: x.Inline, in: cols}
	aggs, by := c.shadow(x)
	x = &Stats{cmd: x.cmd, Aggs: aggs, By: by, Inline: x.Inline}
	var byCols []Column
	for _, b := range x.By {
		e := c.expr(b.Expr, cols)
		st.by = append(st.by, e)
		st.byName = append(st.byName, b.Name)
		byCols = append(byCols, Column{b.Name, e.t})
	}
	// aggregates may read the groupings by name (STATS max(l) BY l = ...):
	// their arguments see the row extended by the grouping values
	aggCols := cols
	for i, b := range x.By {
		if f, ok := b.Expr.(*Field); !ok || f.Name != b.Name {
			st.extend = true
		}
		_ = i
	}
	if st.extend {
		aggCols = append(slices.Clone(cols), byCols...)
	}
	// inner columns: the grouping values, then one per aggregate call
	inner := slices.Clone(byCols)
	for _, a := range x.Aggs {
		rewritten := c.extractAggs(a.Expr, aggCols, st, &inner, nil)
		f := c.expr(rewritten, inner)
		st.finals = append(st.finals, f)
		st.aggNames = append(st.aggNames, a.Name)
	}
	var out []Column
	for i, f := range st.finals {
		out = appendCol(out, Column{st.aggNames[i], f.t})
	}
	for _, b := range byCols {
		if colIndex(out, b.Name) >= 0 {
			continue
		}
		out = append(out, b)
	}
	if x.Inline {
		full := slices.Clone(cols)
		for _, o := range out {
			full = appendCol(full, o)
		}
		// ES puts the new columns last: aggregates, then groupings
		st.out = full
	} else {
		st.out = out
	}
	return st
}

// extractAggs replaces each aggregate call in e by a reference to an
// inner column and compiles the call.
func (c *compiler) extractAggs(e Expr, cols []Column, st *statsStep, inner *[]Column, cond Expr) Expr {
	switch x := e.(type) {
	case *Call:
		name := x.Name
		agg := x
		if name == "$filter" {
			// agg-expression WHERE cond: cond filters each aggregate in it
			if !containsAgg(x.Args[0]) {
				c.errorf(x, "WHERE needs an aggregate function")
			}
			if cond != nil {
				c.errorf(x, "nested WHERE in STATS")
			}
			return c.extractAggs(x.Args[0], cols, st, inner, x.Args[1])
		}
		if d, ok := aggFuncs[name]; ok {
			var args []*cexpr
			for _, a := range agg.Args {
				if containsAgg(a) {
					c.errorf(a, "nested aggregations [%s] not allowed inside other aggregations [%s]", c.text(a), c.text(agg))
				}
				args = append(args, c.expr(a, cols))
			}
			if len(args) < d.min && !agg.Star || len(args) > d.max {
				c.errorf(agg, "error building [%s]: function [%s] takes %s", name, name, arityText(funcDef{min: d.min, max: d.max}))
			}
			spec := d.build(c, agg, newSite(c.src, agg), args)
			if cond != nil {
				spec = filtered(spec, c.expr(cond, cols))
			}
			st.aggs = append(st.aggs, spec)
			ref := fmt.Sprintf("$agg%d", len(st.aggs)-1)
			*inner = append(*inner, Column{ref, spec.t})
			return &Field{node: x.node, Name: ref}
		}
		if _, ok := funcs[name]; ok || strings.HasPrefix(name, "$") {
			cp := *x
			cp.Args = make([]Expr, len(x.Args))
			for i, a := range x.Args {
				cp.Args[i] = c.extractAggs(a, cols, st, inner, cond)
			}
			return &cp
		}
		c.errorf(e, "Unknown function [%s]", name)
	case *Binary:
		cp := *x
		cp.L, cp.R = c.extractAggs(x.L, cols, st, inner, cond), c.extractAggs(x.R, cols, st, inner, cond)
		return &cp
	case *Unary:
		cp := *x
		cp.X = c.extractAggs(x.X, cols, st, inner, cond)
		return &cp
	case *Cast:
		cp := *x
		cp.X = c.extractAggs(x.X, cols, st, inner, cond)
		return &cp
	case *Field:
		// a grouping key may be used by name
		if colIndex(*inner, x.Name) >= 0 && !strings.HasPrefix(x.Name, "$") {
			return e
		}
		c.errorf(e, "column [%s] must appear in the STATS BY clause or be used in an aggregate function", x.Name)
	case *Lit:
		return e
	}
	if !containsAgg(e) {
		c.errorf(e, "expected an aggregate function but found [%s]", c.text(e))
	}
	c.errorf(e, "unsupported expression in STATS")
	return nil
}

func containsAgg(e Expr) bool {
	switch x := e.(type) {
	case *Call:
		if _, ok := aggFuncs[x.Name]; ok || x.Name == "$filter" {
			return true
		}
		for _, a := range x.Args {
			if containsAgg(a) {
				return true
			}
		}
	case *Binary:
		return containsAgg(x.L) || containsAgg(x.R)
	case *Unary:
		return containsAgg(x.X)
	case *Cast:
		return containsAgg(x.X)
	}
	return false
}

// group is one group's key values and partial aggregates.
type group struct {
	key    []any
	states []aggState
	order  int
}

// Aggregation is a STATS's partial aggregates, fed row by row: the
// state of a windowed STATS rule.
type Aggregation struct {
	s      *statsStep
	groups map[string]*group
	order  []*group
	// MaxGroups caps the groups (0: none); Overflow counts the rows
	// refused because their group would pass it.
	MaxGroups int
	Overflow  int
	buf       []byte
}

// Len is the number of groups.
func (a *Aggregation) Len() int { return len(a.order) }

// Add adds a row (of the columns before the STATS).
func (a *Aggregation) Add(cells []any, w *Warnings) {
	defer func() {
		if r := recover(); r != nil {
			w.internal(r)
		}
	}()
	a.s.add(a, cells, w, nil)
}

// Rows returns the aggregated rows and resets the state.
func (a *Aggregation) Rows(w *Warnings) (rows []Row) {
	defer func() {
		if r := recover(); r != nil {
			w.internal(r)
			rows = nil
		}
		a.groups, a.order = map[string]*group{}, nil
	}()
	rows = a.s.results(a, w)
	a.groups, a.order = map[string]*group{}, nil
	return rows
}

// Columns are the STATS's output columns.
func (a *Aggregation) Columns() []Column { return a.s.out }

// keys expands the grouping values of a row: a multi-valued key puts the
// row in one group per value.
func (s *statsStep) keys(cells []any, w *Warnings) [][]any {
	single := make([]any, len(s.by))
	mvKey := false
	for i, b := range s.by {
		v := b.eval(cells, w)
		if _, ok := v.([]any); ok {
			mvKey = true
			break
		}
		single[i] = v
	}
	if !mvKey {
		return [][]any{single}
	}
	out := [][]any{nil}
	for _, b := range s.by {
		v := b.eval(cells, w)
		vs := values(v)
		if len(vs) == 0 {
			vs = []any{nil}
		}
		var next [][]any
		for _, k := range out {
			for _, x := range vs {
				next = append(next, append(slices.Clone(k), x))
			}
		}
		out = next
	}
	return out
}

// appendKey appends a grouping key's encoding to buf.
func appendKey(buf []byte, k []any) []byte {
	for _, v := range k {
		switch x := v.(type) {
		case nil:
			buf = append(buf, 'n')
		case bool:
			buf = append(buf, 'b', byte(map[bool]byte{true: 1}[x]))
		case int64:
			buf = append(buf, 'i')
			buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
		case uint64:
			buf = append(buf, 'u')
			buf = binary.LittleEndian.AppendUint64(buf, x)
		case float64:
			if x == 0 {
				x = 0 // -0 groups with 0
			}
			buf = append(buf, 'f')
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		case string:
			buf = append(buf, 's')
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(x)))
			buf = append(buf, x...)
		default:
			s := fmt.Sprint(x)
			buf = append(buf, 'o')
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
			buf = append(buf, s...)
		}
	}
	return buf
}

func (s *statsStep) add(a *Aggregation, cells []any, w *Warnings, onGroup func(*group)) {
	for _, k := range s.keys(cells, w) {
		a.buf = appendKey(a.buf[:0], k)
		g := a.groups[string(a.buf)]
		if g == nil {
			if a.MaxGroups > 0 && len(a.order) >= a.MaxGroups {
				a.Overflow++
				continue
			}
			g = &group{key: k, order: len(a.order)}
			for _, spec := range s.aggs {
				g.states = append(g.states, spec.newState())
			}
			a.groups[string(a.buf)] = g
			a.order = append(a.order, g)
		}
		row := cells
		if s.extend {
			row = append(cells[:len(cells):len(cells)], k...)
		}
		for _, st := range g.states {
			st.add(row, w)
		}
		if onGroup != nil {
			onGroup(g)
		}
	}
}

func (s *statsStep) groupRow(g *group, w *Warnings) []any {
	inner := slices.Clone(g.key)
	for _, st := range g.states {
		inner = append(inner, st.result(w))
	}
	var out []any
	var outCols []Column
	for i, f := range s.finals {
		v := f.eval(inner, w)
		name := s.aggNames[i]
		if j := colIndex(outCols, name); j >= 0 {
			outCols = slices.Delete(outCols, j, j+1)
			out = slices.Delete(out, j, j+1)
		}
		outCols = append(outCols, Column{Name: name})
		out = append(out, v)
	}
	for i, name := range s.byName {
		if colIndex(outCols, name) >= 0 {
			continue
		}
		outCols = append(outCols, Column{Name: name})
		out = append(out, g.key[i])
	}
	return out
}

func (s *statsStep) results(a *Aggregation, w *Warnings) []Row {
	if len(a.order) == 0 && len(s.by) == 0 {
		// no groups: one row of the aggregates over nothing
		g := &group{}
		for _, spec := range s.aggs {
			g.states = append(g.states, spec.newState())
		}
		return []Row{{Cells: s.groupRow(g, w)}}
	}
	rows := make([]Row, 0, len(a.order))
	for _, g := range s.outputOrder(a.order) {
		rows = append(rows, Row{Cells: s.groupRow(g, w)})
	}
	return rows
}

// outputOrder orders the groups as Elasticsearch's hash of one key
// does: the null group first, then the groups as first seen; a boolean
// key's groups are null, false, true. Several keys keep the order first
// seen.
func (s *statsStep) outputOrder(order []*group) []*group {
	if len(s.by) != 1 {
		return order
	}
	rank := func(g *group) int {
		switch g.key[0] {
		case nil:
			return 0
		case false:
			return 1
		case true:
			return 2
		}
		return 3
	}
	if !slices.ContainsFunc(order, func(g *group) bool { return rank(g) < 3 }) {
		return order
	}
	out := slices.Clone(order)
	slices.SortStableFunc(out, func(a, b *group) int { return rank(a) - rank(b) })
	return out
}

func (s *statsStep) run(rows []Row, w *Warnings) []Row {
	a := &Aggregation{s: s, groups: map[string]*group{}}
	if !s.inline {
		for _, r := range rows {
			s.add(a, r.Cells, w, nil)
		}
		return s.results(a, w)
	}
	// INLINE STATS: each row gets its group's results
	member := make([][]*group, len(rows))
	for i, r := range rows {
		s.add(a, r.Cells, w, func(g *group) { member[i] = append(member[i], g) })
	}
	res := map[*group][]any{}
	for _, g := range a.order {
		res[g] = s.groupRow(g, w)
	}
	var noGroup []any
	if len(s.by) == 0 {
		if len(a.order) == 0 {
			noGroup = s.results(a, w)[0].Cells
		}
	}
	var out []Row
	for i, r := range rows {
		gs := member[i]
		if len(gs) == 0 {
			gs = []*group{nil}
		}
		for _, g := range gs {
			var vals []any
			if g != nil {
				vals = res[g]
			} else if noGroup != nil {
				vals = noGroup
			} else {
				vals = make([]any, len(s.out)-len(s.in))
			}
			cells := slices.Clone(r.Cells)
			cols := slices.Clone(s.in)
			outNames := s.outNames()
			for j, name := range outNames {
				if k := colIndex(cols, name); k >= 0 {
					cols = slices.Delete(cols, k, k+1)
					cells = slices.Delete(cells, k, k+1)
				}
				cols = append(cols, Column{Name: name})
				cells = append(cells, vals[j])
			}
			out = append(out, Row{Cells: cells, Doc: r.Doc})
		}
	}
	return out
}

func (s *statsStep) outNames() []string {
	var names []string
	for _, n := range s.aggNames {
		if i := slices.Index(names, n); i >= 0 {
			names = slices.Delete(names, i, i+1)
		}
		names = append(names, n)
	}
	for _, n := range s.byName {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}
