package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/rule"
)

// QueryError is an error in a rule's query, positioned in the rule file.
type QueryError struct {
	Path      string
	Line, Col int
	Msg       string // "eql: unknown function ..." or "kql: ..."
	Snippet   string // the query line and a caret, or ""
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}

// QueryErrors are the errors of one query.
type QueryErrors []*QueryError

func (l QueryErrors) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// eqlErrors maps EQL errors to positions in the rule file.
func eqlErrors(r *rule.Rule, err error) error {
	var list eql.ErrorList
	var plist *eql.ErrorList
	var one *eql.Error
	switch {
	case errors.As(err, &plist):
		list = *plist
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = eql.ErrorList{one}
	default:
		return fmt.Errorf("%s:%d: %w", r.Path, r.QueryLine, err)
	}
	out := make(QueryErrors, 0, len(list))
	for _, e := range list {
		line, col := r.QueryPos(e.Pos.Line, e.Pos.Col)
		msg := strings.TrimPrefix(e.Error(), e.Pos.String()+": ")
		out = append(out, &QueryError{Path: r.Path, Line: line, Col: col, Msg: msg, Snippet: e.Snippet()})
	}
	return out
}
