package esql

import (
	"math"
	"slices"
	"strings"
)

// aggState is one group's partial aggregate: it holds what the function
// needs (a count, a sum, distinct values), never the rows.
type aggState interface {
	add(row []any, w *Warnings)
	result(w *Warnings) any
}

// aggSpec is a compiled aggregate call.
type aggSpec struct {
	t        Type
	newState func() aggState
}

type aggDef struct {
	min, max int
	build    func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec
}

// aggFuncs is the table of aggregate functions.
var aggFuncs map[string]aggDef

func init() {
	aggFuncs = map[string]aggDef{
		"count":          {0, 1, buildCount},
		"count_distinct": {1, 2, buildCountDistinct},
		"values":         {1, 1, buildValues},
		"min":            {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildExtreme(a[0], -1) }},
		"max":            {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildExtreme(a[0], 1) }},
		"sum":            {1, 1, buildSum},
		"avg":            {1, 1, buildAvg},
		"median":         {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildPercentile(a[0], nil) }},
		"percentile":     {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildPercentile(a[0], a[1]) }},
		"first":          {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildFirstLast(a[0], a[1], -1) }},
		"last":           {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) aggSpec { return buildFirstLast(a[0], a[1], 1) }},
		"top":            {3, 3, buildTop},
	}
}

type funcState struct {
	addFn    func(row []any, w *Warnings)
	resultFn func(w *Warnings) any
}

func (f *funcState) add(row []any, w *Warnings) { f.addFn(row, w) }
func (f *funcState) result(w *Warnings) any     { return f.resultFn(w) }

func buildCount(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	if x.Star || len(a) == 0 {
		return aggSpec{t: TLong, newState: func() aggState {
			n := int64(0)
			return &funcState{func([]any, *Warnings) { n++ }, func(*Warnings) any { return n }}
		}}
	}
	arg := a[0]
	return aggSpec{t: TLong, newState: func() aggState {
		n := int64(0)
		return &funcState{func(row []any, w *Warnings) { n += int64(len(values(arg.eval(row, w)))) }, func(*Warnings) any { return n }}
	}}
}

// distinctKey is a map key for a value.
func distinctKey(v any) any {
	if f, ok := v.(float64); ok && f == 0 {
		return 0.0
	}
	return v
}

func buildCountDistinct(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	arg := a[0]
	return aggSpec{t: TLong, newState: func() aggState {
		seen := map[any]struct{}{}
		return &funcState{func(row []any, w *Warnings) {
			for _, v := range values(arg.eval(row, w)) {
				seen[distinctKey(v)] = struct{}{}
			}
		}, func(*Warnings) any { return int64(len(seen)) }}
	}}
}

func buildValues(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	arg := a[0]
	t := arg.t
	return aggSpec{t: t, newState: func() aggState {
		seen := map[any]struct{}{}
		var out []any
		return &funcState{func(row []any, w *Warnings) {
			for _, v := range values(arg.eval(row, w)) {
				k := distinctKey(v)
				if _, ok := seen[k]; !ok {
					seen[k] = struct{}{}
					out = append(out, v)
				}
			}
		}, func(*Warnings) any {
			vs := slices.Clone(out)
			slices.SortFunc(vs, func(p, q any) int { return compareValues(p, q, t) })
			return mv(vs)
		}}
	}}
}

func buildExtreme(arg *cexpr, sign int) aggSpec {
	t := arg.t
	return aggSpec{t: t, newState: func() aggState {
		var best any
		return &funcState{func(row []any, w *Warnings) {
			for _, v := range values(arg.eval(row, w)) {
				if best == nil || compareValues(v, best, t)*sign > 0 {
					best = v
				}
			}
		}, func(*Warnings) any { return best }}
	}}
}

