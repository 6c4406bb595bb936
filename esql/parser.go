package esql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Parse parses an ES|QL query. Errors are an srcpos.ErrorList whose
// messages start with "esql: ".
func Parse(src string) (q *Query, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, srcpos.ErrorList{lerr}
	}
	p := &parser{src: src, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			if u, ok := r.(*UnsupportedError); ok {
				q, err = nil, u
				return
			}
			pe, ok := r.(*srcpos.Error)
			if !ok {
				q, err = nil, fmt.Errorf("esql: cannot parse the query: %v", r)
				return
			}
			q, err = nil, srcpos.ErrorList{pe}
		}
	}()
	q = &Query{Src: src}
	for p.isKw("set") {
		p.setting(q)
	}
	q.Commands = append(q.Commands, p.sourceCommand())
	p.trackConstants(q.Commands[0])
	for p.isOp("|") {
		p.next()
		q.Commands = append(q.Commands, p.processingCommand())
		p.trackConstants(q.Commands[len(q.Commands)-1])
	}
	if p.tok().kind != tEOF {
		p.failf(p.tok().pos, "mismatched input '%s' expecting '|'", p.tok().text)
	}
	return q, nil
}

type parser struct {
	src  string
	toks []token
	i    int
	// constCols and constVals are the columns that EVAL set to constant
	// values so far: Elasticsearch propagates foldable EVAL values into
	// LIKE and RLIKE patterns (eval p = "a*" | where x like p). ROW
	// columns are input rows, not foldable aliases, and are not tracked.
	constCols []Column
	constVals []any
}

// trackConstants updates the constant columns after command c.
func (p *parser) trackConstants(c Command) {
	switch c := c.(type) {
	case *Eval:
		p.assignConstants(c.Fields)
	case *Rename:
		for i, old := range c.Old {
			if old == c.New[i] {
				continue
			}
			p.dropConstant(c.New[i])
			if j := colIndex(p.constCols, old); j >= 0 {
				p.constCols[j].Name = c.New[i]
			}
		}
	case *MvExpand:
		p.dropConstant(c.Field)
	case *Where, *Sort, *Limit:
	case *Stats:
		if !c.Inline {
			p.constCols, p.constVals = nil, nil
			return
		}
		for _, a := range c.Aggs {
			p.dropConstant(a.Name)
		}
		for _, a := range c.By {
			p.dropConstant(a.Name)
		}
	default:
		// FROM, ROW, KEEP, DROP, GROK, DISSECT: the columns are not tracked
		// further; a pattern naming one is then an error, never a
		// wrong constant.
		p.constCols, p.constVals = nil, nil
	}
}

func (p *parser) dropConstant(name string) {
	for j := len(p.constCols) - 1; j >= 0; j-- {
		if p.constCols[j].Name == name {
			p.constCols = append(p.constCols[:j], p.constCols[j+1:]...)
			p.constVals = append(p.constVals[:j], p.constVals[j+1:]...)
		}
	}
}

// assignConstants records the fields whose expressions fold to a
// constant over the constant columns, and forgets the others.
func (p *parser) assignConstants(fields []Assign) {
	for _, a := range fields {
		v, t, ok := p.fold(a.Expr)
		p.dropConstant(a.Name)
		if ok {
			p.constCols = append(p.constCols, Column{Name: a.Name, Type: t})
			p.constVals = append(p.constVals, v)
		}
	}
}

// fold evaluates e over the constant columns; ok is false when e reads
// another column or does not compile.
func (p *parser) fold(e Expr) (v any, t Type, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			v, t, ok = nil, TNull, false
		}
	}()
	c := &compiler{src: p.src, opts: &Options{}}
	ce := c.expr(e, p.constCols)
	return ce.eval(p.constVals, nil), ce.t, true
}

func (p *parser) tok() token  { return p.toks[p.i] }
func (p *parser) peek() token { return p.toks[min(p.i+1, len(p.toks)-1)] }
func (p *parser) next() token { t := p.toks[p.i]; p.i = min(p.i+1, len(p.toks)-1); return t }

