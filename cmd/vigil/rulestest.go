package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/ruletest"
	"github.com/vigilsec/vigil/winlog"
)

const rulesTestUsage = `
usage: vigil rules test [-v] [-run REGEXP] [--format text|json] [PATH...]

Runs rule tests. The tests of a rule NAME.toml are in NAME.test.toml
beside it: every rule under the folders given (or given by name) is run
with the test file beside it, and test files may be given by name. Each
[[test]] case feeds its events to an engine holding only that rule and
compares the alerts with the case's expectation: how many, which events,
which field values. Without PATH, the tests of the rule pack built into
this binary are run (they hold inline events only). Events are inline JSON lines (ECS, or raw winlog
records as Winlogbeat ships them, normalised as vigil hunt does) and
event files (files = ["x.evtx"], relative to the test file: EVTX,
NDJSON, raw winlog JSON), read in one time order.

  [[test]]
  name = "remote create"
  events = '''
  {"@timestamp":"2026-11-20T09:14:11Z","event":{"category":["process"],"type":["start"]},...}
  '''
  alerts = 1                         # how many; 0 for a negative case
  [[test.alert]]                     # the first alert, in time order
  events = [1]                       # inline event 1; "FILE:N" for files
  fields = {"process.name" = "sc.exe"}

Failed cases are printed with the rule, the case and what differed; rules
without a test file are listed. -run keeps the cases whose name matches.

The json format is one object:
  {"results":[{"file","rule","case","want","got","problems"}],
   "errors":[...], "untested":[...],
   "summary":{"files":N,"cases":N,"failed":N}}

Exit status: 0 when every case passed, 2 when a case failed or a test file
could not be read, 1 on bad usage.
`

// rulesTest is "vigil rules test".
func rulesTest(ctx context.Context, args []string) error {
	fs := newFlagSet("rules test", rulesTestUsage)
	verbose := fs.Bool("v", false, "also list the cases that passed")
	runPattern := fs.String("run", "", "run only the cases whose name matches this regular expression")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError("rules test: unknown format %q (want text or json)", *format)
	}
	sel, err := regexp.Compile(*runPattern)
	if err != nil {
		return usageError("rules test: -run: %v", err)
	}
	var found ruletest.Found
	var errs []error
	load := ruletest.Load
	if fs.NArg() > 0 {
		found, errs = ruletest.Discover(fs.Args())
	} else {
		pack := builtin.WithTests()
		var err error
		if found, err = ruletest.DiscoverFS(pack); err != nil {
			errs = append(errs, err)
		}
		load = func(name string) (*ruletest.File, error) { return ruletest.LoadFS(pack, "builtin", name) }
	}
	runner := &ruletest.Runner{
		Aliases: winlog.Aliases,
	}
	var results []ruletest.Result
	for _, path := range found.Tests {
		f, err := load(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Cases = slices.DeleteFunc(f.Cases, func(c ruletest.Case) bool { return !sel.MatchString(c.Name) })
		if len(f.Cases) > 0 {
			results = append(results, runner.Run(ctx, f)...)
		}
	}
	var s ruletest.Summary
	if *format == "json" {
		s = ruletest.Summarize(results)
		if err := writeTestJSON(results, errs, found.Untested, s); err != nil {
			return err
		}
	} else {
		for _, err := range errs {
			fmt.Fprintln(stdout, "ERROR", err)
		}
		s = ruletest.Report(stdout, results, *verbose)
		for _, r := range found.Untested {
			fmt.Fprintln(stdout, "no tests:", r)
		}
		fmt.Fprintf(stdout, "%d test files, %d cases, %d failed, %d rules without tests\n",
			s.Files, s.Cases, s.Failed, len(found.Untested))
	}
	if s.Failed > 0 || len(errs) > 0 {
		return &exitError{code: 2, err: errSilent}
	}
	if s.Cases == 0 {
		return &exitError{code: 2, err: errors.New("rules test: no test cases")}
	}
	return nil
}

// writeTestJSON writes the outcome of a rules test as one JSON object.
func writeTestJSON(results []ruletest.Result, errs []error, untested []string, s ruletest.Summary) error {
	out := struct {
		Results  []ruletest.Result `json:"results"`
		Errors   []string          `json:"errors"`
		Untested []string          `json:"untested"`
		Summary  ruletest.Summary  `json:"summary"`
	}{Results: results, Errors: []string{}, Untested: untested, Summary: s}
	if out.Results == nil {
		out.Results = []ruletest.Result{}
	}
	if out.Untested == nil {
		out.Untested = []string{}
	}
	for i := range out.Results {
		if out.Results[i].Problems == nil {
			out.Results[i].Problems = []string{}
		}
	}
	for _, err := range errs {
		out.Errors = append(out.Errors, err.Error())
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
