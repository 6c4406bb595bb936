package kql

import (
	"strings"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Node is a node of the syntax tree: *Or, *And, *Not, *Paren, *Match,
// *Exists, *Range, *Nested, *FreeText, or *Value (the leaves of a value
// list, and every field name).
type Node interface {
	// Pos is where the node starts, End just past where it ends.
	Pos() srcpos.Pos
	End() srcpos.Pos
	// String returns the node in KQL syntax; parsing it gives the same tree.
	String() string
	node()
}

// Or is "a or b or c": true when any term is. Inside a Match's value list
// its terms are values.
type Or struct {
	Terms []Node // two or more
}

// And is "a and b and c": true when every term is.
type And struct {
	Terms []Node // two or more
}

// Not is "not x".
type Not struct {
	NotPos srcpos.Pos
	X      Node
}

// Paren is a parenthesized query or value list, kept so that String gives
// back the query as grouped.
type Paren struct {
	Lparen, Rparen srcpos.Pos // Rparen is the position of ")"
	X              Node
}

// Match is "field:value" or "field:(value list)": the field matches the
// value. Value is a *Value or a tree of *Or, *And, *Not and *Paren whose
// leaves are *Value. A lone unquoted * in a value list means the field
// exists (Value.IsStar).
type Match struct {
	Field *Value
	Value Node
}

// Exists is "field:*": the field has a value. "*:*" matches every document.
type Exists struct {
	Field *Value
	Star  srcpos.Pos
}

// RangeOp is a range comparison.
type RangeOp uint8

const (
	Lt  RangeOp = iota + 1 // <
	Lte                    // <=
	Gt                     // >
	Gte                    // >=
)

// String returns the operator as written.
func (op RangeOp) String() string {
	switch op {
	case Lt:
		return "<"
	case Lte:
		return "<="
	case Gt:
		return ">"
	case Gte:
		return ">="
	}
	return "?"
}

// Range is "field < value" (or <=, >, >=). The value is a number, a date
// or a string; which one is decided by the field's type, not the syntax.
type Range struct {
	Field *Value
	Op    RangeOp
	OpPos srcpos.Pos
	Value *Value
}

// Nested is "field:{ query }": query on the objects of a nested field, with
// field names relative to it.
type Nested struct {
	Field          *Value
	Lbrace, Rbrace srcpos.Pos
	Query          Node
}

// FreeText is a value without a field ("error", "\"quick brown fox\""):
// Kibana searches it in all fields (or the index's default fields). It is
// rare in rules and worth flagging.
type FreeText struct {
	Value *Value
}

// Value is a literal as written in the query: a field name, or a value.
type Value struct {
	Start, Stop srcpos.Pos // Stop is just past the last character of Raw

	// Raw is the source text (with the quotes of a phrase, without
	// trailing whitespace).
	Raw string

	// Text is the literal: quotes removed, escapes resolved, and for an
	// unquoted value, surrounding whitespace trimmed as Kibana does. A
	// wildcard * and an escaped \* are both "*" in Text: Stars tells them
	// apart.
	Text string

	// Quoted is true for a "quoted phrase". Quoted values have no wildcards.
	Quoted bool

	// Wildcard is true when the unquoted value has an unescaped *; Stars
	// holds the byte offsets of those *s in Text. (? is not a wildcard.)
	Wildcard bool
	Stars    []int
}

// IsStar reports whether the value is a lone unquoted * (in a field value:
// the field exists; as a field: any field).
func (v *Value) IsStar() bool { return v.Wildcard && v.Text == "*" }

// Pattern splits an unquoted value at its wildcards: "a*b*" gives "a",
// "b", "". A value without wildcards gives one part, Text.
func (v *Value) Pattern() []string {
	parts := make([]string, 0, len(v.Stars)+1)
	last := 0
	for _, s := range v.Stars {
		parts = append(parts, v.Text[last:s])
		last = s + 1
	}
	return append(parts, v.Text[last:])
}

func (n *Or) Pos() srcpos.Pos       { return n.Terms[0].Pos() }
func (n *And) Pos() srcpos.Pos      { return n.Terms[0].Pos() }
func (n *Not) Pos() srcpos.Pos      { return n.NotPos }
func (n *Paren) Pos() srcpos.Pos    { return n.Lparen }
func (n *Match) Pos() srcpos.Pos    { return n.Field.Start }
func (n *Exists) Pos() srcpos.Pos   { return n.Field.Start }
func (n *Range) Pos() srcpos.Pos    { return n.Field.Start }
func (n *Nested) Pos() srcpos.Pos   { return n.Field.Start }
func (n *FreeText) Pos() srcpos.Pos { return n.Value.Start }
func (v *Value) Pos() srcpos.Pos    { return v.Start }

func (n *Or) End() srcpos.Pos       { return n.Terms[len(n.Terms)-1].End() }
func (n *And) End() srcpos.Pos      { return n.Terms[len(n.Terms)-1].End() }
func (n *Not) End() srcpos.Pos      { return n.X.End() }
func (n *Paren) End() srcpos.Pos    { return after(n.Rparen) }
func (n *Match) End() srcpos.Pos    { return n.Value.End() }
func (n *Exists) End() srcpos.Pos   { return after(n.Star) }
func (n *Range) End() srcpos.Pos    { return n.Value.End() }
func (n *Nested) End() srcpos.Pos   { return after(n.Rbrace) }
func (n *FreeText) End() srcpos.Pos { return n.Value.Stop }
func (v *Value) End() srcpos.Pos    { return v.Stop }

func after(p srcpos.Pos) srcpos.Pos {
	return srcpos.Pos{Line: p.Line, Col: p.Col + 1, Offset: p.Offset + 1}
}

func (*Or) node()       {}
func (*And) node()      {}
func (*Not) node()      {}
func (*Paren) node()    {}
func (*Match) node()    {}
func (*Exists) node()   {}
func (*Range) node()    {}
func (*Nested) node()   {}
func (*FreeText) node() {}
func (*Value) node()    {}

func (n *Or) String() string  { return join(n.Terms, " or ", orPrec) }
func (n *And) String() string { return join(n.Terms, " and ", andPrec) }
func (n *Not) String() string { return "not " + wrap(n.X) }
func (n *Paren) String() string {
	return "(" + n.X.String() + ")"
}
func (n *Match) String() string {
	return n.Field.String() + ":" + wrap(n.Value)
}
func (n *Exists) String() string { return n.Field.String() + ":*" }
func (n *Range) String() string {
	f := n.Field.String()
	if endsLikeKeyword(f) {
		return f + n.Op.String() + " " + n.Value.String()
	}
	return f + " " + n.Op.String() + " " + n.Value.String()
}

// endsLikeKeyword reports whether s ends with "not", or with whitespace and
// "or" or "and": followed by a space, those would end the literal early.
func endsLikeKeyword(s string) bool {
	if hasFoldSuffix(s, "not") {
		return true
	}
	for _, kw := range [...]string{"or", "and"} {
		if hasFoldSuffix(s, kw) && len(s) > len(kw) && isSpaceByte(s[len(s)-len(kw)-1]) {
			return true
		}
	}
	return false
}

func hasFoldSuffix(s, kw string) bool {
	return len(s) >= len(kw) && strings.EqualFold(s[len(s)-len(kw):], kw)
}
func (n *Nested) String() string {
	return n.Field.String() + ":{" + n.Query.String() + "}"
}
func (n *FreeText) String() string { return n.Value.String() }

// String returns Raw, or for a value built by hand, Text quoted or escaped
// so that it parses back to the same value.
func (v *Value) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	if v.Quoted {
		return quote(v.Text)
	}
	return escapeUnquoted(v.Text, v.Stars)
}

