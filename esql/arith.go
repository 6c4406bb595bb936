package esql

import (
	"math"
	"math/bits"
	"time"
)

func (c *compiler) negate(x *Unary, a *cexpr) *cexpr {
	s := newSite(c.src, x)
	switch a.t {
	case TInt, TLong, TDouble, TDuration, TPeriod, TNull:
	default:
		c.errorf(x, "argument of [%s] must be [numeric, date_period or time_duration], found value [%s] type [%s]", c.text(x), c.text(x.X), a.t)
	}
	t := a.t
	return c.single(s, t, []*cexpr{a}, func(v []any) (any, error) {
		switch y := v[0].(type) {
		case int64:
			if t == TInt && y == math.MinInt32 {
				return nil, evalError(errIntOverflow)
			}
			if y == math.MinInt64 {
				return nil, evalError(errLongOverflow)
			}
			return -y, nil
		case float64:
			return -y, nil
		case time.Duration:
			return -y, nil
		case Period:
			return Period{-y.Years, -y.Months, -y.Days}, nil
		}
		return nil, nil
	})
}

// single compiles a function of single values: null when an argument is
// null, null with a warning when one is multi-valued, null with a
// warning when f fails.
func (c *compiler) single(s *site, t Type, args []*cexpr, f func(v []any) (any, error)) *cexpr {
	return &cexpr{t: t, eval: func(row []any, w *Warnings) any {
		var buf [4]any
		vs := buf[:0]
		for _, a := range args {
			v := a.scalar(row, w, s)
			if v == nil {
				return nil
			}
			vs = append(vs, v)
		}
		r, err := f(vs)
		if err != nil {
			w.fail(s, err.Error())
			return nil
		}
		return r
	}}
}

func (c *compiler) arith(x *Binary, l, r *cexpr) *cexpr {
	s := newSite(c.src, x)
	op := x.Op
	// date arithmetic; a string literal beside a span is a date
	if l.t == TDuration || l.t == TPeriod {
		r = c.asDate(r)
	}
	if r.t == TDuration || r.t == TPeriod {
		l = c.asDate(l)
	}
	if l.t == TDate && (r.t == TDuration || r.t == TPeriod) && (op == "+" || op == "-") ||
		r.t == TDate && (l.t == TDuration || l.t == TPeriod) && op == "+" {
		d, span := l, r
		if r.t == TDate {
			d, span = r, l
		}
		neg := op == "-"
		return c.single(s, TDate, []*cexpr{d, span}, func(v []any) (any, error) {
			return addSpan(v[0].(int64), v[1], neg)
		})
	}
	if (l.t == TDuration || l.t == TPeriod) && l.t == r.t && (op == "+" || op == "-") {
		return c.single(s, l.t, []*cexpr{l, r}, func(v []any) (any, error) {
			switch a := v[0].(type) {
			case time.Duration:
				b := v[1].(time.Duration)
				if op == "-" {
					b = -b
				}
				return a + b, nil
			case Period:
				b := v[1].(Period)
				if op == "-" {
					b = Period{-b.Years, -b.Months, -b.Days}
				}
				return Period{a.Years + b.Years, a.Months + b.Months, a.Days + b.Days}, nil
			}
			return nil, nil
		})
	}
	lt, rt := l.t, r.t
	if lt == TNull {
		lt = rt
	}
	if rt == TNull {
		rt = lt
	}
	if lt == TNull {
		return constant(nil, TNull, x)
	}
	if !lt.isNumeric() || !rt.isNumeric() {
		bad, bt := x.L, l.t
		if lt.isNumeric() {
			bad, bt = x.R, r.t
		}
		c.errorf(x, "%s", "["+op+"] has arguments with incompatible types ["+typeName(l.t)+"] and ["+typeName(r.t)+"]"+badHint(c, bad, bt))
	}
	if (lt == TUnsignedLong) != (rt == TUnsignedLong) && lt != TDouble && rt != TDouble {
		c.errorf(x, "[%s] has arguments with incompatible types [%s] and [%s]", op, typeName(l.t), typeName(r.t))
	}
	t := widerNumeric(lt, rt)
	return c.single(s, t, []*cexpr{l, r}, func(v []any) (any, error) {
		return arithmetic(op, t, v[0], v[1])
	})
}

