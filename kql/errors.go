package kql

import (
	"strings"
)

// Error is a syntax error at a position of the query.
type Error struct {
	Pos    Pos
	Msg    string
	Source string // the line of the query holding Pos, for Snippet
}

// Error formats the error as "line:col: msg".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Snippet returns the source line and a caret under the error's column:
//
//	| process.name:(a or b
//	|                     ^
//
// Tabs before the column are kept so the caret lines up.
func (e *Error) Snippet() string {
	var b strings.Builder
	b.WriteString("   | ")
	b.WriteString(e.Source)
	b.WriteString("\n   | ")
	for i := 0; i < e.Pos.Col-1 && i < len(e.Source); i++ {
		if e.Source[i] == '\t' {
			b.WriteByte('\t')
		} else if e.Source[i]&0xC0 != 0x80 { // one space per character, not per byte
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}

// ErrorList is the errors of one query, in source order. Parse returns it
// as its error; errors.As finds it.
type ErrorList []*Error

// Error prints one error per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap gives errors.As and errors.Is each error of the list.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
