package esql

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

type dissectKey struct {
	name    string
	skip    bool
	append  bool
	order   int
	padding bool
	delim   string // the literal after the key ("" for the last)
}

type dissectStep struct {
	grokStep // layout
	prefix   string
	keys     []dissectKey
	sep      string
}

func (c *compiler) dissect(x *Dissect, cols []Column) step {
	in := c.expr(x.X, cols)
	if !in.t.isString() && in.t != TNull {
		c.errorf(x.X, "Input for DISSECT must be of type [string] but is [%s]", in.t)
	}
	p := x.Pattern
	st := &dissectStep{sep: x.AppendSep}
	st.in = in
	i := strings.Index(p, "%{")
	if i < 0 {
		panic(errAt(c.src, x.Pos, fmt.Sprintf("Invalid pattern for dissect: [%s]", p)))
	}
	st.prefix = p[:i]
	p = p[i:]
	for p != "" {
		if !strings.HasPrefix(p, "%{") {
			break
		}
		end := strings.IndexByte(p, '}')
		if end < 0 {
			panic(errAt(c.src, x.Pos, fmt.Sprintf("Invalid pattern for dissect: [%s]", x.Pattern)))
		}
		k := dissectKey{name: p[2:end]}
		p = p[end+1:]
		if strings.HasSuffix(k.name, "->") {
			k.padding, k.name = true, strings.TrimSuffix(k.name, "->")
		}
		switch {
		case k.name == "" || strings.HasPrefix(k.name, "?"):
			k.skip = true
		case strings.HasPrefix(k.name, "+"):
			k.append, k.name = true, k.name[1:]
			if n, o, ok := strings.Cut(k.name, "/"); ok {
				k.name = n
				k.order, _ = strconv.Atoi(o)
			}
		case strings.HasPrefix(k.name, "*") || strings.HasPrefix(k.name, "&"):
			panic(&UnsupportedError{Reason: "esql: dissect reference keys are not supported"})
		}
		next := strings.Index(p, "%{")
		if next < 0 {
			k.delim, p = p, ""
		} else {
			k.delim, p = p[:next], p[next:]
		}
		st.keys = append(st.keys, k)
		if !k.skip && !slices.Contains(st.names, k.name) {
			st.names = append(st.names, k.name)
			st.types = append(st.types, TKeyword)
		}
	}
	st.finish(cols)
	return st
}

func (st *dissectStep) cols() []Column { return st.out }

func (st *dissectStep) match(s string) map[string]string {
	if !strings.HasPrefix(s, st.prefix) {
		return nil
	}
	s = s[len(st.prefix):]
	type part struct {
		v     string
		order int
		seq   int
	}
	parts := map[string][]part{}
	for i, k := range st.keys {
		var v string
		if k.delim == "" {
			if i == len(st.keys)-1 {
				v, s = s, ""
			} else {
				// two adjacent keys: the first takes nothing
				v = ""
			}
		} else {
			j := strings.Index(s, k.delim)
			if j < 0 {
				return nil
			}
			v, s = s[:j], s[j+len(k.delim):]
			if k.padding {
				for strings.HasPrefix(s, k.delim) {
					s = s[len(k.delim):]
				}
			}
		}
		if k.skip {
			continue
		}
		parts[k.name] = append(parts[k.name], part{v, k.order, i})
	}
	out := map[string]string{}
	for name, ps := range parts {
		sort.SliceStable(ps, func(a, b int) bool { return ps[a].order < ps[b].order })
		vs := make([]string, len(ps))
		for i, p := range ps {
			vs[i] = p.v
		}
		out[name] = strings.Join(vs, st.sep)
	}
	return out
}

func (st *dissectStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	{
		cells := r.Cells
		extra := make([]any, len(st.names))
		for _, v := range values(st.in.eval(cells, w)) {
			s, _ := v.(string)
			if m := st.match(s); m != nil {
				for i, n := range st.names {
					extra[i] = mv(append(values(extra[i]), m[n]))
				}
			}
		}
		out := make([]any, 0, len(st.out))
		for _, k := range st.keep {
			out = append(out, cells[k])
		}
		r.Cells = append(out, extra...)
	}
	return emit(r)
}
