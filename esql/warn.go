package esql

import (
	"fmt"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Warnings collects the response warnings of a run, as Elasticsearch
// sends them: for each expression that failed on some row, a header
// "Line L:C: evaluation of [expr] failed, treating result as null. Only
// first 20 failures recorded." and the distinct failures.
type Warnings struct {
	list  []string
	seen  map[string]bool
	count map[*site]int
	// Dropped counts failures past the 20 recorded per expression.
	Dropped int
	// Failed counts rows dropped on an internal error.
	Failed int
}

// Failed counts the rows a run dropped because evaluating them failed
// unexpectedly (an internal error, reported once as a warning).
func (w *Warnings) internal(r any) {
	if w == nil {
		return
	}
	w.Failed++
	if w.Failed <= 20 {
		w.add(fmt.Sprintf("internal error evaluating a row: %v", r))
	}
}

// site is an expression's place in the query, for its warnings.
type site struct {
	src       string
	line, col int
}

func newSite(q string, e Expr) *site {
	a, b := e.span()
	p := srcpos.Position(q, a)
	return &site{src: q[a:b], line: p.Line, col: p.Col}
}

// List returns the warnings in the order they were first raised.
func (w *Warnings) List() []string {
	if w == nil {
		return nil
	}
	return w.list
}

func (w *Warnings) add(s string) {
	if w == nil {
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if !w.seen[s] {
		w.seen[s] = true
		w.list = append(w.list, s)
	}
}

// fail records a failure of the expression at s: its result is null.
func (w *Warnings) fail(s *site, msg string) { w.failAs(s, msg, "null") }

// failAs records a failure whose result is treated as res.
func (w *Warnings) failAs(s *site, msg, res string) {
	if w == nil || s == nil {
		return
	}
	if w.count == nil {
		w.count = map[*site]int{}
	}
	n := w.count[s]
	w.count[s] = n + 1
	if n == 0 {
		w.add(fmt.Sprintf("Line %d:%d: evaluation of [%s] failed, treating result as %s. Only first 20 failures recorded.", s.line, s.col, s.src, res))
	}
	if n >= 20 {
		w.Dropped++
		return
	}
	w.add(fmt.Sprintf("Line %d:%d: %s", s.line, s.col, msg))
}

const (
	errMV           = "java.lang.IllegalArgumentException: single-value function encountered multi-value"
	errIntOverflow  = "java.lang.ArithmeticException: integer overflow"
	errLongOverflow = "java.lang.ArithmeticException: long overflow"
	errULOverflow   = "java.lang.ArithmeticException: unsigned_long overflow"
	errDivZero      = "java.lang.ArithmeticException: / by zero"
)

// evalError is a failure of a function on a row: its message is the
// Java exception Elasticsearch reports.
type evalError string

func (e evalError) Error() string { return string(e) }
