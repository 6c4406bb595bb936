package eql

import (
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Query-form compilation. Elasticsearch runs most of an EQL condition as a
// Lucene query: and/or/not become a bool query, and a comparison of a field
// with a constant becomes a term, range, wildcard, regexp or terms query,
// which matches when any value of the field does and never when the field
// is missing. Only what cannot be a query (functions, arithmetic, null
// tests of expressions) runs as a script, with three-valued logic.
// compileBool follows the same split, so that `not`, `!=` and `not in`
// treat missing fields as Elasticsearch does:
//
//   - not (a < 1) is a >= 1 (Elasticsearch's optimizer negates comparisons),
//     false when a is missing;
//   - a != "x", a not in (...), not (a : "x") are complements, true when a
//     is missing;
//   - not length(a) > 1 is length(a) <= 1, null (false) when a is missing.

// compileBool compiles a condition to a predicate.
func (c *compiler) compileBool(e Expr) match.Pred {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "and":
			return match.And(c.compileBool(e.L), c.compileBool(e.R))
		case "or":
			return match.Or(c.compileBool(e.L), c.compileBool(e.R))
		case "==", "!=", "<", "<=", ">", ">=":
			return c.compareLeaf(e)
		}
	case *Unary:
		if e.Op == "not" {
			return c.compileNot(e.X)
		}
	case *Match:
		return c.matchLeaf(e)
	case *In:
		return c.inLeaf(e)
	case *Call:
		if p, ok := c.callLeaf(e); ok {
			return p
		}
	case *Literal:
		switch e.Kind {
		case LitBool:
			return match.Const(e.Bool)
		case LitNull:
			return match.False()
		}
	}
	n := c.compileValue(e)
	return c.predOf(n)
}

// predOf turns a value node into a predicate that holds when it is true.
func (c *compiler) predOf(n *node) match.Pred {
	if n.bad {
		return match.False()
	}
	if n.t != match.TBool && n.t != match.TUnknown && n.t != match.TNull {
		c.errorf(n.src.Position(), "a condition must be boolean, found %s", describe(n))
		return match.False()
	}
	if n.isConst {
		return match.Const(n.val.Kind() == event.KindBool && n.val.Bool())
	}
	if n.field != nil {
		// a boolean field as a condition: a term query for true
		p, _ := match.Compare(n.field.slot, match.OpEq, event.Bool(true), match.TUnknown)
		return p
	}
	return scriptPred{n.e}
}

func (c *compiler) compileNot(x Expr) match.Pred {
	switch x := x.(type) {
	case *Unary:
		if x.Op == "not" {
			return c.compileBool(x.X)
		}
	case *Binary:
		if op, ok := match.ParseCmpOp(x.Op); ok {
			return c.compareLeaf(&Binary{Pos: x.Pos, Op: op.Negate().String(), L: x.L, R: x.R})
		}
	}
	p := c.compileBool(x)
	if sp, ok := p.(scriptPred); ok {
		inner := sp.e
		return scriptPred{evalFunc(func(ev *event.Event) event.Value {
			return kleeneNot(inner.eval(ev))
		})}
	}
	return match.Not(p)
}

func (c *compiler) compareLeaf(e *Binary) match.Pred {
	l, r := c.compileValue(e.L), c.compileValue(e.R)
	n := c.compareNode(e, l, r)
	if n.bad || n.isConst {
		return c.predOf(n)
	}
	op, _ := match.ParseCmpOp(e.Op)
	switch {
	case (op == match.OpEq || op == match.OpNeq) && (isNullLit(l) || isNullLit(r)):
		x := l
		if isNullLit(l) {
			x = r
		}
		if x.field != nil {
			if op == match.OpEq {
				return match.Not(match.Exists(x.field.slot))
			}
			return match.Exists(x.field.slot)
		}
	case l.field != nil && r.isConst:
		if p, ok := c.fieldLeaf(e, l.field, op, r.val); ok {
			return p
		}
		return match.False()
	case r.field != nil && l.isConst:
		if p, ok := c.fieldLeaf(e, r.field, op.Swap(), l.val); ok {
			return p
		}
		return match.False()
	}
	return c.predOf(n)
}

