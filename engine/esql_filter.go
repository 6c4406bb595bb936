package engine

import (
	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
)

// esqlFilter translates the WHERE conditions an ES|QL query applies to
// source documents into a predicate every row the query keeps satisfies
// (the full condition is still evaluated on the row): the rule index files
// the rule by its literals, and events that cannot pass never reach it.
// What does not translate (negations, arithmetic, functions other than
// TO_LOWER/TO_UPPER) stands for true.
func esqlFilter(conds []esql.Expr, s *event.Schema, src []esql.Column) match.Pred {
	types := map[string]esql.Type{}
	for _, c := range src {
		types[c.Name] = c.Type
	}
	f := &esqlFilterer{s: s, types: types}
	var ps []match.Pred
	for _, c := range conds {
		ps = append(ps, f.pred(c))
	}
	return match.And(ps...)
}

type esqlFilterer struct {
	s     *event.Schema
	types map[string]esql.Type
}

// field returns the slot of a string field read directly or through
// TO_LOWER/TO_UPPER (fold).
func (f *esqlFilterer) field(e esql.Expr) (slot int, fold, ok bool) {
	switch x := e.(type) {
	case *esql.Field:
		t, known := f.types[x.Name]
		if !known || t != esql.TKeyword {
			return 0, false, false
		}
		return f.s.Slot(x.Name), false, true
	case *esql.Call:
		if (x.Name == "to_lower" || x.Name == "to_upper") && len(x.Args) == 1 {
			slot, _, ok := f.field(x.Args[0])
			return slot, true, ok
		}
	}
	return 0, false, false
}

func strLit(e esql.Expr) (string, bool) {
	l, ok := e.(*esql.Lit)
	if !ok {
		return "", false
	}
	s, ok := l.Val.(string)
	return s, ok
}

func (f *esqlFilterer) pred(e esql.Expr) match.Pred {
	switch x := e.(type) {
	case *esql.Binary:
		switch x.Op {
		case "and":
			return match.And(f.pred(x.L), f.pred(x.R))
		case "or":
			l, r := f.pred(x.L), f.pred(x.R)
			return match.Or(l, r)
		case "==":
			slot, fold, ok := f.field(x.L)
			lit, lok := strLit(x.R)
			if !ok || !lok {
				slot, fold, ok = f.field(x.R)
				lit, lok = strLit(x.L)
			}
			if ok && lok {
				return match.StringEquals(slot, lit, fold)
			}
		}
	case *esql.In:
		if x.Not {
			break
		}
		slot, fold, ok := f.field(x.X)
		if !ok {
			break
		}
		var vals []string
		for _, it := range x.List {
			s, ok := strLit(it)
			if !ok {
				return match.True()
			}
			vals = append(vals, s)
		}
		return match.StringIn(slot, vals, fold)
	case *esql.Like:
		if x.Not || x.Regex {
			break
		}
		slot, fold, ok := f.field(x.X)
		if !ok {
			break
		}
		var ps []match.Pred
		for _, p := range x.Patterns {
			ps = append(ps, match.WildcardGlob(slot, match.CompileGlob(p, match.GlobLucene, fold)))
		}
		return match.Or(ps...)
	case *esql.IsNull:
		if fl, ok := x.X.(*esql.Field); ok && x.Not {
			if _, known := f.types[fl.Name]; known {
				return match.Exists(f.s.Slot(fl.Name))
			}
		}
	case *esql.Call:
		if x.Name == "kql" && len(x.Args) == 1 {
			if q, ok := strLit(x.Args[0]); ok {
				if p, err := kql.CompileQuery(q, f.s, kql.Options{}); err == nil {
					return p
				}
			}
		}
	}
	return match.True()
}
