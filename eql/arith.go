package eql

import (
	"math"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Arithmetic as Elasticsearch does it (Java semantics): integers stay
// integers (division truncates toward zero, % keeps the dividend's sign),
// a double on either side makes a double. Where Elasticsearch fails the
// whole query (integer overflow, integer division by zero, a non-number),
// the result here is null, so the event does not match.

func (c *compiler) compileArith(e *Binary) *node {
	l, r := c.compileValue(e.L), c.compileValue(e.R)
	if l.bad || r.bad {
		return badNode(e)
	}
	for _, x := range []*node{l, r} {
		if !x.t.IsNumeric() && x.t != match.TUnknown && x.t != match.TNull {
			c.errorf(e.Pos, "'%s' needs numbers, found %s", e.Op, describe(x))
			return badNode(e)
		}
	}
	t := match.TUnknown
	switch {
	case l.t == match.TFloat || r.t == match.TFloat:
		t = match.TFloat
	case l.t == match.TInt && r.t == match.TInt:
		t = match.TInt
	}
	op := e.Op[0]
	le, re := l.e, r.e
	return precompute(&node{t: t, refs: l.refs + r.refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		return arith(op, le.eval(ev), re.eval(ev))
	})})
}

// arith applies + - * / % to two values, mapping over arrays.
func arith(op byte, a, b event.Value) event.Value {
	if a.Kind() == event.KindArray || b.Kind() == event.KindArray {
		return mapArgs([]event.Value{a, b}, func(v []event.Value) event.Value { return arith(op, v[0], v[1]) })
	}
	a, b = numeric(a), numeric(b)
	if !a.IsNumber() || !b.IsNumber() {
		return event.Null()
	}
	if a.Kind() == event.KindInt && b.Kind() == event.KindInt {
		x, y := a.Int(), b.Int()
		switch op {
		case '+':
			s := x + y
			if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
				return event.Null()
			}
			return event.Int(s)
		case '-':
			d := x - y
			if (x >= 0) != (y >= 0) && (d >= 0) != (x >= 0) {
				return event.Null()
			}
			return event.Int(d)
		case '*':
			if x == 0 || y == 0 {
				return event.Int(0)
			}
			p := x * y
			if p/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return event.Null()
			}
			return event.Int(p)
		case '/':
			if y == 0 {
				return event.Null()
			}
			return event.Int(x / y)
		case '%':
			if y == 0 {
				return event.Null()
			}
			return event.Int(x % y)
		}
		return event.Null()
	}
	x, y := a.Float(), b.Float()
	switch op {
	case '+':
		return event.Float(x + y)
	case '-':
		return event.Float(x - y)
	case '*':
		return event.Float(x * y)
	case '/':
		return event.Float(x / y)
	case '%':
		return event.Float(math.Mod(x, y))
	}
	return event.Null()
}

// numeric returns numbers as they are and null for anything else.
func numeric(v event.Value) event.Value {
	if v.IsNumber() {
		return v
	}
	return event.Null()
}

func negate(v event.Value) event.Value {
	switch v.Kind() {
	case event.KindInt:
		if v.Int() == math.MinInt64 {
			return event.Null()
		}
		return event.Int(-v.Int())
	case event.KindFloat:
		return event.Float(-v.Float())
	case event.KindArray:
		return mapArgs([]event.Value{v}, func(a []event.Value) event.Value { return negate(a[0]) })
	}
	return event.Null()
}

// mapArgs calls f with args, once per element combination when some are
// arrays, and collects the results in an array: functions and operators on
// multi-valued fields apply to each value, and a comparison on the result
// then holds when any does.
func mapArgs(args []event.Value, f func([]event.Value) event.Value) event.Value {
	idx := -1
	for i, a := range args {
		if a.Kind() == event.KindArray {
			idx = i
			break
		}
	}
	if idx < 0 {
		return f(args)
	}
	elems := args[idx].Array()
	if len(elems) == 0 {
		return event.Null()
	}
	out := make([]event.Value, 0, len(elems))
	cp := append([]event.Value(nil), args...)
	for _, e := range elems {
		cp[idx] = e
		r := mapArgs(cp, f)
		if r.Kind() == event.KindArray {
			out = append(out, r.Array()...)
		} else {
			out = append(out, r)
		}
	}
	return event.Array(out...)
}
