package kql

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Parse parses a KQL query. An empty (or all-whitespace) query gives a nil
// Node: Kibana matches every document then. On syntax errors Parse returns
// a nil Node and an srcpos.ErrorList with up to 10 errors: after an error it skips
// to the next "and" or "or" at the same depth and goes on.
func Parse(query string) (Node, error) {
	p := &parser{src: query, lines: []int{0}}
	for i := 0; i < len(query); i++ {
		if query[i] == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	n := p.parse()
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return n, nil
}

const (
	maxErrors = 10
	maxDepth  = 1000
)

type parser struct {
	src   string
	i     int   // offset of the next byte
	lines []int // offsets where lines start
	depth int   // open ( and { on the way to here
	errs  srcpos.ErrorList
}

// bail is panicked with to abandon the current top-level term after an
// error was recorded; parse recovers it.
type bail struct{}

func (p *parser) parse() Node {
	p.skipSpaces()
	if p.eof() {
		return nil
	}
	var result Node
	for {
		n, ok := p.term()
		if ok {
			p.skipSpaces()
			if p.eof() {
				result = n
				break
			}
			p.record(p.i, "expected \"and\", \"or\" or end of input, found %s", p.describe(p.i))
		}
		if len(p.errs) >= maxErrors || !p.sync() {
			break
		}
	}
	return result
}

// term parses an or-query, recovering from a bail.
func (p *parser) term() (n Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bail); !isBail {
				panic(r)
			}
			n, ok = nil, false
		}
	}()
	p.depth = 0
	return p.orQuery(), true
}

