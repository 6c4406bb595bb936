package eql

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// maxNesting bounds expression nesting so that hostile input cannot exhaust
// the stack.
const maxNesting = 256

// Parse parses an EQL query: an event query, a sequence or a sample, with
// optional head and tail pipes. On failure it returns a srcpos.ErrorList holding
// every error it found, each with a position.
func Parse(src string) (*Query, error) {
	var errs srcpos.ErrorList
	p := &parser{src: src, errs: &errs}
	p.sc = newScanner(src, &errs)
	p.advance()
	q := p.parseStatement()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	q.Src = src
	return q, nil
}

// ParseExpr parses a lone condition, as found after `where`.
func ParseExpr(src string) (Expr, error) {
	var errs srcpos.ErrorList
	p := &parser{src: src, errs: &errs}
	p.sc = newScanner(src, &errs)
	p.advance()
	var x Expr
	p.guard(func() {
		x = p.parseExpr()
		if p.tok.kind != tEOF {
			p.failf(p.tok.pos, "unexpected %s after the expression", p.tok.describe())
		}
	}, func() {})
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return x, nil
}

type parser struct {
	src   string
	sc    *scanner
	tok   token
	prev  token
	errs  *srcpos.ErrorList
	depth int
}

// bailout is the panic value that unwinds the parser to the nearest
// recovery point after an error has been recorded.
type bailout struct{}

func (p *parser) advance() {
	p.prev = p.tok
	p.tok = p.sc.next()
}

func (p *parser) errorf(pos srcpos.Pos, format string, args ...any) {
	p.errs.Addf(p.src, pos, "eql: "+format, args...)
}

// failf records an error and unwinds to the nearest recovery point.
func (p *parser) failf(pos srcpos.Pos, format string, args ...any) {
	p.errorf(pos, format, args...)
	panic(bailout{})
}

// guard runs parse, and on a parse error runs recover, which must skip to
// a token the caller can continue from. Other panics propagate.
func (p *parser) guard(parse func(), recover_ func()) {
	depth := p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			p.depth = depth
			recover_()
		}
	}()
	parse()
}

func (p *parser) isKeyword(k string) bool { return p.tok.kind == tKeyword && p.tok.val == k }

func (p *parser) expect(k tokKind, what string) token {
	if p.tok.kind != k {
		p.failf(p.tok.pos, "expected %s, found %s", what, p.tok.describe())
	}
	t := p.tok
	p.advance()
	return t
}

func (p *parser) expectKeyword(k string) token {
	if !p.isKeyword(k) {
		p.failf(p.tok.pos, "expected '%s', found %s", k, p.tok.describe())
	}
	t := p.tok
	p.advance()
	return t
}

// skipTo skips tokens until one for which stop returns true at bracket
// depth zero (or the end). Brackets opened while skipping are matched.
func (p *parser) skipTo(stop func(t token) bool) {
	depth := 0
	for p.tok.kind != tEOF {
		if depth == 0 && stop(p.tok) {
			return
		}
		switch p.tok.kind {
		case tLParen, tLBracket:
			depth++
		case tRParen, tRBracket:
			if depth == 0 {
				// an unmatched closer belongs to an enclosing construct
				if stop(p.tok) {
					return
				}
			} else {
				depth--
			}
		}
		p.advance()
	}
}

func (p *parser) parseStatement() *Query {
	q := &Query{}
	p.guard(func() {
		switch {
		case p.isKeyword("sequence"):
			q.Kind = SequenceQuery
			q.Sequence = p.parseSequence()
		case p.isKeyword("sample"):
			q.Kind = SampleQuery
			q.Sample = p.parseSample()
		case p.isKeyword("join"):
			p.failf(p.tok.pos, "join is not supported by Elasticsearch EQL")
		default:
			q.Kind = EventQuery
			q.Event = p.parseEventFilter()
		}
	}, func() {
		p.skipTo(func(t token) bool { return t.kind == tPipe })
	})
	for p.tok.kind == tPipe {
		p.guard(func() {
			if pp := p.parsePipe(); pp != nil {
				q.Pipes = append(q.Pipes, pp)
			}
		}, func() {
			p.advance()
			p.skipTo(func(t token) bool { return t.kind == tPipe })
		})
	}
	if p.tok.kind != tEOF {
		p.errorf(p.tok.pos, "unexpected %s after the query", p.tok.describe())
	}
	if q.Kind == EventQuery && q.Event == nil {
		q.Event = &EventFilter{Cond: &Literal{Kind: LitBool}}
	}
	return q
}

