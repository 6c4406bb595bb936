package esql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/match"
)

func (c *compiler) command(cmd Command, cols []Column) step {
	switch x := cmd.(type) {
	case *Where:
		cond := c.expr(x.Cond, cols)
		if cond.t != TBool && cond.t != TNull {
			c.errorf(x.Cond, "Condition expression needs to be boolean, found [%s]", cond.t)
		}
		return &whereStep{cond: cond, out: cols}
	case *Eval:
		st := &evalStep{}
		cur := slices.Clone(cols)
		for _, f := range x.Fields {
			e := c.expr(f.Expr, cur)
			st.exprs = append(st.exprs, e)
			// the column is replaced: removed, then appended
			cur = appendCol(cur, Column{f.Name, e.t})
			st.layouts = append(st.layouts, slices.Clone(cur))
		}
		st.in = cols
		st.out = cur
		return st
	case *Keep:
		// A column matching several patterns goes where its strongest
		// pattern is (an exact name, then a partial wildcard, then *),
		// the rightmost of equal ones; columns one pattern matches keep
		// their order.
		rank := func(pat string) int {
			switch {
			case pat == "*":
				return 1
			case strings.Contains(pat, "*"):
				return 2
			}
			return 3
		}
		best := make([]int, len(cols))
		for j := range best {
			best[j] = -1
		}
		for i, pat := range x.Patterns {
			found := false
			g := namePattern(pat)
			for j, col := range cols {
				if !g.Match(col.Name) {
					continue
				}
				found = true
				if best[j] < 0 || rank(pat) >= rank(x.Patterns[best[j]]) {
					best[j] = i
				}
			}
			if !found && !strings.Contains(pat, "*") {
				panic(errAt(c.src, x.PatPos[i], fmt.Sprintf("Unknown column [%s]", pat)))
			}
		}
		var out []Column
		var idx []int
		for i := range x.Patterns {
			for j, col := range cols {
				if best[j] == i {
					out, idx = append(out, col), append(idx, j)
				}
			}
		}
		return &projectStep{idx: idx, out: out}
	case *Drop:
		drop := map[int]bool{}
		for i, pat := range x.Patterns {
			found := false
			g := namePattern(pat)
			for j, col := range cols {
				if g.Match(col.Name) {
					drop[j], found = true, true
				}
			}
			if !found && !strings.Contains(pat, "*") {
				panic(errAt(c.src, x.PatPos[i], fmt.Sprintf("Unknown column [%s]", pat)))
			}
		}
		var out []Column
		var idx []int
		for j, col := range cols {
			if !drop[j] {
				out, idx = append(out, col), append(idx, j)
			}
		}
		return &projectStep{idx: idx, out: out}
	case *Rename:
		cur := slices.Clone(cols)
		idx := make([]int, len(cols))
		for i := range idx {
			idx[i] = i
		}
		for i, old := range x.Old {
			j := colIndex(cur, old)
			if j < 0 {
				panic(errAt(c.src, x.OldPos[i], fmt.Sprintf("Unknown column [%s]", old)))
			}
			nw := x.New[i]
			// a column already named so is replaced
			for k := range cur {
				if k != j && cur[k].Name == nw {
					cur = slices.Delete(cur, k, k+1)
					idx = slices.Delete(idx, k, k+1)
					if k < j {
						j--
					}
					break
				}
			}
			cur[j].Name = nw
		}
		return &projectStep{idx: idx, out: cur}
	case *Stats:
		return c.stats(x, cols)
	case *Sort:
		st := &sortStep{out: cols}
		for _, k := range x.Keys {
			e := c.expr(k.Expr, cols)
			st.keys = append(st.keys, sortKey{e: e, desc: k.Desc, nullsFirst: k.NullsFirst})
		}
		return st
	case *Limit:
		return &limitStep{n: x.N, out: cols}
	case *MvExpand:
		i := colIndex(cols, x.Field)
		if i < 0 {
			panic(errAt(c.src, x.FPos, fmt.Sprintf("Unknown column [%s]", x.Field)))
		}
		return &mvExpandStep{i: i, out: cols}
	case *Grok:
		return c.grok(x, cols)
	case *Dissect:
		return c.dissect(x, cols)
	}
	panic(errAt(c.src, cmd.cmdPos(), "unsupported command"))
}

