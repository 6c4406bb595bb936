package eql

// Prepare builds ahead the string tests of a query's pattern matches (`:`,
// like and regex over literal patterns): building them is most of
// compiling many rules, and depends on nothing but the query's text,
// whereas Compile registers fields in a schema shared by the rules of a
// set. A caller that parses queries on several goroutines prepares them
// there too, leaving Compile less to do; Compile builds what Prepare did
// not, and reports the errors (a bad regexp is left to it). A query is
// prepared before it is compiled, not while.
func Prepare(q *Query) {
	walkQuery(q, func(e Expr) {
		if m, ok := e.(*Match); ok && m.test == nil {
			m.prepare()
		}
	})
}

// prepare builds the string test of a Match whose patterns are all string
// literals, as the compiler's matcher would.
func (e *Match) prepare() {
	pats := make([]string, 0, len(e.Patterns))
	for _, p := range e.Patterns {
		l, ok := p.(*Literal)
		if !ok || l.Kind != LitString {
			return
		}
		pats = append(pats, l.Str)
	}
	if t, err := buildMatcher(e.Op, pats); err == nil {
		e.test = &t
	}
}

// walkQuery calls f for every expression of a query, parents before
// their operands.
func walkQuery(q *Query, f func(Expr)) {
	exprs := func(xs []Expr) {
		for _, x := range xs {
			walkExpr(x, f)
		}
	}
	filter := func(ef *EventFilter) {
		if ef != nil && ef.Cond != nil {
			walkExpr(ef.Cond, f)
		}
	}
	stages := func(sts []*Stage) {
		for _, st := range sts {
			if st != nil {
				filter(st.Filter)
				exprs(st.By)
			}
		}
	}
	filter(q.Event)
	if s := q.Sequence; s != nil {
		exprs(s.By)
		stages(s.Stages)
		stages([]*Stage{s.Until})
	}
	if s := q.Sample; s != nil {
		exprs(s.By)
		stages(s.Stages)
	}
}

// walkExpr calls f for x and every expression below it.
func walkExpr(x Expr, f func(Expr)) {
	if x == nil {
		return
	}
	f(x)
	switch e := x.(type) {
	case *Unary:
		walkExpr(e.X, f)
	case *Binary:
		walkExpr(e.L, f)
		walkExpr(e.R, f)
	case *Match:
		walkExpr(e.X, f)
		for _, p := range e.Patterns {
			walkExpr(p, f)
		}
	case *In:
		walkExpr(e.X, f)
		for _, y := range e.List {
			walkExpr(y, f)
		}
	case *Call:
		for _, a := range e.Args {
			walkExpr(a, f)
		}
	}
}