func buildSum(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	arg := a[0]
	t := TLong
	switch arg.t {
	case TDouble:
		t = TDouble
	case TUnsignedLong:
		t = TUnsignedLong
	case TNull:
		t = TNull
	}
	return aggSpec{t: t, newState: func() aggState {
		var acc any
		failed := false
		return &funcState{func(row []any, w *Warnings) {
			if failed {
				return
			}
			for _, v := range values(arg.eval(row, w)) {
				if acc == nil {
					acc = v
					continue
				}
				r, err := arithmetic("+", t, acc, v)
				if err != nil {
					w.fail(s, err.Error())
					failed, acc = true, nil
					return
				}
				acc = r
			}
		}, func(*Warnings) any {
			if acc == nil && !failed && t != TNull {
				return nil
			}
			return acc
		}}
	}}
}

func buildAvg(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	arg := a[0]
	return aggSpec{t: TDouble, newState: func() aggState {
		sum, comp, n := 0.0, 0.0, 0
		return &funcState{func(row []any, w *Warnings) {
			for _, v := range values(arg.eval(row, w)) {
				// Kahan summation, as Elasticsearch sums doubles
				y := toFloat(v) - comp
				t := sum + y
				comp = (t - sum) - y
				sum = t
				n++
			}
		}, func(*Warnings) any {
			if n == 0 {
				return nil
			}
			return sum / float64(n)
		}}
	}}
}

func buildPercentile(arg, p *cexpr) aggSpec {
	t := arg.t
	if t != TDouble {
		t = TDouble
	}
	return aggSpec{t: t, newState: func() aggState {
		var vs []float64
		return &funcState{func(row []any, w *Warnings) {
			for _, v := range values(arg.eval(row, w)) {
				vs = append(vs, toFloat(v))
			}
		}, func(w *Warnings) any {
			if len(vs) == 0 {
				return nil
			}
			q := 50.0
			if p != nil {
				q = toFloat(p.lit)
			}
			slices.Sort(vs)
			pos := q / 100 * float64(len(vs)-1)
			lo := int(math.Floor(pos))
			hi := min(lo+1, len(vs)-1)
			return vs[lo] + (vs[hi]-vs[lo])*(pos-float64(lo))
		}}
	}}
}

func buildFirstLast(arg, sortBy *cexpr, sign int) aggSpec {
	t := arg.t
	st := sortBy.t
	return aggSpec{t: t, newState: func() aggState {
		var best, key any
		return &funcState{func(row []any, w *Warnings) {
			k := sortBy.eval(row, w)
			if k == nil {
				return
			}
			ks := values(k)
			kv := ks[0]
			if key == nil || compareValues(kv, key, st)*sign > 0 {
				key, best = kv, arg.eval(row, w)
			}
		}, func(*Warnings) any { return best }}
	}}
}

func buildTop(c *compiler, x *Call, s *site, a []*cexpr) aggSpec {
	arg := a[0]
	n := 0
	if v, ok := a[1].lit.(int64); ok {
		n = int(v)
	}
	desc := true
	if o, ok := a[2].lit.(string); ok {
		desc = strings.EqualFold(o, "desc")
	}
	t := arg.t
	return aggSpec{t: t, newState: func() aggState {
		var vs []any
		return &funcState{func(row []any, w *Warnings) {
			vs = append(vs, values(arg.eval(row, w))...)
			if len(vs) > 4*n+64 {
				vs = topN(vs, n, t, desc)
			}
		}, func(*Warnings) any { return mv(topN(vs, n, t, desc)) }}
	}}
}

func topN(vs []any, n int, t Type, desc bool) []any {
	slices.SortFunc(vs, func(p, q any) int {
		if desc {
			return compareValues(q, p, t)
		}
		return compareValues(p, q, t)
	})
	return vs[:min(n, len(vs))]
}

// filtered wraps an aggregate with STATS ... WHERE cond.
func filtered(spec aggSpec, cond *cexpr) aggSpec {
	inner := spec.newState
	spec.newState = func() aggState {
		st := inner()
		return &funcState{func(row []any, w *Warnings) {
			if b, ok := cond.eval(row, w).(bool); ok && b {
				st.add(row, w)
			}
		}, st.result}
	}
	return spec
}
