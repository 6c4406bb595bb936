package eql

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// QueryKind tells an event query from a sequence or a sample.
type QueryKind uint8

// The kinds of EQL queries.
const (
	EventQuery QueryKind = iota
	SequenceQuery
	SampleQuery
)

func (k QueryKind) String() string {
	switch k {
	case SequenceQuery:
		return "sequence"
	case SampleQuery:
		return "sample"
	}
	return "event"
}

// Query is a parsed EQL query: one of an event filter, a sequence or a
// sample, followed by pipes.
type Query struct {
	Kind     QueryKind
	Event    *EventFilter // EventQuery
	Sequence *Sequence    // SequenceQuery
	Sample   *Sample      // SampleQuery
	Pipes    []*Pipe
	// Src is the query text it was parsed from.
	Src string
}

// EventFilter is `category where condition`; Category is "" for `any`.
type EventFilter struct {
	Pos      srcpos.Pos
	Category string
	// Quoted records that the category was written as a string.
	Quoted bool
	Cond   Expr
}

// Sequence is `sequence [by keys] [with maxspan=N] stages... [until stage]`.
type Sequence struct {
	Pos     srcpos.Pos
	By      []Expr
	MaxSpan *Duration
	Stages  []*Stage
	Until   *Stage
}

// Sample is `sample [by keys] stages...`.
type Sample struct {
	Pos    srcpos.Pos
	By     []Expr
	Stages []*Stage
}

// Stage is one bracketed term of a sequence or sample: `[filter] [by keys]
// [with runs=N]`, or a missing event `![filter] [by keys]`.
type Stage struct {
	Pos     srcpos.Pos
	Filter  *EventFilter
	By      []Expr
	Runs    int // 0 when not given
	Missing bool
}

// Duration is a maxspan value as written (e.g. 30 "s") and its length.
type Duration struct {
	Pos   srcpos.Pos
	Value int64
	Unit  string // ms, s, m, h, d
	D     time.Duration
}

// Pipe is `| head N` or `| tail N`.
type Pipe struct {
	Pos  srcpos.Pos
	Name string // "head" or "tail"
	N    int
}

// Expr is an expression node: *Literal, *Field, *Unary, *Binary, *Match,
// *In or *Call.
type Expr interface {
	Position() srcpos.Pos
	String() string
	exprNode()
}

// LitKind is the type of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitInt
	LitFloat
	LitString
)

// Literal is a constant: null, true/false, an integer, a float or a string.
type Literal struct {
	Pos   srcpos.Pos
	Kind  LitKind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	// Text is the number as written, for printing.
	Text string
	// Raw records a """raw""" string, for printing.
	Raw bool
}

// Field is a field reference; Optional for `?field`.
type Field struct {
	Pos      srcpos.Pos
	Name     string // the dotted path
	Parts    []string
	Optional bool
}

// Unary is `-x`, `+x` or `not x`.
type Unary struct {
	Pos srcpos.Pos
	Op  string // "-", "+", "not"
	X   Expr
}

// Binary is a binary operator: and, or, == != < <= > >=, + - * / %.
type Binary struct {
	Pos  srcpos.Pos // of the operator
	Op   string
	L, R Expr
}

// Match is `x : pattern(s)`, `x like/like~ pattern(s)` and
// `x regex/regex~ pattern(s)`. List records the parenthesised form.
type Match struct {
	Pos      srcpos.Pos // of the operator
	Op       string
	X        Expr
	Patterns []Expr
	List     bool

	// test is the string test of literal Patterns, built by Prepare;
	// nil: Compile builds it.
	test *match.StringTest
}

// In is `x in (...)`, `x in~ (...)`, `x not in (...)`, `x not in~ (...)`.
type In struct {
	Pos         srcpos.Pos // of the operator
	X           Expr
	List        []Expr
	Not         bool
	Insensitive bool
}

// Call is a function call; Name is as written, without the ~.
type Call struct {
	Pos         srcpos.Pos
	Name        string
	Insensitive bool
	Args        []Expr
}

func (e *Literal) Position() srcpos.Pos { return e.Pos }
func (e *Field) Position() srcpos.Pos   { return e.Pos }
func (e *Unary) Position() srcpos.Pos   { return e.Pos }
func (e *Binary) Position() srcpos.Pos  { return e.L.Position() }
func (e *Match) Position() srcpos.Pos   { return e.X.Position() }
func (e *In) Position() srcpos.Pos      { return e.X.Position() }
func (e *Call) Position() srcpos.Pos    { return e.Pos }

func (*Literal) exprNode() {}
func (*Field) exprNode()   {}
func (*Unary) exprNode()   {}
func (*Binary) exprNode()  {}
func (*Match) exprNode()   {}
func (*In) exprNode()      {}
func (*Call) exprNode()    {}

// Operator precedence, loosest first, as in Elasticsearch's grammar.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare // comparisons, in, :, like, regex
	precAdd
	precMul
	precUnary
	precPrimary
)

func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "+", "-":
			return precAdd
		case "*", "/", "%":
			return precMul
		}
		return precCompare
	case *Unary:
		if e.Op == "not" {
			return precNot
		}
		return precUnary
	case *Match, *In:
		return precCompare
	}
	return precPrimary
}

// wrap prints e, in parentheses when its precedence is below min.
func wrap(b *strings.Builder, e Expr, min int) {
	if prec(e) < min {
		b.WriteByte('(')
		b.WriteString(e.String())
		b.WriteByte(')')
		return
	}
	b.WriteString(e.String())
}

