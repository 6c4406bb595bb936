package esql

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var onigGroup = regexp.MustCompile(`\(\?<([A-Za-z_@][\w.@]*)>`)

var grokRef = regexp.MustCompile(`%\{(\w+)(?::([\w.@\[\]-]+))?(?::(\w+))?\}`)

type grokField struct {
	name  string
	group string
	t     Type
}

// expandGrok turns a grok pattern into a Go regular expression with a
// named group per captured field.
func expandGrok(p string, fields *[]grokField, depth int) (string, error) {
	if depth > 20 {
		return "", fmt.Errorf("grok pattern nests too deep")
	}
	var err error
	out := grokRef.ReplaceAllStringFunc(p, func(m string) string {
		sub := grokRef.FindStringSubmatch(m)
		def, ok := grokPatterns[sub[1]]
		if !ok {
			err = fmt.Errorf("Unable to find pattern [%s] in Grok's pattern dictionary", sub[1])
			return m
		}
		inner, e := expandGrok(def, nil, depth+1)
		if e != nil {
			err = e
			return m
		}
		if sub[2] == "" || fields == nil {
			return "(?:" + inner + ")"
		}
		t := TKeyword
		switch sub[3] {
		case "int":
			t = TInt
		case "long":
			t = TLong
		case "float", "double":
			t = TDouble
		case "boolean":
			t = TBool
		}
		g := fmt.Sprintf("g%d", len(*fields))
		*fields = append(*fields, grokField{name: sub[2], group: g, t: t})
		return "(?P<" + g + ">" + inner + ")"
	})
	return out, err
}

type grokStep struct {
	in    *cexpr
	re    *regexp.Regexp
	names []string // distinct output names, in order
	types []Type
	// groups[i] are the regexp groups feeding names[i]
	groups [][]int
	inCols []Column
	out    []Column
	keep   []int // input columns kept (not replaced by the new ones)
}

func (c *compiler) grok(x *Grok, cols []Column) step {
	in := c.expr(x.X, cols)
	if !in.t.isString() && in.t != TNull {
		c.errorf(x.X, "Input for GROK must be of type [string] but is [%s]", in.t)
	}
	var fields []grokField
	src, err := expandGrok(x.Pattern, &fields, 0)
	if err != nil {
		panic(errAt(c.src, x.Pos, "Invalid pattern ["+x.Pattern+"] for grok: "+err.Error()))
	}
	if len(x.More) > 0 {
		alts := []string{"(?:" + src + ")"}
		for _, m := range x.More {
			s, err := expandGrok(m, &fields, 0)
			if err != nil {
				panic(errAt(c.src, x.Pos, "Invalid pattern ["+m+"] for grok: "+err.Error()))
			}
			alts = append(alts, "(?:"+s+")")
		}
		src = strings.Join(alts, "|")
	}
	src = strings.ReplaceAll(src, `\w`, `[0-9A-Za-z_]`)
	// Oniguruma named groups (?<name>...) capture keyword fields too
	src = onigGroup.ReplaceAllStringFunc(src, func(m string) string {
		name := m[3 : len(m)-1]
		g := fmt.Sprintf("g%d", len(fields))
		fields = append(fields, grokField{name: name, group: g, t: TKeyword})
		return "(?P<" + g + ">"
	})
	re, err := regexp.Compile(src)
	if err != nil {
		panic(errAt(c.src, x.Pos, "Invalid pattern ["+x.Pattern+"] for grok: "+err.Error()))
	}
	st := &grokStep{in: in, re: re}
	for _, f := range fields {
		i := slices.Index(st.names, f.name)
		if i < 0 {
			st.names = append(st.names, f.name)
			st.types = append(st.types, f.t)
			st.groups = append(st.groups, nil)
			i = len(st.names) - 1
		} else if st.types[i] != f.t {
			panic(errAt(c.src, x.Pos, fmt.Sprintf("Invalid GROK pattern [%s]: the attribute [%s] is defined multiple times with different types", x.Pattern, f.name)))
		}
		st.groups[i] = append(st.groups[i], re.SubexpIndex(f.group))
	}
	st.finish(cols)
	return st
}

// finish lays out the output: input columns not named by the new ones,
// then the new ones.
func (st *grokStep) finish(cols []Column) {
	st.inCols = cols
	for i, col := range cols {
		if !slices.Contains(st.names, col.Name) {
			st.keep = append(st.keep, i)
			st.out = append(st.out, col)
		}
	}
	for i, n := range st.names {
		st.out = append(st.out, Column{n, st.types[i]})
	}
}

func (st *grokStep) cols() []Column { return st.out }

func (st *grokStep) each(r Row, w *Warnings, emit func(Row) bool) bool {
	{
		cells := r.Cells
		extra := make([]any, len(st.names))
		v := st.in.eval(cells, w)
		for _, s := range values(v) {
			str, _ := s.(string)
			m := st.re.FindStringSubmatchIndex(str)
			if m == nil {
				continue
			}
			for i, gs := range st.groups {
				var vs []any
				for _, g := range gs {
					if m[2*g] < 0 {
						continue
					}
					if cv, ok := convertGrok(str[m[2*g]:m[2*g+1]], st.types[i]); ok {
						vs = append(vs, cv)
					}
				}
				if prev := extra[i]; prev != nil {
					vs = append(values(prev), vs...)
				}
				extra[i] = mv(vs)
			}
			if _, isMV := v.([]any); !isMV {
				break
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

func convertGrok(s string, t Type) (any, bool) {
	switch t {
	case TInt:
		n, err := strconv.ParseInt(s, 10, 32)
		return n, err == nil
	case TLong:
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	case TDouble:
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	case TBool:
		return strings.EqualFold(s, "true"), true
	}
	return s, true
}
