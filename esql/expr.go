package esql

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Column is a named, typed column of the row schema.
type Column struct {
	Name string
	Type Type
}

// cexpr is a compiled expression: its type and its evaluator.
type cexpr struct {
	t    Type
	eval func(row []any, w *Warnings) any
	// lit holds a literal's value (for arguments that must be constant).
	lit   any
	isLit bool
	src   Expr
	// removal, when set, says the expression is REPLACE(col, lit, "")
	// of a column and a literal string pattern (see lengthOfRemoval).
	removal *removal
}

// compiler checks and compiles expressions against a row schema.
type compiler struct {
	src  string
	opts *Options
	cols []Column // the columns of the command being compiled
	// static are warnings of the query itself (shadowed names), sent
	// with every run's warnings.
	static []string
	// zone is SET time_zone (nil: UTC); nullify is SET
	// unmapped_fields = "nullify".
	zone    *time.Location
	nullify bool
}

func (c *compiler) errorf(e Expr, format string, args ...any) {
	a, _ := e.span()
	panic(errAt(c.src, a, fmt.Sprintf(format, args...)))
}

func (c *compiler) text(e Expr) string {
	if e == nil {
		return "?"
	}
	a, b := e.span()
	return c.src[a:b]
}

func colIndex(cols []Column, name string) int {
	for i := len(cols) - 1; i >= 0; i-- {
		if cols[i].Name == name {
			return i
		}
	}
	return -1
}

func constant(v any, t Type, e Expr) *cexpr {
	return &cexpr{t: t, eval: func([]any, *Warnings) any { return v }, lit: v, isLit: true, src: e}
}

// expr compiles e over the columns cols.
func (c *compiler) expr(e Expr, cols []Column) *cexpr {
	switch x := e.(type) {
	case *Lit:
		return constant(x.Val, x.Type, e)
	case *Field:
		i := colIndex(cols, x.Name)
		if i < 0 && c.nullify {
			return constant(nil, TNull, e)
		}
		if i < 0 {
			c.errorf(e, "Unknown column [%s]", x.Name)
		}
		t := cols[i].Type
		if t == TUnsupported {
			panic(&UnsupportedError{Reason: fmt.Sprintf("esql: field [%s] is of a type vigil does not run (spatial or other)", x.Name)})
		}
		return &cexpr{t: t, eval: func(row []any, _ *Warnings) any { return row[i] }, src: e}
	case *Unary:
		a := c.expr(x.X, cols)
		if x.Op == "not" {
			if a.t != TBool && a.t != TNull {
				c.errorf(e, "argument of [%s] must be [boolean], found value [%s] type [%s]", c.text(e), c.text(x.X), a.t)
			}
			return &cexpr{t: TBool, src: e, eval: func(row []any, w *Warnings) any {
				v := a.eval(row, w)
				if b, ok := v.(bool); ok {
					return !b
				}
				return nil
			}}
		}
		return c.negate(x, a)
	case *Binary:
		switch x.Op {
		case "and", "or":
			return c.logical(x, cols)
		case "==", "!=", "<", "<=", ">", ">=":
			return c.comparison(x, c.expr(x.L, cols), c.expr(x.R, cols))
		}
		return c.arith(x, c.expr(x.L, cols), c.expr(x.R, cols))
	case *IsNull:
		a := c.expr(x.X, cols)
		not := x.Not
		return &cexpr{t: TBool, src: e, eval: func(row []any, w *Warnings) any {
			return (a.eval(row, w) == nil) != not
		}}
	case *In:
		return c.in(x, cols)
	case *Like:
		return c.like(x, cols)
	case *Cast:
		a := c.expr(x.X, cols)
		fn, ok := castFuncs[x.To]
		if !ok {
			c.errorf(e, "Unsupported conversion to type [%s]", x.To)
		}
		return c.call(&Call{node: x.node, Name: fn, Args: []Expr{x.X}}, []*cexpr{a})
	case *Call:
		if x.Name == "$filter" {
			c.errorf(e, "WHERE in an aggregate is only allowed in STATS")
		}
		if x.Name == "$list" {
			var items []*cexpr
			t := TNull
			for _, it := range x.Args {
				a := c.expr(it, cols)
				if t == TNull {
					t = a.t
				} else if a.t != t && a.t != TNull {
					if t.isNumeric() && a.t.isNumeric() {
						t = widerNumeric(t, a.t)
					} else {
						c.errorf(e, "multi-value literal of mixed types")
					}
				}
				items = append(items, a)
			}
			return &cexpr{t: t, src: e, eval: func(row []any, w *Warnings) any {
				var vs []any
				for _, it := range items {
					vs = append(vs, values(castNumeric(it.eval(row, w), t))...)
				}
				return mv(vs)
			}}
		}
		if _, ok := aggFuncs[x.Name]; ok {
			c.errorf(e, "aggregate function [%s] not allowed outside STATS command", c.text(e))
		}
		if x.Star {
			c.errorf(e, "* is only allowed in COUNT(*)")
		}
		args := make([]*cexpr, len(x.Args))
		for i, a := range x.Args {
			args[i] = c.expr(a, cols)
		}
		c.cols = cols
		return c.call(x, args)
	case *MatchOp:
		a, q := c.expr(x.X, cols), c.expr(x.Q, cols)
		return c.call(&Call{node: x.node, Name: "match", Args: []Expr{x.X, x.Q}}, []*cexpr{a, q})
	}
	c.errorf(e, "unsupported expression")
	return nil
}

