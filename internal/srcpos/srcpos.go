package srcpos

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Pos is a position in a source text.
type Pos struct {
	// File names the source; "" for a text that is not a file (a query
	// given on the command line).
	File string
	// Offset is the byte offset in the text that was parsed; it stays that
	// of the query when Line and Col are mapped into the file holding it.
	Offset int
	// Line and Col are 1-based; Col counts bytes, as go/token does. Zero
	// means unknown.
	Line, Col int
}

// String formats the position as "file:line:col", leaving out the parts
// that are unknown.
func (p Pos) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Col))
		}
	}
	return b.String()
}

// IsValid reports whether the position has a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Position returns the position of byte offset off of src.
func Position(src string, off int) Pos {
	off = min(max(off, 0), len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return Pos{Offset: off, Line: strings.Count(src[:off], "\n") + 1, Col: off - start + 1}
}

// Error is a message at a position. Text and TextCol, when Text is not
// empty, are the source line holding the fault and the fault's 1-based
// byte column in it, for Snippet: they stay those of the query when Pos is
// mapped into the file that holds it.
type Error struct {
	Pos     Pos
	Msg     string // with the language's prefix: "eql: ...", "kql: ..."
	Text    string
	TextCol int
}

// NewError returns an error at p with the line of src that holds p for
// its snippet.
func NewError(src string, p Pos, msg string) *Error {
	e := &Error{Pos: p, Msg: msg}
	if p.Line > 0 {
		lines := strings.SplitN(src, "\n", p.Line+1)
		if p.Line <= len(lines) {
			line := lines[p.Line-1]
			if i := strings.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			e.Text, e.TextCol = strings.TrimSuffix(line, "\r"), p.Col
		}
	}
	return e
}

// Error formats the error as "file:line:col: msg".
func (e *Error) Error() string {
	if s := e.Pos.String(); s != "" {
		return s + ": " + e.Msg
	}
	return e.Msg
}

// At returns a copy of the error at p, keeping its snippet: a query's
// error mapped into the file that holds the query.
func (e *Error) At(p Pos) *Error {
	c := *e
	c.Pos = p
	return &c
}

// Snippet returns the source line holding the error and a caret under the
// fault, each prefixed by "   | ", or "" when the line is unknown. Tabs
// before the fault are kept so the caret lines up; one space stands for
// each other character.
func (e *Error) Snippet() string {
	if e.Text == "" || e.TextCol < 1 {
		return ""
	}
	var b strings.Builder
	b.WriteString("   | ")
	b.WriteString(e.Text)
	b.WriteString("\n   | ")
	before := e.Text[:min(e.TextCol-1, len(e.Text))]
	for _, r := range before {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	// a column past the end of the line: point past its last character
	for range e.TextCol - 1 - len(before) {
		b.WriteByte(' ')
	}
	b.WriteByte('^')
	return b.String()
}

// Render returns the error followed by its snippet, if any.
func (e *Error) Render() string {
	if s := e.Snippet(); s != "" {
		return e.Error() + "\n" + s
	}
	return e.Error()
}

// ErrorList is the errors of one source. Parsers collect into it and
// return ErrorList.Err.
type ErrorList []*Error

// Add appends an error at p, with the line of src that holds it.
func (l *ErrorList) Add(src string, p Pos, msg string) {
	*l = append(*l, NewError(src, p, msg))
}

// Addf is Add with a formatted message.
func (l *ErrorList) Addf(src string, p Pos, format string, args ...any) {
	l.Add(src, p, fmt.Sprintf(format, args...))
}

// Sort orders the list by file and position (stably) and keeps one error
// per position: the first explains, the rest cascade.
func (l *ErrorList) Sort() {
	slices.SortStableFunc(*l, func(a, b *Error) int {
		if c := strings.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	*l = slices.CompactFunc(*l, func(a, b *Error) bool {
		return a.Pos.Line > 0 && a.Pos.File == b.Pos.File && a.Pos.Line == b.Pos.Line && a.Pos.Col == b.Pos.Col
	})
}

// Err returns the list sorted, as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

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

// Render prints every error with its snippet.
func (l ErrorList) Render() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Render()
	}
	return strings.Join(s, "\n")
}

// Render renders any error: with snippets when it holds an ErrorList or an
// *Error (errors.As), as err.Error() otherwise.
func Render(err error) string {
	var list ErrorList
	if errors.As(err, &list) {
		return list.Render()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Render()
	}
	return err.Error()
}
