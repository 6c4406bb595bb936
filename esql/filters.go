package esql

// filterTracker rewrites the WHERE conditions of a query's leading
// row-by-row commands over its source columns, for Program.Filters: a
// column EVAL computed stands for its definition (itself rewritten), a
// renamed column for its source column. A condition reading a column with
// no such definition is left out.
type filterTracker struct {
	// defs holds the columns that are not source columns: their
	// definition over source columns, or nil when it has none.
	defs map[string]Expr
}

// follow accounts for one command and returns the conditions it adds, or
// ok false when the commands after it are not followed.
func (t *filterTracker) follow(cmd Command) (conds []Expr, ok bool) {
	switch x := cmd.(type) {
	case *Where:
		if e, ok := t.subst(x.Cond); ok {
			conds = append(conds, e)
		}
	case *Eval:
		for _, f := range x.Fields {
			e, ok := t.subst(f.Expr)
			if !ok {
				e = nil
			}
			t.set(f.Name, e)
		}
	case *Rename:
		for i, old := range x.Old {
			var def Expr = &Field{Name: old}
			if d, derived := t.defs[old]; derived {
				def = d
			}
			t.set(old, nil)
			t.set(x.New[i], def)
		}
	case *Keep, *Drop, *MvExpand:
		// the values of the columns that remain are unchanged; an
		// expanded column's values are the source column's
	default:
		return nil, false
	}
	return conds, true
}

func (t *filterTracker) set(name string, def Expr) {
	if t.defs == nil {
		t.defs = map[string]Expr{}
	}
	if f, ok := def.(*Field); ok && f.Name == name {
		delete(t.defs, name)
		return
	}
	t.defs[name] = def
}

// subst rewrites e over source columns; ok is false when e reads a column
// with no definition.
func (t *filterTracker) subst(e Expr) (Expr, bool) {
	switch x := e.(type) {
	case *Lit:
		return x, true
	case *Field:
		d, derived := t.defs[x.Name]
		if !derived {
			return x, true
		}
		return d, d != nil
	case *Call:
		c := *x
		c.Args = make([]Expr, len(x.Args))
		for i, a := range x.Args {
			s, ok := t.subst(a)
			if !ok {
				return nil, false
			}
			c.Args[i] = s
		}
		return &c, true
	case *Binary:
		l, ok := t.subst(x.L)
		if !ok {
			return nil, false
		}
		r, ok := t.subst(x.R)
		if !ok {
			return nil, false
		}
		b := *x
		b.L, b.R = l, r
		return &b, true
	case *Unary:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		u := *x
		u.X = a
		return &u, true
	case *Like:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		l := *x
		l.X = a
		return &l, true
	case *In:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		in := *x
		in.X = a
		in.List = make([]Expr, len(x.List))
		for i, it := range x.List {
			s, ok := t.subst(it)
			if !ok {
				return nil, false
			}
			in.List[i] = s
		}
		return &in, true
	case *IsNull:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		n := *x
		n.X = a
		return &n, true
	case *Cast:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		c := *x
		c.X = a
		return &c, true
	case *MatchOp:
		a, ok := t.subst(x.X)
		if !ok {
			return nil, false
		}
		q, ok := t.subst(x.Q)
		if !ok {
			return nil, false
		}
		m := *x
		m.X, m.Q = a, q
		return &m, true
	}
	return nil, false
}
