package rule

import (
	"errors"
	"fmt"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// The errors of a rule file are srcpos errors positioned in the file
// (Pos.File is its path; a column of 0 is unknown): malformed TOML, or a
// key of the wrong type, whose dotted path ("rule.risk_score",
// "rule.threat[0].tactic.id") begins the message. Parse returns them as a
// srcpos.ErrorList, in file order.

// keyError returns the error of a key at line:col of a file.
func keyError(path string, line, col int, key, msg string) *srcpos.Error {
	if key != "" {
		msg = key + ": " + msg
	}
	return &srcpos.Error{Pos: srcpos.Pos{File: path, Line: line, Col: col}, Msg: msg}
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

// String formats the warning like an error, with the count of further
// occurrences when there are any.
func (w Warning) String() string {
	s := keyError(w.Path, w.Line, w.Col, w.Key, w.Msg).Error()
	if w.Count > 1 {
		s += fmt.Sprintf(" (%d occurrences)", w.Count)
	}
	return s
}

// QueryErrors maps the errors a query parser reported for the rule's
// query key ("query", "threat_query"), as a srcpos.ErrorList positioned in
// the query, into the rule file, keeping their snippets: positions in
// "query" become file positions (see QueryPos); the others name the key
// and the position in its query. Errors without a position, and other
// errors, are prefixed by the file's path.
func (r *Rule) QueryErrors(key string, err error) error {
	if err == nil {
		return nil
	}
	var list srcpos.ErrorList
	if !errors.As(err, &list) {
		return &srcpos.Error{Pos: srcpos.Pos{File: r.Path}, Msg: err.Error()}
	}
	out := make(srcpos.ErrorList, len(list))
	for i, e := range list {
		switch {
		case !e.Pos.IsValid():
			out[i] = e.At(srcpos.Pos{File: r.Path})
		case key == "query":
			line, col := r.QueryPos(e.Pos.Line, e.Pos.Col)
			out[i] = e.At(srcpos.Pos{File: r.Path, Offset: e.Pos.Offset, Line: line, Col: col})
		default:
			m := e.At(srcpos.Pos{File: r.Path})
			m.Msg = key + " " + e.Pos.String() + ": " + e.Msg
			out[i] = m
		}
	}
	return out
}