// sync skips from the error to just after the next "and" or "or" at depth
// zero, counting the ( and { open at the error. It reports whether there is
// more to parse.
func (p *parser) sync() bool {
	depth := p.depth
	for i := p.i; i < len(p.src); {
		switch c := p.src[i]; c {
		case '"':
			j := i + 1
			for j < len(p.src) && p.src[j] != '"' {
				if p.src[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
			continue
		case '\\':
			i += 2
			continue
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		default:
			if depth <= 0 {
				if n := p.keywordAt(i, "and"); n > 0 {
					p.i = i + n
					return true
				}
				if n := p.keywordAt(i, "or"); n > 0 {
					p.i = i + n
					return true
				}
			}
		}
		i++
	}
	return false
}

func (p *parser) record(off int, format string, args ...any) {
	pos := p.pos(off)
	line := p.src[p.lines[pos.Line-1]:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	p.errs = append(p.errs, &srcpos.Error{Pos: pos, Msg: "kql: " + fmt.Sprintf(format, args...), Text: strings.TrimSuffix(line, "\r"), TextCol: pos.Col})
}

// fail records an error and abandons the current term.
func (p *parser) fail(off int, format string, args ...any) {
	p.i = off
	p.record(off, format, args...)
	panic(bail{})
}

func (p *parser) pos(off int) srcpos.Pos {
	line := sort.SearchInts(p.lines, off+1) - 1
	return srcpos.Pos{Line: line + 1, Col: off - p.lines[line] + 1, Offset: off}
}

func (p *parser) eof() bool { return p.i >= len(p.src) }

func (p *parser) peek() byte {
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

// spaceAt returns the length of the whitespace character at i (space, tab,
// CR, LF or no-break space), 0 if there is none.
func (p *parser) spaceAt(i int) int {
	if i >= len(p.src) {
		return 0
	}
	switch p.src[i] {
	case ' ', '\t', '\r', '\n':
		return 1
	case 0xC2:
		if i+1 < len(p.src) && p.src[i+1] == 0xA0 {
			return 2
		}
	}
	return 0
}

func (p *parser) skipSpaces() {
	for n := p.spaceAt(p.i); n > 0; n = p.spaceAt(p.i) {
		p.i += n
	}
}

// wordAt reports whether the keyword kw (lower case) is at i, in any case.
func (p *parser) wordAt(i int, kw string) bool {
	return len(p.src)-i >= len(kw) && strings.EqualFold(p.src[i:i+len(kw)], kw)
}

// keywordAt matches whitespace, kw, whitespace (the Or and And rules) at i
// and returns the length matched, 0 if no match.
func (p *parser) keywordAt(i int, kw string) int {
	j := i
	for n := p.spaceAt(j); n > 0; n = p.spaceAt(j) {
		j += n
	}
	if j == i || !p.wordAt(j, kw) {
		return 0
	}
	j += len(kw)
	k := j
	for n := p.spaceAt(k); n > 0; n = p.spaceAt(k) {
		k += n
	}
	if k == j {
		return 0
	}
	return k - i
}

// notAt matches "not" and whitespace at i and returns the length matched.
func (p *parser) notAt(i int) int {
	if !p.wordAt(i, "not") {
		return 0
	}
	j := i + 3
	for n := p.spaceAt(j); n > 0; n = p.spaceAt(j) {
		j += n
	}
	if j == i+3 {
		return 0
	}
	return j - i
}

// keywordAhead is the lookahead that ends an unquoted literal: one space,
// "or" or "and", one space; or "not" and one space.
func (p *parser) keywordAhead(i int) bool {
	if n := p.spaceAt(i); n > 0 {
		j := i + n
		for _, kw := range [...]string{"or", "and"} {
			if p.wordAt(j, kw) && p.spaceAt(j+len(kw)) > 0 {
				return true
			}
		}
		return false
	}
	return p.wordAt(i, "not") && p.spaceAt(i+3) > 0
}

// found describes what is at i, for error messages.
func (p *parser) found(i int) string {
	if i >= len(p.src) {
		return "end of input"
	}
	c := p.src[i]
	if isWordByte(c) {
		j := i
		for j < len(p.src) && j-i < 20 && isWordByte(p.src[j]) {
			j++
		}
		return show(p.src[i:j])
	}
	r, _ := utf8.DecodeRuneInString(p.src[i:])
	return show(string(r))
}

// show quotes s for a message: "s", or 's' when s holds a double quote, or
// Go-quoted when it is not printable.
func show(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Sprintf("%q", s)
		}
	}
	if strings.Contains(s, `"`) {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func (p *parser) enter(off int) {
	p.depth++
	if p.depth > maxDepth {
		p.fail(off, "parentheses nested deeper than %d", maxDepth)
	}
}

func (p *parser) orQuery() Node { return p.or(p.andQuery) }

func (p *parser) andQuery() Node { return p.and(p.notQuery) }

// or parses operand ("or" operand)*.
func (p *parser) or(operand func() Node) Node {
	first, terms := p.chain("or", operand)
	if terms == nil {
		return first
	}
	return &Or{Terms: terms}
}

// and parses operand ("and" operand)*.
func (p *parser) and(operand func() Node) Node {
	first, terms := p.chain("and", operand)
	if terms == nil {
		return first
	}
	return &And{Terms: terms}
}

// chain parses operand (keyword operand)*, the operands of an "or" or an
// "and". terms is nil when there is only the first operand.
func (p *parser) chain(keyword string, operand func() Node) (first Node, terms []Node) {
	first = operand()
	for {
		n := p.keywordAt(p.i, keyword)
		if n == 0 {
			return first, terms
		}
		p.i += n
		if terms == nil {
			terms = []Node{first}
		}
		terms = append(terms, operand())
	}
}

func (p *parser) notQuery() Node { return p.not(p.subQuery) }

// not parses operand with an optional "not" before it.
func (p *parser) not(operand func() Node) Node {
	if n := p.notAt(p.i); n > 0 {
		pos := p.pos(p.i)
		p.i += n
		return &Not{NotPos: pos, X: operand()}
	}
	return operand()
}

func (p *parser) subQuery() Node {
	if p.peek() != '(' {
		return p.expression()
	}
	open := p.i
	p.enter(open)
	p.i++
	p.skipSpaces()
	x := p.orQuery()
	p.skipSpaces()
	if p.peek() != ')' {
		p.fail(p.i, "expected \")\" to close \"(\" at %s, found %s", p.pos(open), p.found(p.i))
	}
	p.depth--
	closing := p.i
	p.i++
	return &Paren{Lparen: p.pos(open), Rparen: p.pos(closing), X: x}
}

func (p *parser) expression() Node {
	field := p.literal()
	if field == nil {
		p.fail(p.i, "expected a field, a value, \"(\" or \"not\", found %s", p.describe(p.i))
	}
	save := p.i
	p.skipSpaces()
	switch c := p.peek(); c {
	case '<', '>':
		opPos := p.pos(p.i)
		op := Lt
		if c == '>' {
			op = Gt
		}
		p.i++
		if p.peek() == '=' {
			op++
			p.i++
		}
		p.skipSpaces()
		v := p.literal()
		if v == nil {
			p.fail(p.i, "expected a value after %q, found %s", op.String(), p.describe(p.i))
		}
		return &Range{Field: field, Op: op, OpPos: opPos, Value: v}
	case ':':
		p.i++
		p.skipSpaces()
		if p.peek() == '{' {
			return p.nested(field)
		}
		if p.peek() == '(' {
			return &Match{Field: field, Value: p.valueParen()}
		}
		v := p.literal()
		if v == nil {
			p.fail(p.i, "expected a value, \"(\" or \"{\" after \":\", found %s", p.describe(p.i))
		}
		if v.IsStar() {
			return &Exists{Field: field, Star: v.Start}
		}
		return &Match{Field: field, Value: v}
	}
	p.i = save
	return &FreeText{Value: field}
}

func (p *parser) nested(field *Value) Node {
	open := p.i
	p.enter(open)
	p.i++
	p.skipSpaces()
	q := p.orQuery()
	p.skipSpaces()
	if p.peek() != '}' {
		p.fail(p.i, "expected \"}\" to close \"{\" at %s, found %s", p.pos(open), p.found(p.i))
	}
	p.depth--
	closing := p.i
	p.i++
	return &Nested{Field: field, Lbrace: p.pos(open), Rbrace: p.pos(closing), Query: q}
}

// The value list of field:( ... ): the same and/or/not grammar over values.

func (p *parser) valueParen() Node {
	open := p.i
	p.enter(open)
	p.i++
	p.skipSpaces()
	x := p.orValues()
	p.skipSpaces()
	if p.peek() != ')' {
		p.fail(p.i, "expected \")\" to close \"(\" at %s, found %s", p.pos(open), p.found(p.i))
	}
	p.depth--
	closing := p.i
	p.i++
	return &Paren{Lparen: p.pos(open), Rparen: p.pos(closing), X: x}
}

func (p *parser) orValues() Node { return p.or(p.andValues) }

func (p *parser) andValues() Node { return p.and(p.notValues) }

func (p *parser) notValues() Node { return p.not(p.listOfValues) }

func (p *parser) listOfValues() Node {
	if p.peek() == '(' {
		return p.valueParen()
	}
	v := p.literal()
	if v == nil {
		p.fail(p.i, "expected a value, \"(\" or \"not\", found %s", p.describe(p.i))
	}
	return v
}

// describe is found, with a hint when the character is one that must be
// escaped or quoted.
func (p *parser) describe(i int) string {
	s := p.found(i)
	if i < len(p.src) && p.src[i] == '\\' {
		esc := p.src[i:min(i+2, len(p.src))]
		return fmt.Sprintf("%s (%s is not an escape: escape only \\ ( ) : < > \" * { } and the words and, or, not; or quote the value)", s, show(esc))
	}
	return s
}
