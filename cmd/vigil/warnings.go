package main

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/input"
)

// warnings groups the problems met while reading into one line per kind
// with a count, printed after the hunt; with -v every one is printed as
// it happens.
type warnings struct {
	mu      sync.Mutex
	verbose bool
	counts  map[string]int
	example map[string]string // where the first of a kind was
	first   map[string]string // the first of a kind in full
}

// numbers are what differs between two warnings of one kind.
var numbers = regexp.MustCompile(`[0-9]+`)

// kindOf names a warning's kind: the message without the file and record
// it came from, numbers left out.
func kindOf(err error) string {
	var re *input.RecordError
	msg := err.Error()
	if errors.As(err, &re) {
		msg = re.Err.Error()
	}
	if strings.HasPrefix(msg, "event is older than events already passed on") {
		return "late"
	}
	return numbers.ReplaceAllString(msg, "N")
}

func (w *warnings) add(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.verbose {
		fmt.Fprintln(stderr, "vigil:", err)
	}
	if w.counts == nil {
		w.counts, w.example, w.first = map[string]int{}, map[string]string{}, map[string]string{}
	}
	k := kindOf(err)
	if w.counts[k] == 0 {
		w.first[k] = err.Error()
		w.example[k] = err.Error()
		var re *input.RecordError
		if errors.As(err, &re) && re.Pos > 0 {
			w.example[k] = fmt.Sprintf("%s:%s %d", re.Path, re.Unit, re.Pos)
		}
	}
	w.counts[k]++
}

// print writes one line per kind, the most frequent first. Inputs report
// only their first late event: late is the count of them all, window the
// ordering window.
func (w *warnings) print(out io.Writer, window string, late int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if late > 0 {
		if w.counts == nil {
			w.counts, w.example, w.first = map[string]int{}, map[string]string{}, map[string]string{}
		}
		w.counts["late"] = int(late)
	}
	if len(w.counts) == 0 || w.verbose {
		return
	}
	for _, k := range keysByCount(w.counts) {
		n := w.counts[k]
		switch {
		case k == "late":
			fmt.Fprintf(out, "vigil: warning: %d %s arrived later than the %s ordering window\n", n, plural(n, "event", "events"), window)
		case n == 1:
			fmt.Fprintf(out, "vigil: warning: %s\n", w.first[k])
		default:
			fmt.Fprintf(out, "vigil: warning: %d × %s (first: %s)\n", n, k, w.example[k])
		}
	}
	fmt.Fprintln(out, "vigil: run with -v to see each warning")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
