package engine

import (
	"strings"

	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
)

// esqlFilter translates the WHERE conditions an ES|QL query applies to
// source documents (Program.Filters: EVAL'd columns already replaced by
// their definitions) into a predicate every row the query keeps satisfies
// (the full condition is still evaluated on the row): the rule index files
// the rule by its literals, and events that cannot pass never reach it.
// ==, IN, LIKE, MATCH, IS NOT NULL, KQL(), LOCATE(f, "s") > 0 and CASE(...)
// IS NOT NULL translate over keyword fields read directly or through
// TO_LOWER/TO_UPPER; NOT of ==, IN or LIKE over such a field translates
// too (see notString); the rest (other negations, arithmetic, other
// functions, METADATA columns) stands for true.
func esqlFilter(p *esql.Program, s *event.Schema) match.Pred {
	types := map[string]esql.Type{}
	for _, c := range p.Inputs {
		types[c.Name] = c.Type
	}
	f := &esqlFilterer{s: s, types: types, constant: p.Constant}
	var ps []match.Pred
	for _, c := range p.Filters {
		ps = append(ps, f.pred(c))
	}
	return match.And(ps...)
}

type esqlFilterer struct {
	s        *event.Schema
	types    map[string]esql.Type
	constant func(esql.Expr) (any, bool)
}