// fieldLeaf compiles `field op constant` to a specialised predicate.
func (c *compiler) fieldLeaf(e *Binary, f *fieldInfo, op match.CmpOp, lit event.Value) (match.Pred, bool) {
	t := f.t
	if t == match.TUnknown {
		t = kindType(lit)
	}
	switch t {
	case match.TIP:
		if lit.Kind() == event.KindString && strings.Contains(lit.Str(), "/") && (op == match.OpEq || op == match.OpNeq) {
			p, err := match.CIDR(f.slot, []string{lit.Str()})
			if err != nil {
				c.errorf(e.Pos, "%v", err)
				return nil, false
			}
			if op == match.OpNeq {
				return match.Not(p), true
			}
			return p, true
		}
	case match.TString:
		if lit.Kind() != event.KindString {
			var buf [32]byte
			lit = event.Str(string(match.AppendScalar(buf[:0], lit)))
		}
		switch op {
		case match.OpEq:
			return match.StringEquals(f.slot, lit.Str(), false), true
		case match.OpNeq:
			return match.Not(match.StringEquals(f.slot, lit.Str(), false)), true
		}
	case match.TInt, match.TFloat:
		if lit.Kind() == event.KindString {
			n, ok := match.ParseNumber(lit.Str())
			if !ok {
				c.errorf(e.Pos, "cannot compare numeric field %s with %q", f.name, lit.Str())
				return nil, false
			}
			lit = n
		}
	}
	p, err := match.Compare(f.slot, op, lit, t)
	if err != nil {
		c.errorf(e.Pos, "%s: %v", f.name, err)
		return nil, false
	}
	return p, true
}

func (c *compiler) matchLeaf(e *Match) match.Pred {
	x := c.compileValue(e.X)
	pats, ok := c.patterns(e)
	n, t := c.matchTest(e, x, pats, ok)
	if n.bad || n.isConst || x.field == nil {
		return c.predOf(n)
	}
	return t.Pred(x.field.slot)
}

func (c *compiler) inLeaf(e *In) match.Pred {
	x := c.compileValue(e.X)
	vals, ok := c.inList(e, x)
	n := c.inNode(e, x, vals, ok)
	if n.bad || n.isConst || x.field == nil {
		return c.predOf(n)
	}
	var p match.Pred
	strs := make([]string, 0, len(vals))
	allStrings := x.field.t == match.TString || x.field.t == match.TUnknown
	for _, v := range vals {
		if v.Kind() != event.KindString {
			allStrings = false
		}
		strs = append(strs, v.Str())
	}
	if allStrings {
		p = match.StringIn(x.field.slot, strs, e.Insensitive)
	} else {
		var ps []match.Pred
		for _, v := range vals {
			if v.IsNull() {
				continue
			}
			lp, ok := c.fieldLeaf(&Binary{Pos: e.Pos, Op: "==", L: e.X, R: e.X}, x.field, match.OpEq, v)
			if !ok {
				return match.False()
			}
			if e.Insensitive && v.Kind() == event.KindString {
				lp = match.StringEquals(x.field.slot, v.Str(), true)
			}
			ps = append(ps, lp)
		}
		p = match.Or(ps...)
	}
	if e.Not {
		return match.Not(p)
	}
	return p
}

// callLeaf compiles the functions Elasticsearch turns into queries when
// their first argument is a field and the rest constants: cidrMatch,
// startsWith, endsWith and stringContains.
func (c *compiler) callLeaf(e *Call) (match.Pred, bool) {
	name := strings.ToLower(e.Name)
	switch name {
	case "cidrmatch", "startswith", "endswith", "stringcontains":
	default:
		return nil, false
	}
	n := c.compileCall(e)
	if n.bad || n.isConst {
		return c.predOf(n), true
	}
	args := n.args
	if len(args) < 2 || args[0].field == nil {
		return c.predOf(n), true
	}
	for _, a := range args[1:] {
		if !a.isConst || a.val.Kind() != event.KindString {
			return c.predOf(n), true
		}
	}
	slot := args[0].field.slot
	s := args[1].val.Str()
	switch name {
	case "cidrmatch":
		var cidrs []string
		for _, a := range args[1:] {
			cidrs = append(cidrs, a.val.Str())
		}
		p, err := match.CIDR(slot, cidrs)
		if err != nil {
			return match.False(), true // reported by compileCall
		}
		return p, true
	case "startswith":
		return match.Prefix(slot, s, e.Insensitive), true
	case "endswith":
		return match.Suffix(slot, s, e.Insensitive), true
	case "stringcontains":
		if s == "" {
			return c.predOf(n), true
		}
		return match.Contains(slot, s, e.Insensitive), true
	}
	return c.predOf(n), true
}

// scriptPred holds when a general expression evaluates to true: the form
// of conditions Elasticsearch runs as scripts (functions, arithmetic),
// where null stays null and not(null) is null.
type scriptPred struct{ e evaluator }

func (p scriptPred) Match(ev *event.Event) bool {
	v := p.e.eval(ev)
	return v.Kind() == event.KindBool && v.Bool()
}

// Script implements match.Script.
func (scriptPred) Script() {}