func (p *parser) failf(off int, format string, args ...any) {
	panic(errAt(p.src, off, fmt.Sprintf(format, args...)))
}

func (p *parser) isOp(op string) bool { t := p.tok(); return t.kind == tOp && t.text == op }

// isKw reports whether the next token is the keyword kw (case-insensitive).
func (p *parser) isKw(kw string) bool {
	t := p.tok()
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		p.failf(p.tok().pos, "mismatched input '%s' expecting '%s'", p.tokText(), op)
	}
	return p.next()
}

func (p *parser) expectKw(kw string) {
	if !p.isKw(kw) {
		p.failf(p.tok().pos, "mismatched input '%s' expecting %s", p.tokText(), strings.ToUpper(kw))
	}
	p.next()
}

func (p *parser) tokText() string {
	if p.tok().kind == tEOF {
		return "<EOF>"
	}
	return p.src[p.tok().pos:p.tok().end]
}

// setting reads SET name = value; before the query.
func (p *parser) setting(q *Query) {
	p.next()
	t := p.tok()
	name := p.qualifiedName()
	p.expectOp("=")
	v := p.tok()
	if v.kind != tString {
		p.failf(v.pos, "mismatched input '%s' expecting a constant for setting [%s]", p.tokText(), name)
	}
	p.next()
	p.expectOp(";")
	switch name {
	case "time_zone":
		loc, err := parseZone(v.text)
		if err != nil {
			p.failf(v.pos, "Invalid time zone [%s]", v.text)
		}
		q.TimeZone = loc
	case "unmapped_fields":
		switch strings.ToLower(v.text) {
		case "fail":
			q.NullifyUnmapped = false
		case "nullify":
			q.NullifyUnmapped = true
		default:
			p.failf(v.pos, "Invalid value for setting [unmapped_fields]: [%s]", v.text)
		}
	default:
		p.failf(t.pos, "Unknown setting [%s]", name)
	}
}

// parseZone reads a time zone as Java's ZoneId does: Z, an offset
// (+10:00, -05, +0530) or a region (Europe/Paris, UTC).
func parseZone(s string) (*time.Location, error) {
	if s == "Z" || strings.EqualFold(s, "utc") {
		return time.UTC, nil
	}
	if s != "" && (s[0] == '+' || s[0] == '-') {
		digits := strings.ReplaceAll(s[1:], ":", "")
		if len(digits) != 2 && len(digits) != 4 {
			return nil, fmt.Errorf("bad offset")
		}
		h, err := strconv.Atoi(digits[:2])
		m := 0
		if err == nil && len(digits) == 4 {
			m, err = strconv.Atoi(digits[2:])
		}
		if err != nil || h > 18 || m > 59 {
			return nil, fmt.Errorf("bad offset")
		}
		off := h*3600 + m*60
		if s[0] == '-' {
			off = -off
		}
		return time.FixedZone(s, off), nil
	}
	return time.LoadLocation(s)
}

