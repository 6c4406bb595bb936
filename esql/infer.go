package esql

// inferTypes guesses the types of the fields of an open source that the
// field table does not know, from how the query uses them, as the
// mapping of the rule's integration would type them: a field compared
// with or listed among numbers is a long (double for decimals), with
// booleans or used as a condition a boolean, and a field in COALESCE
// beside typed fields takes their type. A name assigned from another
// (EVAL x = f, STATS x = MAX(f)) passes its hint back to it.
func inferTypes(q *Query, unknown map[string]bool, known func(string) (Type, bool)) map[string]Type {
	hints := map[string]Type{}
	alias := map[string][]string{} // name -> fields it derives from
	hint := func(e Expr, t Type) {
		if f, ok := e.(*Field); ok {
			if _, done := hints[f.Name]; !done {
				hints[f.Name] = t
			}
		}
	}
	litType := func(e Expr) (Type, bool) {
		switch x := e.(type) {
		case *Lit:
			switch x.Type {
			case TInt, TLong:
				return TLong, true
			case TDouble:
				return TDouble, true
			case TBool:
				return TBool, true
			}
		case *Unary:
			if l, ok := x.X.(*Lit); ok && x.Op == "-" && (l.Type == TInt || l.Type == TLong || l.Type == TDouble) {
				if l.Type == TDouble {
					return TDouble, true
				}
				return TLong, true
			}
		}
		return 0, false
	}
	var walk func(e Expr, cond bool)
	walk = func(e Expr, cond bool) {
		if cond {
			hint(e, TBool)
		}
		switch x := e.(type) {
		case *Binary:
			logical := x.Op == "and" || x.Op == "or"
			if t, ok := litType(x.R); ok && !logical {
				hint(x.L, t)
			}
			if t, ok := litType(x.L); ok && !logical {
				hint(x.R, t)
			}
			walk(x.L, logical)
			walk(x.R, logical)
		case *Unary:
			walk(x.X, x.Op == "not")
		case *In:
			for _, it := range x.List {
				if t, ok := litType(it); ok {
					hint(x.X, t)
					break
				}
			}
			walk(x.X, false)
			for _, it := range x.List {
				walk(it, false)
			}
		case *Call:
			if x.Name == "coalesce" || x.Name == "greatest" || x.Name == "least" {
				for _, a := range x.Args {
					if f, ok := a.(*Field); ok && !unknown[f.Name] {
						if t, ok := known(f.Name); ok {
							for _, b := range x.Args {
								hint(b, t)
							}
							break
						}
					}
				}
			}
			for i, a := range x.Args {
				walk(a, x.Name == "case" && i%2 == 0 && i+1 < len(x.Args))
			}
		case *Like:
			walk(x.X, false)
		case *IsNull:
			walk(x.X, false)
		case *Cast:
			walk(x.X, false)
		}
	}
	var source func(name string, e Expr)
	source = func(name string, e Expr) {
		switch x := e.(type) {
		case *Field:
			alias[name] = append(alias[name], x.Name)
		case *Call:
			switch x.Name {
			case "max", "min", "sum", "avg", "values", "mv_first", "mv_last", "mv_min", "mv_max", "first", "last", "coalesce", "median", "percentile":
				if len(x.Args) > 0 {
					source(name, x.Args[0])
				}
			}
		}
	}
	for _, cmd := range q.Commands[1:] {
		switch x := cmd.(type) {
		case *Where:
			walk(x.Cond, true)
		case *Eval:
			for _, f := range x.Fields {
				walk(f.Expr, false)
				source(f.Name, f.Expr)
			}
		case *Stats:
			for _, f := range x.Aggs {
				walk(f.Expr, false)
				source(f.Name, f.Expr)
			}
			for _, f := range x.By {
				walk(f.Expr, false)
			}
		case *Sort:
			for _, k := range x.Keys {
				walk(k.Expr, false)
			}
		}
	}
	// pass hints from derived names back to the fields they come from
	for changed := true; changed; {
		changed = false
		for name, t := range hints {
			for _, src := range alias[name] {
				if _, ok := hints[src]; !ok {
					hints[src] = t
					changed = true
				}
			}
		}
	}
	out := map[string]Type{}
	for n := range unknown {
		if t, ok := hints[n]; ok {
			out[n] = t
		}
	}
	return out
}