// castNumeric widens a numeric value (or multi-value) to type t.
func castNumeric(v any, t Type) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = castNumeric(e, t)
		}
		return out
	case int64:
		if t == TDouble {
			return float64(x)
		}
		if t == TUnsignedLong && x >= 0 {
			return uint64(x)
		}
	case uint64:
		if t == TDouble {
			return float64(x)
		}
	}
	return v
}

func widerNumeric(a, b Type) Type {
	switch {
	case a == TDouble || b == TDouble:
		return TDouble
	case a == TUnsignedLong || b == TUnsignedLong:
		return TUnsignedLong
	case a == TLong || b == TLong:
		return TLong
	}
	return TInt
}

func (c *compiler) logical(x *Binary, cols []Column) *cexpr {
	l, r := c.expr(x.L, cols), c.expr(x.R, cols)
	for _, a := range []*cexpr{l, r} {
		if a.t != TBool && a.t != TNull {
			c.errorf(x, "argument of [%s] must be [boolean], found value [%s] type [%s]", c.text(x), c.text(a.src), a.t)
		}
	}
	and := x.Op == "and"
	return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
		lv := l.eval(row, w)
		lb, lok := lv.(bool)
		if lok && lb != and {
			return lb // false and .., true or ..
		}
		rv := r.eval(row, w)
		rb, rok := rv.(bool)
		if rok && rb != and {
			return rb
		}
		if lok && rok {
			return and
		}
		return nil
	}}
}

// comparable reports whether a and b may be compared, and the literal
// conversions needed: a string literal compared with a date, ip or
// version is converted to it.
func (c *compiler) coerce(x Expr, l, r *cexpr) (*cexpr, *cexpr) {
	conv := func(lit, other *cexpr) *cexpr {
		if !lit.isLit || !lit.t.isString() {
			return lit
		}
		s, _ := lit.lit.(string)
		switch other.t {
		case TDate:
			ms, err := parseDate(s)
			if err != nil {
				c.errorf(lit.src, "Cannot convert string [%s] to [DATETIME], error [%s]", s, err)
			}
			return constant(ms, TDate, lit.src)
		case TIP:
			a, err := parseIP(s)
			if err != nil {
				c.errorf(lit.src, "Cannot convert string [%s] to [IP], error [%s]", s, err)
			}
			return constant(a, TIP, lit.src)
		case TVersion:
			return constant(s, TVersion, lit.src)
		case TBool:
			return constant(strings.EqualFold(s, "true"), TBool, lit.src)
		}
		return lit
	}
	return conv(l, r), conv(r, l)
}

func comparableTypes(a, b Type) bool {
	switch {
	case a == TNull || b == TNull:
		return true
	case a.isNumeric() && b.isNumeric():
		return true
	case a.isString() && b.isString():
		return true
	}
	return a == b && a != TUnsupported
}

