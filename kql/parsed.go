package kql

import (
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// Parsed is a query parsed ahead of compiling, or the errors parsing gave.
// Parsing depends on nothing but the text, compiling registers fields in
// a schema: a caller that compiles many queries against one schema may
// parse them on other goroutines (ParseQuery) and compile them on one.
type Parsed struct {
	query string
	node  Node
	err   error
}

// ParseQuery parses a query for Parsed.Compile and Parsed.CompileFiltered.
func ParseQuery(query string) *Parsed {
	n, err := Parse(query)
	return &Parsed{query: query, node: n, err: err}
}

// Compile is CompileQuery for a parsed query: the parse errors, else the
// query compiled; errors carry the source line for Snippet.
func (q *Parsed) Compile(s *event.Schema, opt Options) (match.Pred, error) {
	if q.err != nil {
		return nil, q.err
	}
	p, err := Compile(q.node, s, opt)
	if list, ok := err.(srcpos.ErrorList); ok {
		for i, e := range list {
			list[i] = srcpos.NewError(q.query, e.Pos, e.Msg)
		}
	}
	return p, err
}

// FieldPatterns reports whether the query names fields with wildcards
// (file.hash.*: "x"), which compiling expands against every field the
// field types know (see dsl.Lister).
func (q *Parsed) FieldPatterns() bool {
	return q.node != nil && fieldPatterns(q.node)
}

func fieldPatterns(n Node) bool {
	switch x := n.(type) {
	case *Or:
		for _, t := range x.Terms {
			if fieldPatterns(t) {
				return true
			}
		}
	case *And:
		for _, t := range x.Terms {
			if fieldPatterns(t) {
				return true
			}
		}
	case *Not:
		return fieldPatterns(x.X)
	case *Paren:
		return fieldPatterns(x.X)
	case *Match:
		return x.Field.Wildcard
	case *Exists:
		return x.Field.Wildcard
	case *Range:
		return x.Field.Wildcard
	case *Nested:
		return x.Field.Wildcard || fieldPatterns(x.Query)
	}
	return false
}