func (p *parser) parsePipe() *Pipe {
	start := p.expect(tPipe, "'|'")
	name := p.tok
	if name.kind != tIdent && name.kind != tKeyword {
		p.failf(name.pos, "expected a pipe name after '|', found %s", name.describe())
	}
	p.advance()
	switch name.val {
	case "head", "tail":
	case "filter", "sort", "unique", "unique_count", "count", "window":
		p.failf(name.pos, "the %s pipe is not supported by Elasticsearch EQL (only head and tail are)", name.val)
	default:
		p.failf(name.pos, "unknown pipe %q (Elasticsearch EQL supports head and tail)", name.val)
	}
	n := p.tok
	if n.kind != tInt {
		p.failf(n.pos, "the %s pipe needs a positive integer, found %s", name.val, n.describe())
	}
	p.advance()
	v, err := strconv.Atoi(n.val)
	if err != nil || v <= 0 {
		p.failf(n.pos, "the %s pipe needs a positive integer, found %s", name.val, n.val)
	}
	if p.tok.kind == tComma {
		p.failf(p.tok.pos, "the %s pipe takes one argument", name.val)
	}
	return &Pipe{Pos: start.pos, Name: name.val, N: v}
}

// parseEventFilter parses `category where condition`.
func (p *parser) parseEventFilter() *EventFilter {
	f := &EventFilter{Pos: p.tok.pos}
	switch {
	case p.isKeyword("any"):
		p.advance()
	case p.tok.kind == tIdent:
		f.Category = p.tok.val
		p.advance()
	case p.tok.kind == tString:
		f.Category = p.tok.val
		f.Quoted = true
		p.advance()
	case p.tok.kind == tEOF:
		p.failf(p.tok.pos, "expected an event category or 'any', found end of query")
	default:
		p.failf(p.tok.pos, "expected an event category or 'any', found %s", p.tok.describe())
	}
	if p.tok.kind == tDot {
		p.failf(p.tok.pos, "an event category containing '.' must be quoted: \"%s.…\"", f.Category)
	}
	p.expectKeyword("where")
	f.Cond = p.parseExpr()
	return f
}

func (p *parser) parseSequence() *Sequence {
	s := &Sequence{Pos: p.tok.pos}
	p.advance()
	if p.isKeyword("by") {
		s.By = p.parseJoinKeys()
	}
	if p.isKeyword("with") {
		s.MaxSpan = p.parseMaxSpan()
		if p.isKeyword("by") {
			p.errorf(p.tok.pos, "write 'sequence by ...' before 'with maxspan', not after")
			p.parseJoinKeys()
		}
	}
	nerr := len(*p.errs)
	for p.tok.kind == tLBracket || p.tok.kind == tBang {
		if st := p.parseStage(true); st != nil {
			s.Stages = append(s.Stages, st)
		}
	}
	if p.isKeyword("until") {
		p.advance()
		if p.tok.kind == tBang {
			p.errorf(p.tok.pos, "the until stage cannot be a missing event")
		}
		s.Until = p.parseStage(false)
	}
	if len(*p.errs) > nerr {
		// a stage failed to parse: counting them would only cascade
	} else if n := countStages(s.Stages); n < 2 {
		p.errorf(s.Pos, "a sequence needs at least 2 stages (with runs=N counting N), found %d", n)
	} else {
		pos := 0
		for _, st := range s.Stages {
			if !st.Missing {
				pos++
			}
		}
		if pos == 0 {
			p.errorf(s.Pos, "a sequence needs at least one stage that is not a missing event")
		}
	}
	p.checkKeyCounts(s.Stages, s.Until)
	return s
}