func badHint(*compiler, Expr, Type) string { return "" }

func typeName(t Type) string { return t.String() }

func arithmetic(op string, t Type, a, b any) (any, error) {
	switch t {
	case TDouble:
		x, y := toFloat(a), toFloat(b)
		var r float64
		switch op {
		case "+":
			r = x + y
		case "-":
			r = x - y
		case "*":
			r = x * y
		case "/":
			if y == 0 {
				return nil, evalError(errDivZero)
			}
			r = x / y
		case "%":
			if y == 0 {
				return nil, evalError(errDivZero)
			}
			r = math.Mod(x, y)
		}
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, evalError("java.lang.ArithmeticException: not a finite double number: " + formatDouble(r))
		}
		return r, nil
	case TUnsignedLong:
		x, y := a.(uint64), b.(uint64)
		switch op {
		case "+":
			s, carry := bits.Add64(x, y, 0)
			if carry != 0 {
				return nil, evalError(errULOverflow)
			}
			return s, nil
		case "-":
			d, borrow := bits.Sub64(x, y, 0)
			if borrow != 0 {
				return nil, evalError(errULOverflow)
			}
			return d, nil
		case "*":
			hi, lo := bits.Mul64(x, y)
			if hi != 0 {
				return nil, evalError(errULOverflow)
			}
			return lo, nil
		case "/":
			if y == 0 {
				return nil, evalError(errDivZero)
			}
			return x / y, nil
		case "%":
			if y == 0 {
				return nil, evalError(errDivZero)
			}
			return x % y, nil
		}
	}
	x, y := a.(int64), b.(int64)
	var r int64
	over := false
	switch op {
	case "+":
		r = x + y
		over = (x > 0 && y > 0 && r < 0) || (x < 0 && y < 0 && r >= 0)
	case "-":
		r = x - y
		over = (x >= 0 && y < 0 && r < 0) || (x < 0 && y > 0 && r >= 0)
	case "*":
		if x != 0 && y != 0 {
			hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
			neg := (x < 0) != (y < 0)
			over = hi != 0 || (!neg && lo > math.MaxInt64) || (neg && lo > 1<<63) ||
				x == math.MinInt64 || y == math.MinInt64
			r = x * y
		}
	case "/":
		if y == 0 {
			return nil, evalError(errDivZero)
		}
		if x == math.MinInt64 && y == -1 {
			over = true
		} else {
			r = x / y
		}
	case "%":
		if y == 0 {
			return nil, evalError(errDivZero)
		}
		if y != -1 {
			r = x % y
		}
	}
	if t == TInt {
		if over || r > math.MaxInt32 || r < math.MinInt32 {
			return nil, evalError(errIntOverflow)
		}
		return r, nil
	}
	if over {
		return nil, evalError(errLongOverflow)
	}
	return r, nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// addSpan adds a duration or calendar period to epoch milliseconds.
func addSpan(ms int64, span any, neg bool) (any, error) {
	switch s := span.(type) {
	case time.Duration:
		if neg {
			s = -s
		}
		return ms + s.Milliseconds(), nil
	case Period:
		if neg {
			s = Period{-s.Years, -s.Months, -s.Days}
		}
		t := time.UnixMilli(ms).UTC()
		return addPeriod(t, s).UnixMilli(), nil
	}
	return nil, nil
}

// addPeriod adds years and months as java.time does (clamping the day of
// month), then days.
func addPeriod(t time.Time, p Period) time.Time {
	if p.Years != 0 || p.Months != 0 {
		y, m, d := t.Date()
		total := int(m) - 1 + p.Months + 12*p.Years
		ny := y + floorDiv(total, 12)
		nm := time.Month(floorMod(total, 12) + 1)
		last := time.Date(ny, nm+1, 0, 0, 0, 0, 0, time.UTC).Day()
		d = min(d, last)
		t = time.Date(ny, nm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return t.AddDate(0, 0, p.Days)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