func (p *parser) sourceCommand() Command {
	t := p.tok()
	switch {
	case p.isKw("from"):
		p.next()
		f := &From{cmd: cmd{t.pos}}
		for {
			f.Indices = append(f.Indices, p.indexPattern())
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		if p.isKw("metadata") {
			p.next()
			for {
				f.Metadata = append(f.Metadata, p.qualifiedName())
				if !p.isOp(",") {
					break
				}
				p.next()
			}
		}
		return f
	case p.isKw("row"):
		p.next()
		return &RowCmd{cmd: cmd{t.pos}, Fields: p.fields()}
	}
	p.failf(t.pos, "mismatched input '%s' expecting {'from', 'row'}", p.tokText())
	return nil
}

// indexPattern reads an index name or pattern: adjacent tokens up to a
// comma, a pipe or whitespace.
func (p *parser) indexPattern() string {
	t := p.tok()
	if t.kind == tString {
		p.next()
		return t.text
	}
	if t.kind == tEOF || t.kind == tOp && (t.text == "," || t.text == "|") {
		p.failf(t.pos, "missing index pattern")
	}
	start, end := t.pos, t.end
	p.next()
	for {
		n := p.tok()
		if n.pos != end || n.kind == tEOF || n.kind == tOp && (n.text == "," || n.text == "|") {
			break
		}
		end = n.end
		p.next()
	}
	return p.src[start:end]
}

func (p *parser) processingCommand() Command {
	t := p.tok()
	if t.kind != tIdent {
		p.failf(t.pos, "mismatched input '%s' expecting a command", p.tokText())
	}
	name := strings.ToLower(t.text)
	c := cmd{t.pos}
	p.next()
	switch name {
	case "where":
		return &Where{cmd: c, Cond: p.expr()}
	case "eval":
		return &Eval{cmd: c, Fields: p.fields()}
	case "keep", "project":
		k := &Keep{cmd: c}
		k.Patterns, k.PatPos = p.patterns()
		return k
	case "drop":
		d := &Drop{cmd: c}
		d.Patterns, d.PatPos = p.patterns()
		return d
	case "rename":
		r := &Rename{cmd: c}
		for {
			pos := p.tok().pos
			a := p.namePattern()
			if p.isOp("=") {
				p.next()
				pos = p.tok().pos
				old := p.namePattern()
				r.Old, r.New, r.OldPos = append(r.Old, old), append(r.New, a), append(r.OldPos, pos)
			} else {
				p.expectKw("as")
				r.Old, r.New, r.OldPos = append(r.Old, a), append(r.New, p.namePattern()), append(r.OldPos, pos)
			}
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return r
	case "stats", "inlinestats":
		return p.stats(c, name == "inlinestats")
	case "inline":
		p.expectKw("stats")
		return p.stats(c, true)
	case "sort":
		s := &Sort{cmd: c}
		for {
			k := SortKey{Expr: p.expr()}
			if p.isKw("asc") {
				p.next()
			} else if p.isKw("desc") {
				p.next()
				k.Desc = true
			}
			k.NullsFirst = k.Desc
			if p.isKw("nulls") {
				p.next()
				if p.isKw("first") {
					k.NullsFirst = true
				} else if p.isKw("last") {
					k.NullsFirst = false
				} else {
					p.failf(p.tok().pos, "expecting FIRST or LAST")
				}
				p.next()
			}
			s.Keys = append(s.Keys, k)
			if !p.isOp(",") {
				break
			}
			p.next()
		}
		return s
	case "limit":
		n := p.tok()
		if n.kind != tInt {
			p.failf(n.pos, "mismatched input '%s' expecting INTEGER_LITERAL", p.tokText())
		}
		p.next()
		v, err := strconv.Atoi(n.text)
		if err != nil {
			p.failf(n.pos, "invalid limit %s", n.text)
		}
		return &Limit{cmd: c, N: v}
	case "mv_expand":
		pos := p.tok().pos
		return &MvExpand{cmd: c, Field: p.qualifiedName(), FPos: pos}
	case "grok":
		g := &Grok{cmd: c, X: p.primary()}
		s := p.tok()
		if s.kind != tString {
			p.failf(s.pos, "mismatched input '%s' expecting QUOTED_STRING", p.tokText())
		}
		p.next()
		g.Pattern = s.text
		for p.isOp(",") && p.peek().kind == tString {
			p.next()
			g.More = append(g.More, p.next().text)
		}
		return g
	case "dissect":
		d := &Dissect{cmd: c, X: p.primary()}
		s := p.tok()
		if s.kind != tString {
			p.failf(s.pos, "mismatched input '%s' expecting QUOTED_STRING", p.tokText())
		}
		p.next()
		d.Pattern = s.text
		if p.tok().kind == tIdent {
			opt := p.next()
			if !strings.EqualFold(opt.text, "append_separator") {
				p.failf(opt.pos, "Invalid option for dissect: [%s]", opt.text)
			}
			p.expectOp("=")
			v := p.next()
			if v.kind != tString {
				p.failf(v.pos, "Invalid value for dissect append_separator: expected a string")
			}
			d.AppendSep = v.text
		}
		return d
	}
	switch name {
	case "completion", "rerank", "enrich", "lookup", "fork", "change_point", "sample", "fuse":
		panic(&UnsupportedError{Reason: "esql: the " + strings.ToUpper(name) + " command is not supported (inference and lookups need Elasticsearch)"})
	}
	p.failf(t.pos, "unknown command [%s]", t.text)
	return nil
}

func (p *parser) stats(c cmd, inline bool) *Stats {
	s := &Stats{cmd: c, Inline: inline}
	if !p.isKw("by") && !p.isOp("|") && p.tok().kind != tEOF {
		s.Aggs = p.fields()
	}
	if p.isKw("by") {
		p.next()
		s.By = p.fields()
	}
	return s
}

// fields reads "name = expr, expr, ...".
func (p *parser) fields() []Assign {
	var out []Assign
	for {
		pos := p.tok().pos
		save := p.i
		var a Assign
		if t := p.tok(); t.kind == tIdent || t.kind == tQuoted {
			name := p.qualifiedName()
			if p.isOp("=") {
				p.next()
				a = Assign{Name: name, Expr: p.expr(), Pos: pos}
			} else {
				p.i = save
			}
		}
		if a.Expr == nil {
			e := p.expr()
			a = Assign{Name: p.source(e), Expr: e, Pos: pos}
			if f, ok := e.(*Field); ok {
				a.Name = f.Name
			}
		}
		if p.isKw("where") {
			// STATS agg WHERE filter
			p.next()
			cond := p.expr()
			a.Expr = &Call{node: node{pos, p.toks[p.i-1].end}, Name: "$filter", Args: []Expr{a.Expr, cond}}
		}
		out = append(out, a)
		if !p.isOp(",") {
			return out
		}
		p.next()
	}
}

// source returns an expression's query text.
func (p *parser) source(e Expr) string {
	a, b := e.span()
	return p.src[a:b]
}

// qualifiedName reads a.b.c or `quoted`, joining adjacent parts.
func (p *parser) qualifiedName() string {
	t := p.tok()
	if t.kind != tIdent && t.kind != tQuoted {
		p.failf(t.pos, "mismatched input '%s' expecting {UNQUOTED_IDENTIFIER, QUOTED_IDENTIFIER}", p.tokText())
	}
	p.next()
	name := t.text
	end := t.end
	for p.isOp(".") && p.tok().pos == end {
		n := p.peek()
		if n.pos != p.tok().end || n.kind != tIdent && n.kind != tQuoted && n.kind != tInt {
			break
		}
		p.next()
		p.next()
		name += "." + n.text
		end = n.end
	}
	return name
}

// namePattern reads a column name that may hold * wildcards.
func (p *parser) namePattern() string {
	t := p.tok()
	if t.kind != tIdent && t.kind != tQuoted && !(t.kind == tOp && t.text == "*") {
		p.failf(t.pos, "mismatched input '%s' expecting {UNQUOTED_ID_PATTERN, QUOTED_IDENTIFIER}", p.tokText())
	}
	var b strings.Builder
	end := t.pos
	for {
		n := p.tok()
		if n.pos != end && b.Len() > 0 {
			break
		}
		if n.kind == tIdent || n.kind == tQuoted || n.kind == tInt || n.kind == tOp && (n.text == "*" || n.text == ".") {
			b.WriteString(n.text)
			end = n.end
			p.next()
			continue
		}
		break
	}
	return b.String()
}

func (p *parser) patterns() ([]string, []int) {
	var out []string
	var pos []int
	for {
		pos = append(pos, p.tok().pos)
		out = append(out, p.namePattern())
		if !p.isOp(",") {
			return out, pos
		}
		p.next()
	}
}

// expr parses a boolean expression.
func (p *parser) expr() Expr { return p.or() }

func (p *parser) or() Expr {
	l := p.and()
	for p.isKw("or") {
		p.next()
		r := p.and()
		l = &Binary{node: p.join(l, r), Op: "or", L: l, R: r}
	}
	return l
}

func (p *parser) and() Expr {
	l := p.not()
	for p.isKw("and") {
		p.next()
		r := p.not()
		l = &Binary{node: p.join(l, r), Op: "and", L: l, R: r}
	}
	return l
}

func (p *parser) join(l, r Expr) node {
	a, _ := l.span()
	_, b := r.span()
	return node{a, b}
}

func (p *parser) not() Expr {
	if p.isKw("not") {
		t := p.next()
		x := p.not()
		_, e := x.span()
		return &Unary{node: node{t.pos, e}, Op: "not", X: x}
	}
	return p.predicate()
}

func (p *parser) predicate() Expr {
	l := p.comparison()
	for {
		start, _ := l.span()
		not := false
		save := p.i
		if p.isKw("not") {
			p.next()
			not = true
		}
		switch {
		case p.isKw("like") || p.isKw("rlike"):
			regex := p.isKw("rlike")
			p.next()
			lk := &Like{X: l, Regex: regex, Not: not}
			if p.isOp("(") {
				p.next()
				for {
					lk.Patterns = append(lk.Patterns, p.stringLit())
					if !p.isOp(",") {
						break
					}
					p.next()
				}
				p.expectOp(")")
			} else {
				lk.Patterns = []string{p.stringLit()}
			}
			lk.node = node{start, p.toks[p.i-1].end}
			l = lk
			continue
		case p.isKw("in"):
			p.next()
			p.expectOp("(")
			in := &In{X: l, Not: not}
			for {
				in.List = append(in.List, p.comparison())
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			end := p.expectOp(")").end
			in.node = node{start, end}
			l = in
			continue
		}
		if not {
			p.i = save
			return l
		}
		if p.isKw("is") {
			p.next()
			n := &IsNull{X: l}
			if p.isKw("not") {
				p.next()
				n.Not = true
			}
			t := p.tok()
			p.expectKw("null")
			n.node = node{start, t.end}
			l = n
			continue
		}
		if p.isOp(":") {
			p.next()
			q := p.comparison()
			l = &MatchOp{node: p.join(l, q), X: l, Q: q}
			continue
		}
		return l
	}
}

func (p *parser) stringLit() string {
	t := p.tok()
	if t.kind != tString && t.kind != tEOF && !(t.kind == tOp && t.text != "(" && t.text != "-") {
		// a constant expression: folded when the query is checked
		e := p.additive()
		v, _, ok := p.fold(e)
		s, isStr := v.(string)
		if !ok || !isStr {
			a, _ := e.span()
			p.failf(a, "pattern of LIKE/RLIKE must be a constant string, found [%s]", p.source(e))
		}
		return s
	}
	if t.kind != tString {
		p.failf(t.pos, "mismatched input '%s' expecting QUOTED_STRING", p.tokText())
	}
	p.next()
	return t.text
}

var cmpOps = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) comparison() Expr {
	l := p.additive()
	if t := p.tok(); t.kind == tOp && cmpOps[t.text] {
		p.next()
		r := p.additive()
		return &Binary{node: p.join(l, r), Op: t.text, L: l, R: r}
	}
	if p.isOp("=~") {
		p.next()
		r := p.additive()
		return &Call{node: p.join(l, r), Name: "$insensitive_equals", Args: []Expr{l, r}}
	}
	return l
}

func (p *parser) additive() Expr {
	l := p.multiplicative()
	for p.isOp("+") || p.isOp("-") {
		op := p.next().text
		r := p.multiplicative()
		l = &Binary{node: p.join(l, r), Op: op, L: l, R: r}
	}
	return l
}

func (p *parser) multiplicative() Expr {
	l := p.unary()
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.next().text
		r := p.unary()
		l = &Binary{node: p.join(l, r), Op: op, L: l, R: r}
	}
	return l
}

func (p *parser) unary() Expr {
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		x := p.unary()
		_, e := x.span()
		if t.text == "+" {
			return x
		}
		// fold a negative numeric literal so -2147483648 is an integer
		if l, ok := x.(*Lit); ok {
			switch v := l.Val.(type) {
			case int64:
				return intLit(node{t.pos, e}, -v)
			case uint64:
				if v == 1<<63 {
					return &Lit{node: node{t.pos, e}, Val: int64(math.MinInt64), Type: TLong}
				}
			case float64:
				return &Lit{node: node{t.pos, e}, Val: -v, Type: TDouble}
			}
		}
		return &Unary{node: node{t.pos, e}, Op: "-", X: x}
	}
	return p.cast()
}

