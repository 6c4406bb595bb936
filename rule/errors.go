package rule

import (
	"fmt"
	"strings"
)

// Error is a problem in one rule file: malformed TOML, or a key of the wrong
// type. Line and Col are 1-based; Col is 0 when unknown. Key is the dotted
// path of the offending key ("rule.risk_score", "rule.threat[0].tactic.id"),
// empty for syntax errors.
type Error struct {
	Path      string
	Line, Col int
	Key, Msg  string
}

// Error formats the error as "path:line:col: key: msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is the list of errors found in one file, in file order. It is
// returned as a single error by Parse; errors.As finds it.
type ErrorList []*Error

// Error prints one error per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As and errors.Is see each error of the list.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Warning is something tolerated but worth telling: an unknown key. Count is
// the number of occurrences folded into this warning by LoadPaths (1 for
// Parse); the position is that of the first occurrence.
type Warning struct {
	Path      string
	Line, Col int
	Key, Msg  string
	Count     int
}

// String formats the warning like an Error, with the count of further
// occurrences when there are any.
func (w Warning) String() string {
	s := (&Error{Path: w.Path, Line: w.Line, Col: w.Col, Key: w.Key, Msg: w.Msg}).Error()
	if w.Count > 1 {
		s += fmt.Sprintf(" (%d occurrences)", w.Count)
	}
	return s
}