// field returns the slot of a string field read directly or through
// TO_LOWER/TO_UPPER (fold).
func (f *esqlFilterer) field(e esql.Expr) (slot int, fold, ok bool) {
	switch x := e.(type) {
	case *esql.Field:
		t, known := f.types[x.Name]
		if !known || t != esql.TKeyword || esqlMetadata[x.Name] {
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

// esqlMetadata are the METADATA columns: no event field holds them.
var esqlMetadata = map[string]bool{esql.DocColumn: true, "_id": true, "_index": true, "_version": true, "_score": true,
	"_ignored": true, "_source": true, "_index_mode": true}

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
	case *esql.Unary:
		if x.Op == "not" {
			if p, ok := f.negated(x.X); ok {
				return p
			}
		}
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
		case "!=":
			// CASE(...) != "s": a branch whose value is "s" fails
			c, ok := x.L.(*esql.Call)
			lit, lok := strLit(x.R)
			if ok && lok && c.Name == "case" {
				return f.caseHolds(c.Args, func(v esql.Expr) bool {
					s, isStr := strLit(v)
					return isStr && s == lit
				})
			}
		case ">", ">=":
			// LOCATE(field, "s") > 0 (or >= 1): the field contains s
			if p, ok := f.locate(x); ok {
				return p
			}
		}
	case *esql.In:
		if x.Not {
			if p, ok := f.negated(&esql.In{X: x.X, List: x.List}); ok {
				return p
			}
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
		if x.Not && !x.Regex {
			if p, ok := f.negated(&esql.Like{X: x.X, Patterns: x.Patterns}); ok {
				return p
			}
		}
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
		if fl, ok := x.X.(*esql.Field); ok && x.Not && !esqlMetadata[fl.Name] {
			if _, known := f.types[fl.Name]; known {
				return match.Exists(f.s.Slot(fl.Name))
			}
		}
		if c, ok := x.X.(*esql.Call); ok && x.Not && c.Name == "case" {
			return f.caseHolds(c.Args, func(esql.Expr) bool { return false })
		}
	case *esql.Call:
		if x.Name == "match" && len(x.Args) >= 2 {
			// MATCH (and ":") over a keyword field is the value equal to
			// the query, as esql evaluates it (options such as fuzziness
			// are not applied there, so not here either)
			slot, fold, ok := f.field(x.Args[0])
			if q, lok := strLit(x.Args[1]); ok && lok {
				return match.StringEquals(slot, q, fold)
			}
		}
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

// caseHolds holds for every row where CASE(c1, v1, c2, v2, ...[, else])
// takes a value that may pass the outer condition: one condition whose
// value fails cannot (fails reports a value that surely fails the outer
// condition, the null literal always does) holds, unless the else value
// may pass.
func (f *esqlFilterer) caseHolds(args []esql.Expr, fails func(esql.Expr) bool) match.Pred {
	failsOrNull := func(e esql.Expr) bool { return isNullLit(e) || fails(e) }
	if len(args)%2 == 1 && !failsOrNull(args[len(args)-1]) {
		return match.True()
	}
	var ps []match.Pred
	for i := 0; i+1 < len(args); i += 2 {
		if !failsOrNull(args[i+1]) {
			ps = append(ps, f.pred(args[i]))
		}
	}
	return match.Or(ps...)
}

func isNullLit(e esql.Expr) bool {
	l, ok := e.(*esql.Lit)
	return ok && l.Val == nil && l.Opts == nil
}

func (f *esqlFilterer) locate(x *esql.Binary) (match.Pred, bool) {
	l, ok := x.L.(*esql.Call)
	if !ok || l.Name != "locate" || len(l.Args) != 2 {
		return nil, false
	}
	n, _ := f.constant(x.R)
	v, isInt := n.(int64)
	if !isInt || !(x.Op == ">" && v >= 0 || x.Op == ">=" && v >= 1) {
		return nil, false
	}
	slot, fold, ok := f.field(l.Args[0])
	sub, _ := f.constant(l.Args[1])
	str, isStr := sub.(string)
	if !ok || !isStr || str == "" {
		return nil, false
	}
	return match.Contains(slot, str, fold), true
}

// negated translates NOT e, for e an ==, IN or LIKE (not RLIKE) of a
// keyword field, read directly or through TO_LOWER/TO_UPPER, with string
// literals: see notString.
func (f *esqlFilterer) negated(e esql.Expr) (match.Pred, bool) {
	var arg esql.Expr
	var lits []string
	var likes []string
	switch x := e.(type) {
	case *esql.Binary:
		if x.Op != "==" {
			return nil, false
		}
		arg = x.L
		lit, ok := strLit(x.R)
		if !ok {
			arg = x.R
			if lit, ok = strLit(x.L); !ok {
				return nil, false
			}
		}
		lits = []string{lit}
	case *esql.In:
		if x.Not {
			return nil, false
		}
		arg = x.X
		for _, it := range x.List {
			s, ok := strLit(it)
			if !ok {
				return nil, false
			}
			lits = append(lits, s)
		}
	case *esql.Like:
		if x.Not || x.Regex {
			return nil, false
		}
		arg, likes = x.X, x.Patterns
	default:
		return nil, false
	}
	p := &notString{}
	if c, ok := arg.(*esql.Call); ok && len(c.Args) == 1 {
		switch c.Name {
		case "to_lower":
			p.conv = strings.ToLower
		case "to_upper":
			p.conv = strings.ToUpper
		default:
			return nil, false
		}
		arg = c.Args[0]
	}
	fl, ok := arg.(*esql.Field)
	if !ok || f.types[fl.Name] != esql.TKeyword || esqlMetadata[fl.Name] {
		return nil, false
	}
	p.slot = f.s.Slot(fl.Name)
	if lits != nil {
		p.set = map[string]bool{}
		for _, l := range lits {
			p.set[l] = true
		}
	}
	for _, l := range likes {
		p.likes = append(p.likes, esql.LikeMatcher(l))
	}
	return p, true
}

// notString is NOT of a test of one keyword field (==, IN, LIKE), made
// as the query makes it (esql.FromEvent's string, TO_LOWER as the query
// lowers, esql.LikeMatcher), so that it is exact where it decides: a
// field holding one string fails it when the test holds. Any other value
// (none, several, not a string) passes: the query's own evaluation
// decides those. A negated test is true of most documents, so filing
// gains nothing from it; but the rows an ES|QL rule's gate lets through
// wait, whole, to be run in order, and such conditions are often what
// tells the few documents the rule looks for from the many it names
// ("process.name == svchost.exe and not executable in (the real paths)").
type notString struct {
	slot  int
	conv  func(string) string // TO_LOWER, TO_UPPER, or nil: the value itself
	set   map[string]bool     // ==, IN: the literals
	likes []func(string) bool // LIKE: its patterns
}

func (p *notString) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() != event.KindString {
		return true
	}
	s := v.Str()
	if p.conv != nil {
		s = p.conv(s)
	}
	if p.set != nil {
		return !p.set[s]
	}
	for _, m := range p.likes {
		if m(s) {
			return false
		}
	}
	return true
}
