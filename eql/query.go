package eql

import (
	"strings"

	"github.com/vigilsec/vigil/event"
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
func (c *compiler) compileBool(e Expr) Pred {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "and":
			return And(c.compileBool(e.L), c.compileBool(e.R))
		case "or":
			return Or(c.compileBool(e.L), c.compileBool(e.R))
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
			return constPred(e.Bool)
		case LitNull:
			return False()
		}
	}
	n := c.compileValue(e)
	return c.predOf(n)
}

// predOf turns a value node into a predicate that holds when it is true.
func (c *compiler) predOf(n *node) Pred {
	if n.bad {
		return False()
	}
	if n.t != TBool && n.t != TUnknown && n.t != TNull {
		c.errorf(n.src.Position(), "a condition must be boolean, found %s", describe(n))
		return False()
	}
	if n.isConst {
		return constPred(n.val.Kind() == event.KindBool && n.val.Bool())
	}
	if n.field != nil {
		// a boolean field as a condition: a term query for true
		return &cmpPred{slot: n.field.slot, op: OpEq, lit: event.Bool(true), t: TUnknown}
	}
	return valuePred{n.e}
}

func (c *compiler) compileNot(x Expr) Pred {
	switch x := x.(type) {
	case *Unary:
		if x.Op == "not" {
			return c.compileBool(x.X)
		}
	case *Binary:
		if op, ok := cmpOpNames[x.Op]; ok {
			return c.compareLeaf(&Binary{Pos: x.Pos, Op: op.negate().String(), L: x.L, R: x.R})
		}
	}
	p := c.compileBool(x)
	if vp, ok := p.(valuePred); ok {
		inner := vp.e
		return valuePred{evalFunc(func(ev *event.Event) event.Value {
			return kleeneNot(inner.eval(ev))
		})}
	}
	return Not(p)
}

func (c *compiler) compareLeaf(e *Binary) Pred {
	l, r := c.compileValue(e.L), c.compileValue(e.R)
	n := c.compareNode(e, l, r)
	if n.bad || n.isConst {
		return c.predOf(n)
	}
	op := cmpOpNames[e.Op]
	switch {
	case (op == OpEq || op == OpNeq) && (isNullLit(l) || isNullLit(r)):
		x := l
		if isNullLit(l) {
			x = r
		}
		if x.field != nil {
			if op == OpEq {
				return Not(Exists(x.field.slot))
			}
			return Exists(x.field.slot)
		}
	case l.field != nil && r.isConst:
		if p, ok := c.fieldLeaf(e, l.field, op, r.val); ok {
			return p
		}
		return False()
	case r.field != nil && l.isConst:
		if p, ok := c.fieldLeaf(e, r.field, op.swap(), l.val); ok {
			return p
		}
		return False()
	}
	return c.predOf(n)
}

// fieldLeaf compiles `field op constant` to a specialised predicate.
func (c *compiler) fieldLeaf(e *Binary, f *fieldInfo, op CmpOp, lit event.Value) (Pred, bool) {
	t := f.t
	if t == TUnknown {
		t = kindType(lit)
	}
	switch t {
	case TIP:
		if lit.Kind() == event.KindString && strings.Contains(lit.Str(), "/") && (op == OpEq || op == OpNeq) {
			p, err := CIDR(f.slot, []string{lit.Str()})
			if err != nil {
				c.errorf(e.Pos, "%v", err)
				return nil, false
			}
			if op == OpNeq {
				return Not(p), true
			}
			return p, true
		}
	case TString:
		if lit.Kind() != event.KindString {
			var buf [32]byte
			lit = event.Str(string(appendScalar(buf[:0], lit)))
		}
		switch op {
		case OpEq:
			return StringEquals(f.slot, lit.Str(), false), true
		case OpNeq:
			return Not(StringEquals(f.slot, lit.Str(), false)), true
		}
	case TInt, TFloat:
		if lit.Kind() == event.KindString {
			n, ok := parseNumber(lit.Str())
			if !ok {
				c.errorf(e.Pos, "cannot compare numeric field %s with %q", f.name, lit.Str())
				return nil, false
			}
			lit = n
		}
	}
	p, err := Compare(f.slot, op, lit, t)
	if err != nil {
		c.errorf(e.Pos, "%s: %v", f.name, err)
		return nil, false
	}
	return p, true
}

func (c *compiler) matchLeaf(e *Match) Pred {
	x := c.compileValue(e.X)
	pats, ok := c.patterns(e)
	n := c.matchNode(e, x, pats, ok)
	if n.bad || n.isConst || x.field == nil {
		return c.predOf(n)
	}
	t, ok := c.matcher(e, pats)
	if !ok {
		return False()
	}
	return predOfTest(x.field.slot, t)
}

func (c *compiler) inLeaf(e *In) Pred {
	x := c.compileValue(e.X)
	vals, ok := c.inList(e, x)
	n := c.inNode(e, x, vals, ok)
	if n.bad || n.isConst || x.field == nil {
		return c.predOf(n)
	}
	var p Pred
	strs := make([]string, 0, len(vals))
	allStrings := x.field.t == TString || x.field.t == TUnknown
	for _, v := range vals {
		if v.Kind() != event.KindString {
			allStrings = false
		}
		strs = append(strs, v.Str())
	}
	if allStrings {
		p = StringIn(x.field.slot, strs, e.Insensitive)
	} else {
		var ps []Pred
		for _, v := range vals {
			if v.IsNull() {
				continue
			}
			lp, ok := c.fieldLeaf(&Binary{Pos: e.Pos, Op: "==", L: e.X, R: e.X}, x.field, OpEq, v)
			if !ok {
				return False()
			}
			if e.Insensitive && v.Kind() == event.KindString {
				lp = StringEquals(x.field.slot, v.Str(), true)
			}
			ps = append(ps, lp)
		}
		p = Or(ps...)
	}
	if e.Not {
		return Not(p)
	}
	return p
}

// callLeaf compiles the functions Elasticsearch turns into queries when
// their first argument is a field and the rest constants: cidrMatch,
// startsWith, endsWith and stringContains.
func (c *compiler) callLeaf(e *Call) (Pred, bool) {
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
		p, err := CIDR(slot, cidrs)
		if err != nil {
			return False(), true // reported by compileCall
		}
		return p, true
	case "startswith":
		return Prefix(slot, s, e.Insensitive), true
	case "endswith":
		return Suffix(slot, s, e.Insensitive), true
	case "stringcontains":
		if s == "" {
			return c.predOf(n), true
		}
		return Contains(slot, s, e.Insensitive), true
	}
	return c.predOf(n), true
}