func (c *compiler) comparison(x *Binary, l, r *cexpr) *cexpr {
	l, r = c.coerce(x, l, r)
	if !comparableTypes(l.t, r.t) {
		c.errorf(x, "first argument of [%s] is [%s] so second argument must also be [%s] but was [%s]", c.text(x), typeKind(l.t), typeKind(l.t), typeKind(r.t))
	}
	if (l.t == TUnsignedLong) != (r.t == TUnsignedLong) && l.t.isNumeric() && r.t.isNumeric() && l.t != TDouble && r.t != TDouble {
		// unsigned_long compares with other integers by value
	}
	op := x.Op
	t := l.t
	if t == TNull {
		t = r.t
	}
	s := newSite(c.src, x)
	return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
		a := l.scalar(row, w, s)
		if a == nil {
			return nil
		}
		b := r.scalar(row, w, s)
		if b == nil {
			return nil
		}
		if fa, ok := a.(float64); ok && math.IsNaN(fa) {
			return op == "!="
		}
		if fb, ok := b.(float64); ok && math.IsNaN(fb) {
			return op == "!="
		}
		n := compareValues(a, b, t)
		switch op {
		case "==":
			return n == 0
		case "!=":
			return n != 0
		case "<":
			return n < 0
		case "<=":
			return n <= 0
		case ">":
			return n > 0
		}
		return n >= 0
	}}
}

// typeKind names a type as the checker's messages do.
func typeKind(t Type) string {
	switch {
	case t.isNumeric():
		return "numeric"
	case t.isString():
		return "keyword"
	}
	return t.String()
}

func (c *compiler) in(x *In, cols []Column) *cexpr {
	a := c.expr(x.X, cols)
	var list []*cexpr
	for _, it := range x.List {
		v := c.expr(it, cols)
		_, v = c.coerce(x, a, v)
		if !comparableTypes(a.t, v.t) {
			c.errorf(it, "%s", fmt.Sprintf("1st argument of [%s] must be [%s], found value [%s] type [%s]", c.text(x), a.t, c.text(it), v.t))
		}
		list = append(list, v)
	}
	s := newSite(c.src, x)
	not := x.Not
	t := a.t
	// a constant list of non-null values is a set lookup for strings
	allLit := true
	set := map[string]bool{}
	for _, v := range list {
		str, ok := v.lit.(string)
		if !v.isLit || !ok {
			allLit = false
			break
		}
		set[str] = true
	}
	if allLit && t.isString() {
		return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
			v := a.eval(row, w)
			switch y := v.(type) {
			case nil:
				return nil
			case []any:
				w.fail(s, errMV)
				return nil
			case string:
				return set[y] != not
			}
			return nil
		}}
	}
	return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
		v := a.scalar(row, w, s)
		if v == nil {
			return nil
		}
		sawNull := false
		for _, it := range list {
			iv := it.eval(row, w)
			if iv == nil {
				sawNull = true
				continue
			}
			if _, ok := iv.([]any); ok {
				w.fail(s, errMV)
				sawNull = true
				continue
			}
			if compareValues(v, iv, t) == 0 {
				return !not
			}
		}
		if sawNull {
			return nil
		}
		return not
	}}
}

func (c *compiler) like(x *Like, cols []Column) *cexpr {
	a := c.expr(x.X, cols)
	if !a.t.isString() && a.t != TNull {
		c.errorf(x, "argument of [%s] must be [string], found value [%s] type [%s]", c.text(x), c.text(x.X), a.t)
	}
	var match func(string) bool
	if x.Regex {
		var res []func(string) bool
		for _, p := range x.Patterns {
			re, err := compileESRegex(p)
			if err != nil {
				c.errorf(x, "Invalid regex pattern for RLIKE [%s]: [%s]", p, err)
				continue
			}
			res = append(res, gatedMatch(re))
		}
		match = func(s string) bool {
			for _, m := range res {
				if m(s) {
					return true
				}
			}
			return false
		}
	} else {
		var ms []func(string) bool
		for _, p := range x.Patterns {
			ms = append(ms, likeMatcher(p))
		}
		match = func(s string) bool {
			for _, m := range ms {
				if m(s) {
					return true
				}
			}
			return false
		}
	}
	s := newSite(c.src, x)
	not := x.Not
	return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
		switch v := a.eval(row, w).(type) {
		case string:
			return match(v) != not
		case []any:
			w.fail(s, errMV)
		}
		return nil
	}}
}

