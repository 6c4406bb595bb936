package sigma

import (
	"fmt"
	"strconv"
	"strings"
)

// Expr is a parsed condition.
type Expr interface{ String() string }

// Ident names a search.
type Ident struct {
	Name string
	Off  int
}

// Of is `1 of pattern`, `all of pattern`, `any of them`: N (0 for all) of
// the searches whose names match Pattern (`*` wildcards; "them": all).
type Of struct {
	N       int // 0: all
	Pattern string
	Off     int
}

// And, Or and Not combine conditions.
type (
	And struct{ L, R Expr }
	Or  struct{ L, R Expr }
	Not struct{ X Expr }
)

func (e *Ident) String() string { return e.Name }
func (e *Of) String() string {
	q := strconv.Itoa(e.N)
	if e.N == 0 {
		q = "all"
	}
	return q + " of " + e.Pattern
}
func (e *And) String() string { return "(" + e.L.String() + " and " + e.R.String() + ")" }
func (e *Or) String() string  { return "(" + e.L.String() + " or " + e.R.String() + ")" }
func (e *Not) String() string { return "not " + e.X.String() }

// condError is a condition syntax error at a byte offset.
type condError struct {
	off int
	msg string
}

func (e *condError) Error() string { return e.msg }

type condToken struct {
	text string
	off  int
}

// parseCondition parses a condition expression.
func parseCondition(s string) (e Expr, err error) {
	toks, err := scanCondition(s)
	if err != nil {
		return nil, err
	}
	cp := &condParser{toks: toks, end: len(s)}
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*condError)
			if !ok {
				panic(r)
			}
			e, err = nil, ce
		}
	}()
	e = cp.or()
	if cp.i < len(cp.toks) {
		t := cp.toks[cp.i]
		cp.fail(t.off, "unexpected %q", t.text)
	}
	return e, nil
}

func scanCondition(s string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{s[i : i+1], i})
			i++
		case c == '|':
			return nil, &condError{i, "aggregations (`| count() ...`) are Sigma v1 syntax: write a correlation rule"}
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, condToken{s[i:j], i})
			i = j
		}
	}
	return toks, nil
}

type condParser struct {
	toks []condToken
	i    int
	end  int
}

func (p *condParser) fail(off int, format string, args ...any) {
	panic(&condError{off, fmt.Sprintf(format, args...)})
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i].text)
	}
	return ""
}

func (p *condParser) off() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].off
	}
	return p.end
}

func (p *condParser) or() Expr {
	l := p.and()
	for p.peek() == "or" {
		p.i++
		l = &Or{l, p.and()}
	}
	return l
}

func (p *condParser) and() Expr {
	l := p.not()
	for p.peek() == "and" {
		p.i++
		l = &And{l, p.not()}
	}
	return l
}

func (p *condParser) not() Expr {
	if p.peek() == "not" {
		p.i++
		return &Not{p.not()}
	}
	return p.primary()
}

func (p *condParser) primary() Expr {
	if p.i >= len(p.toks) {
		p.fail(p.end, "unexpected end of condition")
	}
	t := p.toks[p.i]
	low := strings.ToLower(t.text)
	switch {
	case t.text == "(":
		p.i++
		e := p.or()
		if p.peek() != ")" {
			p.fail(p.off(), "missing )")
		}
		p.i++
		return e
	case t.text == ")" || low == "and" || low == "or" || low == "of":
		p.fail(t.off, "unexpected %q", t.text)
	}
	if p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1].text, "of") {
		n := 0
		switch low {
		case "all":
		case "any":
			n = 1
		default:
			v, err := strconv.Atoi(low)
			if err != nil || v < 1 {
				p.fail(t.off, "%q of: expected 1, any or all", t.text)
			}
			n = v
		}
		p.i += 2
		if p.i >= len(p.toks) || p.toks[p.i].text == "(" || p.toks[p.i].text == ")" {
			p.fail(p.off(), "expected a search name pattern or them after of")
		}
		pt := p.toks[p.i]
		p.i++
		return &Of{N: n, Pattern: pt.text, Off: t.off}
	}
	p.i++
	return &Ident{Name: t.text, Off: t.off}
}
