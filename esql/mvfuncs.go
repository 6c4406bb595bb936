package esql

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// mvFn builds a function over all values of its first argument.
func mvFn(out func(in Type) Type, f func(vs []any, t Type) (any, error)) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		t := a[0].t
		rt := out(t)
		return &cexpr{t: rt, src: x, eval: func(row []any, w *Warnings) any {
			vs := values(a[0].eval(row, w))
			if len(vs) == 0 {
				return nil
			}
			r, err := f(vs, t)
			if err != nil {
				w.fail(s, err.Error())
				return nil
			}
			return r
		}}
	}}
}

func same(t Type) Type { return t }

func mvFuncs() map[string]funcDef {
	return map[string]funcDef{
		"mv_count": mvFn(func(Type) Type { return TInt }, func(vs []any, _ Type) (any, error) { return int64(len(vs)), nil }),
		"mv_first": mvFn(same, func(vs []any, _ Type) (any, error) { return vs[0], nil }),
		"mv_last":  mvFn(same, func(vs []any, _ Type) (any, error) { return vs[len(vs)-1], nil }),
		"mv_min": mvFn(same, func(vs []any, t Type) (any, error) {
			m := vs[0]
			for _, v := range vs[1:] {
				if compareValues(v, m, t) < 0 {
					m = v
				}
			}
			return m, nil
		}),
		"mv_max": mvFn(same, func(vs []any, t Type) (any, error) {
			m := vs[0]
			for _, v := range vs[1:] {
				if compareValues(v, m, t) > 0 {
					m = v
				}
			}
			return m, nil
		}),
		"mv_sum": mvFn(same, func(vs []any, t Type) (any, error) {
			acc := vs[0]
			for _, v := range vs[1:] {
				r, err := arithmetic("+", t, acc, v)
				if err != nil {
					return nil, err
				}
				acc = r
			}
			return acc, nil
		}),
		"mv_avg": mvFn(func(Type) Type { return TDouble }, func(vs []any, t Type) (any, error) {
			sum := 0.0
			for _, v := range vs {
				sum += toFloat(v)
			}
			return sum / float64(len(vs)), nil
		}),
		"mv_median": mvFn(same, func(vs []any, t Type) (any, error) {
			s := slices.Clone(vs)
			slices.SortFunc(s, func(a, b any) int { return compareValues(a, b, t) })
			n := len(s)
			if n%2 == 1 {
				return s[n/2], nil
			}
			if t == TDouble {
				return (toFloat(s[n/2-1]) + toFloat(s[n/2])) / 2, nil
			}
			if a, ok := s[n/2-1].(int64); ok {
				b := s[n/2].(int64)
				return a/2 + b/2 + (a%2+b%2)/2, nil
			}
			return s[n/2-1], nil
		}),
		"mv_dedupe": mvFn(same, func(vs []any, t Type) (any, error) {
			var out []any
			for _, v := range vs {
				if !slices.ContainsFunc(out, func(o any) bool { return compareValues(o, v, t) == 0 }) {
					out = append(out, v)
				}
			}
			return mv(out), nil
		}),
		"mv_sort": {1, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			desc := false
			if len(a) > 1 {
				o, _ := a[1].lit.(string)
				desc = strings.EqualFold(o, "desc")
			}
			t := a[0].t
			return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
				vs := slices.Clone(values(a[0].eval(row, w)))
				slices.SortStableFunc(vs, func(p, q any) int {
					if desc {
						return compareValues(q, p, t)
					}
					return compareValues(p, q, t)
				})
				return mv(vs)
			}}
		}},
		"mv_concat": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			return &cexpr{t: TKeyword, src: x, eval: func(row []any, w *Warnings) any {
				vs := values(a[0].eval(row, w))
				sep := a[1].eval(row, w)
				if len(vs) == 0 || sep == nil {
					return nil
				}
				sepS, ok := sep.(string)
				if !ok {
					w.fail(s, errMV)
					return nil
				}
				parts := make([]string, len(vs))
				for i, v := range vs {
					parts[i] = v.(string)
				}
				return strings.Join(parts, sepS)
			}}
		}},
		"mv_contains": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			t := a[0].t
			return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
				sup := values(a[0].eval(row, w))
				sub := values(a[1].eval(row, w))
				if len(sub) == 0 {
					return true
				}
				if len(sup) == 0 {
					return false
				}
				for _, v := range sub {
					if !slices.ContainsFunc(sup, func(o any) bool { return compareValues(o, v, t) == 0 }) {
						return false
					}
				}
				return true
			}}
		}},
		"mv_slice": {2, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return &cexpr{t: a[0].t, src: x, eval: func(row []any, w *Warnings) any {
				vs := values(a[0].eval(row, w))
				sv, _ := a[1].eval(row, w).(int64)
				ev := sv
				if len(a) > 2 {
					e, ok := a[2].eval(row, w).(int64)
					if !ok {
						return nil
					}
					ev = e
				}
				if len(vs) == 0 {
					return nil
				}
				n := int64(len(vs))
				if sv < 0 {
					sv += n
				}
				if ev < 0 {
					ev += n
				}
				if sv > ev {
					w.fail(s, fmt.Sprintf("org.elasticsearch.xpack.esql.core.InvalidArgumentException: Start offset is greater than end offset"))
					return nil
				}
				sv = max(sv, 0)
				ev = min(ev, n-1)
				if sv >= n || ev < 0 || sv > ev {
					return nil
				}
				return mv(vs[sv : ev+1])
			}}
		}},
		"mv_intersection": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			t := a[0].t
			return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
				l, r := values(a[0].eval(row, w)), values(a[1].eval(row, w))
				var out []any
				for _, v := range l {
					if slices.ContainsFunc(r, func(o any) bool { return compareValues(o, v, t) == 0 }) &&
						!slices.ContainsFunc(out, func(o any) bool { return compareValues(o, v, t) == 0 }) {
						out = append(out, v)
					}
				}
				return mv(out)
			}}
		}},
	}
}

// jsonExtract returns the value at a path ("a.b[0].c" or "$.a.b") in a
// JSON document, as a string.
func jsonExtract(doc, path string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return nil, evalError("java.lang.IllegalArgumentException: invalid JSON input")
	}
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	for path != "" {
		var key string
		if path[0] == '[' {
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, evalError("java.lang.IllegalArgumentException: invalid path")
			}
			key = strings.Trim(path[1:end], `'"`)
			path = strings.TrimPrefix(path[end+1:], ".")
			if arr, ok := v.([]any); ok {
				var i int
				if _, err := fmt.Sscanf(key, "%d", &i); err != nil || i < 0 || i >= len(arr) {
					return nil, nil
				}
				v = arr[i]
				continue
			}
		} else {
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				key, path = path, ""
			} else {
				key, path = path[:end], strings.TrimPrefix(path[end:], ".")
			}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil
		}
		if v, ok = m[key]; !ok {
			return nil, nil
		}
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	}
	b, _ := json.Marshal(v)
	return string(b), nil
}