func (p *parser) parseSample() *Sample {
	s := &Sample{Pos: p.tok.pos}
	p.advance()
	if p.isKeyword("by") {
		s.By = p.parseJoinKeys()
	}
	if p.isKeyword("with") {
		p.errorf(p.tok.pos, "a sample takes no 'with' parameters")
		p.skipTo(func(t token) bool { return t.kind == tLBracket })
	}
	nerr := len(*p.errs)
	for p.tok.kind == tLBracket || p.tok.kind == tBang {
		if p.tok.kind == tBang {
			p.errorf(p.tok.pos, "a sample cannot have missing events")
		}
		if st := p.parseStage(false); st != nil {
			if st.Runs > 0 {
				p.errorf(st.Pos, "a sample stage cannot have 'with runs'")
			}
			s.Stages = append(s.Stages, st)
		}
	}
	if len(s.Stages) < 2 && len(*p.errs) == nerr {
		p.errorf(s.Pos, "a sample needs at least 2 stages, found %d", len(s.Stages))
	}
	p.checkKeyCounts(s.Stages, nil)
	return s
}

// countStages counts a sequence's stages, a stage `with runs=N` as N.
func countStages(stages []*Stage) int {
	n := 0
	for _, st := range stages {
		n += max(st.Runs, 1)
	}
	return n
}

// checkKeyCounts reports stages whose number of `by` keys differs from the
// first stage's: Elasticsearch joins stages key by key.
func (p *parser) checkKeyCounts(stages []*Stage, until *Stage) {
	if len(stages) == 0 {
		return
	}
	n := len(stages[0].By)
	all := stages
	if until != nil {
		all = append(append([]*Stage(nil), stages...), until)
	}
	for i, st := range all[1:] {
		if len(st.By) != n {
			p.errorf(st.Pos, "stage %d has %d join keys, but the first stage has %d: every stage needs the same number", i+2, len(st.By), n)
		}
	}
}

func (p *parser) parseJoinKeys() []Expr {
	p.expectKeyword("by")
	var keys []Expr
	for {
		keys = append(keys, p.parseExpr())
		if p.tok.kind != tComma {
			return keys
		}
		p.advance()
	}
}

var timeUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
}

func (p *parser) parseMaxSpan() *Duration {
	p.expectKeyword("with")
	key := p.tok
	if key.kind != tIdent || key.val != "maxspan" {
		p.failf(key.pos, "expected 'maxspan' after 'with', found %s", key.describe())
	}
	p.advance()
	p.expect(tAssign, "'=' after maxspan")
	n := p.tok
	if n.kind != tInt {
		p.failf(n.pos, "maxspan needs a positive integer and a time unit (ms, s, m, h, d), found %s", n.describe())
	}
	p.advance()
	v, err := strconv.ParseInt(n.val, 10, 64)
	if err != nil || v <= 0 {
		p.failf(n.pos, "maxspan must be a positive integer, found %s", n.val)
	}
	d := &Duration{Pos: n.pos, Value: v}
	unit := p.tok
	if unit.kind != tIdent {
		p.failf(n.pos, "maxspan needs a time unit (ms, s, m, h, d), as in maxspan=%ss", n.val)
	}
	p.advance()
	u, ok := timeUnits[unit.val]
	if !ok {
		p.failf(unit.pos, "unknown time unit %q (use ms, s, m, h or d)", unit.val)
	}
	if v > int64(math.MaxInt64/u) {
		p.failf(n.pos, "maxspan %d%s is too large", v, unit.val)
	}
	d.Unit = unit.val
	d.D = time.Duration(v) * u
	return d
}

// parseStage parses `[filter] [by keys] [with runs=N]` or `![filter] [by
// keys]`. On an error it skips to the next stage.
func (p *parser) parseStage(allowMissing bool) (st *Stage) {
	p.guard(func() {
		st = &Stage{Pos: p.tok.pos}
		if p.tok.kind == tBang {
			if !allowMissing {
				p.failf(p.tok.pos, "missing events ![...] are only allowed in sequences")
			}
			st.Missing = true
			p.advance()
		}
		p.expect(tLBracket, "'['")
		st.Filter = p.parseEventFilter()
		p.expect(tRBracket, "']' to close the stage")
		if p.isKeyword("by") {
			st.By = p.parseJoinKeys()
		}
		if p.isKeyword("with") {
			p.advance()
			key := p.tok
			if key.kind != tIdent || key.val != "runs" {
				p.failf(key.pos, "expected 'runs' after 'with', found %s", key.describe())
			}
			p.advance()
			p.expect(tAssign, "'=' after runs")
			n := p.expect(tInt, "an integer")
			v, err := strconv.Atoi(n.val)
			if err != nil || v < 1 || v > 100 {
				p.failf(n.pos, "runs must be an integer from 1 to 100, found %s", n.val)
			}
			st.Runs = v
		}
	}, func() {
		st = nil
		// skip to the end of this stage and past it
		p.skipTo(func(t token) bool {
			return t.kind == tRBracket || t.kind == tPipe || t.kind == tKeyword && t.val == "until"
		})
		if p.tok.kind == tRBracket {
			p.advance()
		}
		// and past its keys
		p.skipTo(func(t token) bool {
			return t.kind == tLBracket || t.kind == tBang || t.kind == tPipe || t.kind == tKeyword && t.val == "until"
		})
	})
	return st
}