// appendCol replaces or appends a column: an existing column of the name
// is removed and the new one goes last.
func appendCol(cols []Column, col Column) []Column {
	if i := colIndex(cols, col.Name); i >= 0 {
		cols = slices.Delete(slices.Clone(cols), i, i+1)
	}
	return append(cols, col)
}

// namePattern compiles a KEEP/DROP column pattern: * is its only
// wildcard, and it matches any characters.
func namePattern(pat string) *match.Glob { return match.CompileGlob(pat, match.GlobStar, false) }

type whereStep struct {
	cond *cexpr
	out  []Column
}

func (s *whereStep) cols() []Column { return s.out }
func (s *whereStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	if b, ok := s.cond.eval(r.Cells, w).(bool); ok && b {
		return emit(r)
	}
	return true
}

type evalStep struct {
	exprs   []*cexpr
	layouts [][]Column // the columns after each assignment
	in, out []Column
}

func (s *evalStep) cols() []Column { return s.out }
func (s *evalStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	{
		cells := r.Cells
		prev := s.in
		for i, e := range s.exprs {
			v := e.eval(cells, w)
			lay := s.layouts[i]
			name := lay[len(lay)-1].Name
			if j := colIndex(prev, name); j >= 0 {
				cells = slices.Delete(slices.Clone(cells), j, j+1)
			} else {
				cells = slices.Clone(cells)
			}
			cells = append(cells, v)
			prev = lay
		}
		r.Cells = cells
	}
	return emit(r)
}

type projectStep struct {
	idx []int
	out []Column
}

func (s *projectStep) cols() []Column { return s.out }
func (s *projectStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	cells := make([]any, len(s.idx))
	for i, j := range s.idx {
		cells[i] = r.Cells[j]
	}
	r.Cells = cells
	return emit(r)
}

type sortKey struct {
	e          *cexpr
	desc       bool
	nullsFirst bool
}

type sortStep struct {
	keys []sortKey
	out  []Column
}

func (s *sortStep) cols() []Column { return s.out }
func (s *sortStep) run(rows []Row, w *Warnings) []Row {
	type keyed struct {
		r Row
		k []any
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		k := make([]any, len(s.keys))
		for j, sk := range s.keys {
			v := sk.e.eval(r.Cells, w)
			if vs, ok := v.([]any); ok {
				// a multi-value sorts by its least value ascending, its
				// greatest descending
				best := vs[0]
				for _, e := range vs[1:] {
					c := compareValues(e, best, sk.e.t)
					if sk.desc && c > 0 || !sk.desc && c < 0 {
						best = e
					}
				}
				v = best
			}
			k[j] = v
		}
		ks[i] = keyed{r, k}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		for j, sk := range s.keys {
			x, y := a.k[j], b.k[j]
			switch {
			case x == nil && y == nil:
				continue
			case x == nil:
				if sk.nullsFirst {
					return -1
				}
				return 1
			case y == nil:
				if sk.nullsFirst {
					return 1
				}
				return -1
			}
			c := compareValues(x, y, sk.e.t)
			if sk.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	for i := range ks {
		rows[i] = ks[i].r
	}
	return rows
}

type limitStep struct {
	n   int
	out []Column
}

func (s *limitStep) cols() []Column { return s.out }

// limiter returns LIMIT's filter for one run: it stops the run's
// input once n rows passed.
func (s *limitStep) limiter(next func(Row) bool) func(Row) bool {
	n := 0
	return func(r Row) bool {
		if n >= s.n {
			return false
		}
		n++
		if !next(r) {
			return false
		}
		return n < s.n
	}
}

type mvExpandStep struct {
	i   int
	out []Column
}

func (s *mvExpandStep) cols() []Column { return s.out }
func (s *mvExpandStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	vs, ok := r.Cells[s.i].([]any)
	if !ok {
		return emit(r)
	}
	for _, v := range vs {
		cells := slices.Clone(r.Cells)
		cells[s.i] = v
		if !emit(Row{Cells: cells, Doc: r.Doc}) {
			return false
		}
	}
	return true
}