// Precedences, to add the parentheses a hand-built tree needs. Parsed trees
// carry their own Paren nodes.
const (
	orPrec = iota + 1
	andPrec
	notPrec
)

func prec(n Node) int {
	switch n.(type) {
	case *Or:
		return orPrec
	case *And:
		return andPrec
	case *Not:
		return notPrec
	}
	return notPrec + 1
}

// wrap parenthesizes what may only follow "not" or "field:" in parentheses.
func wrap(n Node) string {
	if prec(n) <= notPrec {
		return "(" + n.String() + ")"
	}
	return n.String()
}

func join(terms []Node, sep string, p int) string {
	s := make([]string, len(terms))
	for i, t := range terms {
		if prec(t) <= p {
			s[i] = "(" + t.String() + ")"
		} else {
			s[i] = t.String()
		}
	}
	return strings.Join(s, sep)
}

// Walk calls fn for n and, when fn returns true, for each node below it in
// source order: terms of Or and And, the X of Not and Paren, then for
// Match, Exists, Range and Nested the field (a *Value) followed by the
// value or query, and the value of FreeText.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case *Or:
		for _, t := range n.Terms {
			Walk(t, fn)
		}
	case *And:
		for _, t := range n.Terms {
			Walk(t, fn)
		}
	case *Not:
		Walk(n.X, fn)
	case *Paren:
		Walk(n.X, fn)
	case *Match:
		Walk(n.Field, fn)
		Walk(n.Value, fn)
	case *Exists:
		Walk(n.Field, fn)
	case *Range:
		Walk(n.Field, fn)
		Walk(n.Value, fn)
	case *Nested:
		Walk(n.Field, fn)
		Walk(n.Query, fn)
	case *FreeText:
		Walk(n.Value, fn)
	}
}