// parseExpr parses a condition. Operands of and/or are recovery points:
// after an error the parser skips to the next and/or and goes on, so that
// one query can report several errors.
func (p *parser) parseExpr() Expr {
	return p.parseOr()
}

func (p *parser) operand(parse func() Expr) Expr {
	var x Expr
	p.guard(func() { x = parse() }, func() {
		p.skipTo(func(t token) bool {
			return t.kind == tKeyword && (t.val == "and" || t.val == "or") ||
				t.kind == tRParen || t.kind == tRBracket || t.kind == tPipe || t.kind == tComma ||
				t.kind == tKeyword && (t.val == "by" || t.val == "with" || t.val == "until")
		})
		x = &Literal{Pos: p.tok.pos, Kind: LitNull}
	})
	return x
}

func (p *parser) nest() {
	p.depth++
	if p.depth > maxNesting {
		p.failf(p.tok.pos, "expression nested too deeply")
	}
}

func (p *parser) parseOr() Expr {
	x := p.operand(p.parseAnd)
	for p.isKeyword("or") {
		op := p.tok
		p.advance()
		y := p.operand(p.parseAnd)
		x = &Binary{Pos: op.pos, Op: "or", L: x, R: y}
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.operand(p.parseNot)
	for p.isKeyword("and") {
		op := p.tok
		p.advance()
		y := p.operand(p.parseNot)
		x = &Binary{Pos: op.pos, Op: "and", L: x, R: y}
	}
	return x
}

func (p *parser) parseNot() Expr {
	if p.isKeyword("not") {
		op := p.tok
		p.advance()
		p.nest()
		x := p.parseNot()
		p.depth--
		return &Unary{Pos: op.pos, Op: "not", X: x}
	}
	x := p.parseComparison()
	if p.tok.kind == tKeyword && p.tok.val == "of" {
		p.failf(p.tok.pos, "lineage queries (child of, descendant of, event of) are not supported by Elasticsearch EQL")
	}
	return x
}

var compareOps = map[tokKind]string{tEq: "==", tNeq: "!=", tLt: "<", tLte: "<=", tGt: ">", tGte: ">="}

func (p *parser) parseComparison() Expr {
	x := p.parseAdditive()
	x = p.parsePredicate(x)
	if op, ok := compareOps[p.tok.kind]; ok {
		t := p.tok
		p.advance()
		y := p.parseAdditive()
		y = p.parsePredicate(y)
		x = &Binary{Pos: t.pos, Op: op, L: x, R: y}
		if _, ok := compareOps[p.tok.kind]; ok {
			p.failf(p.tok.pos, "comparisons cannot be chained; combine them with 'and'")
		}
		if p.tok.kind == tColon {
			p.failf(p.tok.pos, "comparisons cannot be chained; combine them with 'and'")
		}
	}
	switch {
	case p.tok.kind == tAssign:
		p.failf(p.tok.pos, "'=' is not an operator in EQL; use '==' (case-sensitive) or ':' (case-insensitive)")
	}
	return x
}

// parsePredicate parses what may follow an operand: `in (...)`, `not in
// (...)`, `: pattern`, `like`, `regex` and their ~ forms.
func (p *parser) parsePredicate(x Expr) Expr {
	for {
		switch {
		case p.isKeyword("in") || p.isKeyword("in~"):
			x = p.parseIn(x, false)
		case p.isKeyword("not") && p.peekIn():
			p.advance()
			x = p.parseIn(x, true)
		case p.tok.kind == tColon || p.isKeyword("like") || p.isKeyword("like~") || p.isKeyword("regex") || p.isKeyword("regex~"):
			x = p.parseMatch(x)
		default:
			return x
		}
	}
}

// peekIn reports whether the token after the current `not` is in or in~.
func (p *parser) peekIn() bool {
	save := *p.sc
	saveErrs := len(*p.errs)
	t := p.sc.next()
	*p.sc = save
	*p.errs = (*p.errs)[:saveErrs]
	return t.kind == tKeyword && (t.val == "in" || t.val == "in~")
}

func (p *parser) parseIn(x Expr, not bool) Expr {
	op := p.tok
	p.advance()
	in := &In{Pos: op.pos, X: x, Not: not, Insensitive: op.val == "in~"}
	p.expect(tLParen, "'(' after "+op.val)
	for {
		in.List = append(in.List, p.parseExpr())
		if p.tok.kind != tComma {
			break
		}
		p.advance()
	}
	p.expect(tRParen, "')' to close the list")
	return in
}

func (p *parser) parseMatch(x Expr) Expr {
	op := p.tok
	p.advance()
	m := &Match{Pos: op.pos, Op: op.val, X: x}
	if p.tok.kind == tLParen {
		p.advance()
		m.List = true
		for {
			m.Patterns = append(m.Patterns, p.parsePattern(op.val))
			if p.tok.kind != tComma {
				break
			}
			p.advance()
		}
		p.expect(tRParen, "')' to close the list")
		return m
	}
	m.Patterns = []Expr{p.parsePattern(op.val)}
	return m
}

// parsePattern parses the constant on the right of `:`, like or regex.
func (p *parser) parsePattern(op string) Expr {
	t := p.tok
	switch t.kind {
	case tString:
		p.advance()
		return &Literal{Pos: t.pos, Kind: LitString, Str: t.val, Raw: t.raw}
	case tInt, tFloat, tKeyword:
		if t.kind != tKeyword || t.val == "null" || t.val == "true" || t.val == "false" {
			return p.parsePrimary()
		}
	}
	p.failf(t.pos, "the right side of '%s' must be a string constant or a list of them, found %s", op, t.describe())
	return nil
}

func (p *parser) parseAdditive() Expr {
	x := p.parseMultiplicative()
	for p.tok.kind == tPlus || p.tok.kind == tMinus {
		op := p.tok
		p.advance()
		y := p.parseMultiplicative()
		x = &Binary{Pos: op.pos, Op: op.val, L: x, R: y}
	}
	return x
}

func (p *parser) parseMultiplicative() Expr {
	x := p.parseUnary()
	for p.tok.kind == tStar || p.tok.kind == tSlash || p.tok.kind == tPercent {
		op := p.tok
		p.advance()
		y := p.parseUnary()
		x = &Binary{Pos: op.pos, Op: op.val, L: x, R: y}
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if p.tok.kind == tMinus || p.tok.kind == tPlus {
		op := p.tok
		p.advance()
		p.nest()
		x := p.parseUnary()
		p.depth--
		// fold a sign into a number literal, as Elasticsearch's parser does
		if l, ok := x.(*Literal); ok && op.kind == tMinus && l.Pos.Offset == op.end {
			switch l.Kind {
			case LitInt:
				if l.Int != math.MinInt64 {
					return &Literal{Pos: op.pos, Kind: LitInt, Int: -l.Int, Text: "-" + l.Text}
				}
			case LitFloat:
				return &Literal{Pos: op.pos, Kind: LitFloat, Float: -l.Float, Text: "-" + l.Text}
			}
		}
		return &Unary{Pos: op.pos, Op: op.val, X: x}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Expr {
	t := p.tok
	switch t.kind {
	case tInt:
		p.advance()
		v, err := strconv.ParseInt(t.val, 10, 64)
		if err != nil {
			// too large for a long: Elasticsearch reads it as a double
			f, _ := strconv.ParseFloat(t.val, 64)
			return &Literal{Pos: t.pos, Kind: LitFloat, Float: f, Text: t.val}
		}
		return &Literal{Pos: t.pos, Kind: LitInt, Int: v, Text: t.val}
	case tFloat:
		p.advance()
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil && !strings.Contains(err.Error(), "range") {
			p.failf(t.pos, "invalid number %s", t.val)
		}
		return &Literal{Pos: t.pos, Kind: LitFloat, Float: f, Text: t.val}
	case tString:
		p.advance()
		if p.tok.kind == tLParen {
			p.failf(t.pos, "expected an expression, found %s: function names are not quoted", t.describe())
		}
		return &Literal{Pos: t.pos, Kind: LitString, Str: t.val, Raw: t.raw}
	case tKeyword:
		switch t.val {
		case "null":
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitNull}
		case "true", "false":
			p.advance()
			return &Literal{Pos: t.pos, Kind: LitBool, Bool: t.val == "true"}
		}
	case tLParen:
		p.advance()
		p.nest()
		x := p.parseExpr()
		p.depth--
		p.expect(tRParen, "')'")
		return x
	case tTildeIdent:
		return p.parseCall()
	case tIdent:
		if p.peekKind() == tLParen {
			return p.parseCall()
		}
		return p.parseField(false)
	case tQuotedIdent:
		return p.parseField(false)
	case tQuestion:
		p.advance()
		if p.tok.kind != tIdent && p.tok.kind != tQuotedIdent {
			p.failf(p.tok.pos, "expected a field name after '?', found %s", p.tok.describe())
		}
		f := p.parseField(true)
		f.Pos = t.pos
		return f
	case tEOF:
		p.failf(t.pos, "expected an expression, found end of query")
	}
	if t.kind == tKeyword {
		p.failf(t.pos, "expected an expression, found keyword '%s' (quote a field of that name with backticks: `%s`)", t.val, t.val)
	}
	p.failf(t.pos, "expected an expression, found %s", t.describe())
	return nil
}

// peekKind returns the kind of the token after the current one.
func (p *parser) peekKind() tokKind {
	save := *p.sc
	saveErrs := len(*p.errs)
	t := p.sc.next()
	*p.sc = save
	*p.errs = (*p.errs)[:saveErrs]
	return t.kind
}

func (p *parser) parseField(optional bool) *Field {
	// A field and room for the parts of most names, in one allocation.
	fp := &struct {
		f     Field
		parts [4]string
	}{f: Field{Pos: p.tok.pos, Optional: optional}}
	f := &fp.f
	f.Parts = append(fp.parts[:0], p.tok.val)
	start, end := p.tok.pos.Offset, p.tok.end
	p.advance()
	for {
		switch p.tok.kind {
		case tDot:
			p.advance()
			switch p.tok.kind {
			case tIdent, tQuotedIdent, tKeyword:
				// a keyword after a dot is a field name part (process.any)
				f.Parts = append(f.Parts, p.tok.val)
				end = p.tok.end
				p.advance()
			case tInt:
				p.failf(p.tok.pos, "a field name part cannot start with a digit; quote it with backticks")
			default:
				p.failf(p.tok.pos, "expected a field name after '.', found %s", p.tok.describe())
			}
			continue
		case tLBracket:
			if p.peekKind() == tInt {
				p.failf(p.tok.pos, "array indexes are not supported by Elasticsearch EQL")
			}
		}
		break
	}
	f.Name = joinedIn(p.src, start, end, f.Parts)
	return f
}

// joinedIn returns the parts joined by dots: src[start:end] when it spells
// them so (a name written without quotes or spaces), else a new string.
func joinedIn(src string, start, end int, parts []string) string {
	if 0 <= start && start <= end && end <= len(src) {
		s, off := src[start:end], 0
		for i, part := range parts {
			if i > 0 {
				if off >= len(s) || s[off] != '.' {
					return strings.Join(parts, ".")
				}
				off++
			}
			if !strings.HasPrefix(s[off:], part) {
				return strings.Join(parts, ".")
			}
			off += len(part)
		}
		if off == len(s) {
			return s
		}
	}
	return strings.Join(parts, ".")
}

func (p *parser) parseCall() Expr {
	name := p.tok
	p.advance()
	c := &Call{Pos: name.pos, Name: name.val}
	if strings.HasSuffix(c.Name, "~") {
		c.Name = strings.TrimSuffix(c.Name, "~")
		c.Insensitive = true
	}
	p.expect(tLParen, "'('")
	p.nest()
	if p.tok.kind != tRParen {
		for {
			c.Args = append(c.Args, p.parseExpr())
			if p.tok.kind != tComma {
				break
			}
			p.advance()
		}
	}
	p.depth--
	p.expect(tRParen, "')' to close the call to "+c.Name)
	return c
}
