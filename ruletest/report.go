package ruletest

import (
	"fmt"
	"io"
)

// Summary counts results.
type Summary struct {
	Files, Cases, Failed int
}

// Report prints a FAIL block for every failed case (test file, rule,
// case, and each difference on its own line) and, when verbose, an ok
// line for every passed case. It returns the counts.
func Report(w io.Writer, results []Result, verbose bool) Summary {
	var s Summary
	files := map[string]bool{}
	for i := range results {
		r := &results[i]
		files[r.File] = true
		s.Cases++
		if r.Passed() {
			if verbose {
				fmt.Fprintf(w, "ok    %s: %s: %q (%d alerts)\n", r.File, r.Rule, r.Case, r.Got)
			}
			continue
		}
		s.Failed++
		fmt.Fprintf(w, "FAIL  %s: %s: %q\n", r.File, r.Rule, r.Case)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "      %s\n", p)
		}
	}
	s.Files = len(files)
	return s
}