func (e *Literal) String() string {
	switch e.Kind {
	case LitNull:
		return "null"
	case LitBool:
		return strconv.FormatBool(e.Bool)
	case LitInt:
		if e.Text != "" {
			return e.Text
		}
		return strconv.FormatInt(e.Int, 10)
	case LitFloat:
		if e.Text != "" {
			return e.Text
		}
		s := strconv.FormatFloat(e.Float, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	}
	return quoteString(e.Str, e.Raw)
}

// quoteString prints s as an EQL string literal: raw when it was raw and
// can stay so, escaped otherwise.
func quoteString(s string, raw bool) string {
	if raw && !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `"`) {
		return `"""` + s + `"""`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u{%02x}`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (e *Field) String() string {
	var b strings.Builder
	if e.Optional {
		b.WriteByte('?')
	}
	for i, p := range e.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(quoteIdent(p))
	}
	return b.String()
}

// quoteIdent back-quotes a field name part that is not a plain identifier
// or that is a keyword.
func quoteIdent(s string) string {
	plain := s != "" && isIdentStart(s[0]) && !keywords[s]
	for i := 0; plain && i < len(s); i++ {
		plain = isIdentPart(s[i])
	}
	if plain {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func (e *Unary) String() string {
	var b strings.Builder
	if e.Op == "not" {
		b.WriteString("not ")
		wrap(&b, e.X, precNot)
		return b.String()
	}
	b.WriteString(e.Op)
	// "- -x" must not print as "--x", nor "- 5" (an operator applied to a
	// literal) as the literal "-5".
	switch x := e.X.(type) {
	case *Unary:
		if x.Op != "not" {
			b.WriteByte(' ')
		}
	case *Literal:
		if x.Kind == LitInt || x.Kind == LitFloat {
			b.WriteByte(' ')
		}
	}
	wrap(&b, e.X, precUnary)
	return b.String()
}

func (e *Binary) String() string {
	var b strings.Builder
	p := prec(e)
	switch p {
	case precOr, precAnd, precAdd, precMul:
		// left-associative: the right side needs parentheses at equal
		// precedence
		wrap(&b, e.L, p)
		b.WriteString(" " + e.Op + " ")
		wrap(&b, e.R, p+1)
	default:
		// comparisons do not chain
		wrap(&b, e.L, precAdd)
		b.WriteString(" " + e.Op + " ")
		wrap(&b, e.R, precAdd)
	}
	return b.String()
}

func (e *Match) String() string {
	var b strings.Builder
	wrap(&b, e.X, precAdd)
	b.WriteString(" " + e.Op + " ")
	if e.List || len(e.Patterns) != 1 {
		b.WriteByte('(')
		for i, p := range e.Patterns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.String())
		}
		b.WriteByte(')')
	} else {
		b.WriteString(e.Patterns[0].String())
	}
	return b.String()
}

func (e *In) String() string {
	var b strings.Builder
	wrap(&b, e.X, precAdd)
	if e.Not {
		b.WriteString(" not")
	}
	if e.Insensitive {
		b.WriteString(" in~ (")
	} else {
		b.WriteString(" in (")
	}
	for i, x := range e.List {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	b.WriteByte(')')
	return b.String()
}

func (e *Call) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if e.Insensitive {
		b.WriteByte('~')
	}
	b.WriteByte('(')
	for i, x := range e.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String prints the event filter.
func (f *EventFilter) String() string {
	cat := "any"
	if f.Category != "" || f.Quoted {
		cat = f.Category
		if f.Quoted || !isPlainCategory(cat) {
			cat = quoteString(cat, false)
		}
	}
	return cat + " where " + f.Cond.String()
}

func isPlainCategory(s string) bool {
	if s == "" || !isIdentStart(s[0]) || keywords[s] {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

func joinExprs(xs []Expr) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return strings.Join(parts, ", ")
}

// String prints the stage on one line.
func (s *Stage) String() string {
	var b strings.Builder
	if s.Missing {
		b.WriteByte('!')
	}
	b.WriteString("[" + s.Filter.String() + "]")
	if len(s.By) > 0 {
		b.WriteString(" by " + joinExprs(s.By))
	}
	if s.Runs > 0 {
		b.WriteString(" with runs=" + strconv.Itoa(s.Runs))
	}
	return b.String()
}

// String prints the duration as written.
func (d *Duration) String() string { return strconv.FormatInt(d.Value, 10) + d.Unit }

// String prints the query in canonical form; parsing it again gives the
// same query.
func (q *Query) String() string {
	var b strings.Builder
	switch q.Kind {
	case EventQuery:
		b.WriteString(q.Event.String())
	case SequenceQuery:
		s := q.Sequence
		b.WriteString("sequence")
		if len(s.By) > 0 {
			b.WriteString(" by " + joinExprs(s.By))
		}
		if s.MaxSpan != nil {
			b.WriteString(" with maxspan=" + s.MaxSpan.String())
		}
		for _, st := range s.Stages {
			b.WriteString("\n  " + st.String())
		}
		if s.Until != nil {
			b.WriteString("\nuntil " + s.Until.String())
		}
	case SampleQuery:
		s := q.Sample
		b.WriteString("sample")
		if len(s.By) > 0 {
			b.WriteString(" by " + joinExprs(s.By))
		}
		for _, st := range s.Stages {
			b.WriteString("\n  " + st.String())
		}
	}
	for _, p := range q.Pipes {
		b.WriteString("\n| " + p.Name + " " + strconv.Itoa(p.N))
	}
	return b.String()
}