func (p *parser) cast() Expr {
	x := p.primary()
	for p.isOp("::") {
		p.next()
		t := p.tok()
		if t.kind != tIdent {
			p.failf(t.pos, "expecting a data type")
		}
		p.next()
		a, _ := x.span()
		x = &Cast{node: node{a, t.end}, X: x, To: strings.ToLower(t.text)}
	}
	return x
}

func intLit(n node, v int64) *Lit {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		return &Lit{node: n, Val: v, Type: TInt}
	}
	return &Lit{node: n, Val: v, Type: TLong}
}

func (p *parser) primary() Expr {
	t := p.tok()
	switch t.kind {
	case tInt:
		p.next()
		if u := p.spanUnit(); u != "" {
			n, _ := strconv.ParseInt(t.text, 10, 64)
			return spanLit(node{t.pos, p.toks[p.i-1].end}, n, u)
		}
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			u, err := strconv.ParseUint(t.text, 10, 64)
			if err != nil {
				f, _ := strconv.ParseFloat(t.text, 64)
				return &Lit{node: node{t.pos, t.end}, Val: f, Type: TDouble}
			}
			return &Lit{node: node{t.pos, t.end}, Val: u, Type: TUnsignedLong}
		}
		return intLit(node{t.pos, t.end}, v)
	case tDecimal:
		p.next()
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			p.failf(t.pos, "invalid number %s", t.text)
		}
		return &Lit{node: node{t.pos, t.end}, Val: f, Type: TDouble}
	case tString:
		p.next()
		return &Lit{node: node{t.pos, t.end}, Val: t.text, Type: TKeyword}
	case tParam:
		p.failf(t.pos, "query parameters are not supported")
	case tQuoted:
		name := p.qualifiedName()
		return &Field{node: node{t.pos, p.toks[p.i-1].end}, Name: name}
	case tIdent:
		switch strings.ToLower(t.text) {
		case "true", "false":
			p.next()
			return &Lit{node: node{t.pos, t.end}, Val: strings.EqualFold(t.text, "true"), Type: TBool}
		case "null":
			p.next()
			return &Lit{node: node{t.pos, t.end}, Type: TNull}
		}
		if p.peek().kind == tOp && p.peek().text == "(" && p.peek().pos == t.end || p.peek().kind == tOp && p.peek().text == "(" {
			p.next()
			p.next()
			c := &Call{Name: strings.ToLower(t.text)}
			if p.isOp("*") {
				p.next()
				c.Star = true
			} else if !p.isOp(")") {
				for {
					if p.isOp("{") {
						c.Args = append(c.Args, p.mapLit())
					} else {
						c.Args = append(c.Args, p.expr())
					}
					if !p.isOp(",") {
						break
					}
					p.next()
				}
			}
			end := p.expectOp(")").end
			c.node = node{t.pos, end}
			return c
		}
		name := p.qualifiedName()
		return &Field{node: node{t.pos, p.toks[p.i-1].end}, Name: name}
	case tOp:
		if t.text == "(" {
			p.next()
			x := p.expr()
			end := p.expectOp(")").end
			return wrapParen(x, t.pos, end)
		}
		if t.text == "[" {
			// a list literal: only in ROW
			p.next()
			var items []Expr
			if !p.isOp("]") {
				for {
					items = append(items, p.unary())
					if !p.isOp(",") {
						break
					}
					p.next()
				}
			}
			end := p.expectOp("]").end
			return &Call{node: node{t.pos, end}, Name: "$list", Args: items}
		}
	}
	if t.kind == tEOF {
		p.failf(t.pos, "mismatched input '<EOF>' expecting an expression")
	}
	p.failf(t.pos, "extraneous input '%s' expecting an expression", p.tokText())
	return nil
}

