package eql

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a query: a byte offset and a 1-based line and
// column (columns count runes).
type Pos struct {
	Offset int
	Line   int
	Col    int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// IsValid reports whether the position was set.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Error is a parse or check error at a position in a query. Its Error
// method prints "line:col: eql: message"; Snippet adds the source line and
// a caret under the fault.
type Error struct {
	Pos Pos
	Msg string
	// Src is the query, for Snippet.
	Src string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: eql: %s", e.Pos, e.Msg)
}

// Snippet returns the query line holding the error and a caret under the
// column, each prefixed by "   | ", or "" when the source is unknown.
func (e *Error) Snippet() string {
	if e.Src == "" || !e.Pos.IsValid() {
		return ""
	}
	lines := strings.Split(e.Src, "\n")
	if e.Pos.Line > len(lines) {
		return ""
	}
	line := strings.TrimRight(lines[e.Pos.Line-1], "\r")
	var caret strings.Builder
	col := 1
	for _, r := range line {
		if col >= e.Pos.Col {
			break
		}
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
		col++
	}
	return "   | " + strings.ReplaceAll(line, "\t", "\t") + "\n   | " + caret.String() + "^"
}

// ErrorList is the errors of one query, in source order. Parse and Compile
// return an *ErrorList when they fail.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Detailed renders every error with its snippet, each error's first line
// prefixed by name (a file name, or "" for none), as in
// "rules/x.toml:14:31: eql: ...".
func (l ErrorList) Detailed(name string) string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		if name != "" {
			b.WriteString(name)
			b.WriteByte(':')
		}
		b.WriteString(e.Error())
		if s := e.Snippet(); s != "" {
			b.WriteByte('\n')
			b.WriteString(s)
		}
	}
	return b.String()
}

func (l *ErrorList) add(src string, p Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: p, Msg: fmt.Sprintf(format, args...), Src: src})
}

// sorted returns the list ordered by position, without duplicates at the
// same position.
func (l ErrorList) sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Offset < l[j].Pos.Offset })
	out := l[:0]
	for i, e := range l {
		// one error per position: the first explains, the rest cascade
		if i > 0 && e.Pos.Offset == l[i-1].Pos.Offset {
			continue
		}
		out = append(out, e)
	}
	return out
}

// err returns the list as an error, or nil when empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	s := l.sorted()
	return &s
}
