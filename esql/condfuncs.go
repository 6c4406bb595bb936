package esql

func condFuncs() map[string]funcDef {
	return map[string]funcDef{
		"case": {1, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			t := TNull
			for i := 1; i < len(a); i += 2 {
				t = unify(c, x, t, a[i])
			}
			if len(a)%2 == 1 {
				t = unify(c, x, t, a[len(a)-1])
			}
			for i := 0; i+1 < len(a); i += 2 {
				c.wantType(x, i, a[i], "boolean", func(t Type) bool { return t == TBool })
			}
			return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
				for i := 0; i+1 < len(a); i += 2 {
					v := a[i].eval(row, w)
					if _, ok := v.([]any); ok {
						w.failAs(s, errMV, "false")
						continue
					}
					if b, ok := v.(bool); ok && b {
						return castNumeric(a[i+1].eval(row, w), t)
					}
				}
				if len(a)%2 == 1 {
					return castNumeric(a[len(a)-1].eval(row, w), t)
				}
				return nil
			}}
		}},
		"coalesce": {1, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			t := TNull
			for _, e := range a {
				t = unify(c, x, t, e)
			}
			return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
				for _, e := range a {
					if v := e.eval(row, w); v != nil {
						return castNumeric(v, t)
					}
				}
				return nil
			}}
		}},
		"greatest": {1, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr { return extreme(c, x, s, a, 1) }},
		"least":    {1, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr { return extreme(c, x, s, a, -1) }},
	}
}

// unify is the common type of conditional branches.
func unify(c *compiler, x *Call, t Type, e *cexpr) Type {
	switch {
	case t == TNull:
		return e.t
	case e.t == TNull || e.t == t:
		return t
	case t.isString() && e.t.isString():
		return TKeyword
	case t.isNumeric() && e.t.isNumeric() && t != TUnsignedLong && e.t != TUnsignedLong:
		return widerNumeric(t, e.t)
	}
	c.errorf(x, "all arguments of [%s] must be [%s], found value [%s] type [%s]", c.text(x), t, c.text(e.src), e.t)
	return t
}

func extreme(c *compiler, x *Call, s *site, a []*cexpr, sign int) *cexpr {
	t := TNull
	for _, e := range a {
		t = unify(c, x, t, e)
	}
	return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
		var best any
		for _, e := range a {
			vs := values(e.eval(row, w))
			if len(vs) == 0 {
				return nil
			}
			for _, v := range vs {
				v = castNumeric(v, t)
				if best == nil || compareValues(v, best, t)*sign > 0 {
					best = v
				}
			}
		}
		return best
	}}
}