// mapLit reads a {"key": value, ...} option map of constants (strings,
// numbers, booleans, lists of them).
func (p *parser) mapLit() Expr {
	t := p.expectOp("{")
	opts := map[string]any{}
	for !p.isOp("}") {
		k := p.tok()
		if k.kind != tString {
			p.failf(k.pos, "mismatched input '%s' expecting QUOTED_STRING", p.tokText())
		}
		p.next()
		p.expectOp(":")
		v, _, ok := p.fold(p.unary())
		if !ok {
			p.failf(k.pos, "the value of option [%s] must be a constant", k.text)
		}
		opts[k.text] = v
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	end := p.expectOp("}").end
	return &Lit{node: node{t.pos, end}, Type: TNull, Opts: opts}
}

// wrapParen widens an expression's span over its parentheses, so its
// source is the text Elasticsearch names it by.
func wrapParen(x Expr, pos, end int) Expr {
	n := node{pos, end}
	switch v := x.(type) {
	case *Binary:
		c := *v
		c.node = n
		return &c
	case *Unary:
		c := *v
		c.node = n
		return &c
	case *Like:
		c := *v
		c.node = n
		return &c
	case *In:
		c := *v
		c.node = n
		return &c
	case *IsNull:
		c := *v
		c.node = n
		return &c
	}
	return x
}

// spanUnit consumes a time unit after a number, if one follows.
func (p *parser) spanUnit() string {
	t := p.tok()
	if t.kind != tIdent {
		return ""
	}
	u := strings.ToLower(t.text)
	if _, ok := units[u]; ok {
		p.next()
		return u
	}
	return ""
}

type unitDef struct {
	dur            time.Duration
	years, months  int
	days           int
	period, quarts bool
}

var units = map[string]unitDef{}

func init() {
	add := func(u unitDef, names ...string) {
		for _, n := range names {
			units[n] = u
		}
	}
	add(unitDef{dur: time.Millisecond}, "millisecond", "milliseconds", "ms")
	add(unitDef{dur: time.Second}, "second", "seconds", "sec", "s")
	add(unitDef{dur: time.Minute}, "minute", "minutes", "min", "m")
	add(unitDef{dur: time.Hour}, "hour", "hours", "h")
	add(unitDef{days: 1, period: true}, "day", "days", "d")
	add(unitDef{days: 7, period: true}, "week", "weeks", "w")
	add(unitDef{months: 1, period: true}, "month", "months", "mo")
	add(unitDef{months: 3, period: true}, "quarter", "quarters", "q")
	add(unitDef{years: 1, period: true}, "year", "years", "yr", "y")
}

// Period is a calendar span (date_period).
type Period struct{ Years, Months, Days int }

func spanLit(n node, v int64, unit string) *Lit {
	u := units[unit]
	if u.period {
		return &Lit{node: n, Val: Period{Years: u.years * int(v), Months: u.months * int(v), Days: u.days * int(v)}, Type: TPeriod}
	}
	return &Lit{node: n, Val: time.Duration(v) * u.dur, Type: TDuration}
}
