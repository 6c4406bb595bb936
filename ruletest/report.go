package ruletest

import (
	"fmt"
	"io"
)

// Summary counts results.
type Summary struct {
	Files  int `json:"files"`
	Cases  int `json:"cases"`
	Failed int `json:"failed"`
}

// Summarize counts test files, cases and failed cases.
func Summarize(results []Result) Summary {
	s := Summary{Cases: len(results)}
	files := map[string]bool{}
	for i := range results {
		files[results[i].File] = true
		if !results[i].Passed() {
			s.Failed++
		}
	}
	s.Files = len(files)
	return s
}

// Report prints a FAIL block for every failed case (test file, rule,
// case, and each difference on its own line) and, when verbose, an ok
// line for every passed case. It returns the counts.
func Report(w io.Writer, results []Result, verbose bool) Summary {
	for i := range results {
		r := &results[i]
		if r.Passed() {
			if verbose {
				fmt.Fprintf(w, "ok    %s: %s: %q (%d alerts)\n", r.File, r.Rule, r.Case, r.Got)
			}
			continue
		}
		fmt.Fprintf(w, "FAIL  %s: %s: %q\n", r.File, r.Rule, r.Case)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "      %s\n", p)
		}
	}
	return Summarize(results)
}