// LikeMatcher returns the test LIKE makes of one string value with
// pattern p, for callers that must agree with a query exactly (the rule
// index's negated conditions, engine.esqlFilter).
func LikeMatcher(p string) func(string) bool { return likeMatcher(p) }

// likeMatcher compiles a LIKE pattern: * any characters, ? one, \ escapes.
func likeMatcher(p string) func(string) bool {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	plain := true
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch ch {
		case '*':
			b.WriteString(".*")
			plain = false
		case '?':
			b.WriteString(".")
			plain = false
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(string(p[i])))
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	if plain {
		lit := strings.ReplaceAll(p, `\`, "")
		return func(s string) bool { return s == lit }
	}
	// fast forms: *lit*, lit*, *lit
	if !strings.ContainsAny(p, `?\`) {
		inner := strings.Trim(p, "*")
		if !strings.Contains(inner, "*") {
			pre, suf := strings.HasPrefix(p, "*"), strings.HasSuffix(p, "*")
			switch {
			case pre && suf:
				return func(s string) bool { return strings.Contains(s, inner) }
			case suf:
				return func(s string) bool { return strings.HasPrefix(s, inner) }
			case pre:
				return func(s string) bool { return strings.HasSuffix(s, inner) }
			}
		}
	}
	re := regexp.MustCompile(b.String())
	return re.MatchString
}

// compileESRegex compiles a Lucene regular expression (RLIKE), which
// matches the whole string, to Go's syntax: "@" is any string, "#" the
// empty language, a quoted run is literal, and a repetition operator with
// nothing before it is a literal character, as Lucene's parser reads it.
func compileESRegex(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	atom := false // something a repetition may apply to precedes
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 < len(p) {
				b.WriteString(regexp.QuoteMeta(string(p[i+1])))
				i++
			} else {
				b.WriteString(`\\`)
			}
			atom = true
		case c == '"':
			j := strings.IndexByte(p[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("unterminated string")
			}
			b.WriteString("(?:" + regexp.QuoteMeta(p[i+1:i+1+j]) + ")")
			i += j + 1
			atom = true
		case c == '@':
			b.WriteString(`(?:.*)`)
			atom = true
		case c == '#':
			b.WriteString(`(?:[^\x00-\x{10FFFF}])`)
			atom = true
		case c == '[':
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				if p[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(p) {
				return nil, fmt.Errorf("unterminated character class")
			}
			b.WriteString(p[i : j+1])
			i = j
			atom = true
		case c == '*' || c == '+' || c == '?' || c == '{':
			if !atom {
				b.WriteString(regexp.QuoteMeta(string(c)))
				atom = true
				continue
			}
			if c == '{' {
				j := strings.IndexByte(p[i:], '}')
				if j < 0 {
					return nil, fmt.Errorf("unterminated repetition")
				}
				b.WriteString(p[i : i+j+1])
				i += j
				continue
			}
			b.WriteByte(c)
		case c == '(':
			b.WriteString("(?:")
			atom = false
		case c == '|':
			b.WriteByte(c)
			atom = false
		case c == ')':
			b.WriteByte(c)
			atom = true
		case c == '.':
			b.WriteByte(c)
			atom = true
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
			atom = true
		}
	}
	return regexp.Compile(`(?s)^(?:` + b.String() + `)$`)
}

func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("'%s' is not an IP string literal.", s)
	}
	return a, nil
}

// Err wraps a compile error for callers.
func compileErr(err any) error {
	if e, ok := err.(*srcpos.Error); ok {
		return srcpos.ErrorList{e}
	}
	return fmt.Errorf("esql: cannot compile the query: %v", err)
}

// scalar evaluates e for a row as one value: nil when it is null, and nil
// with a warning at s when it is multi-valued (operators and functions of
// single values).
func (e *cexpr) scalar(row []any, w *Warnings, s *site) any {
	v := e.eval(row, w)
	if _, ok := v.([]any); ok {
		w.fail(s, errMV)
		return nil
	}
	return v
}
