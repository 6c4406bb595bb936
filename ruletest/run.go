package ruletest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/order"
	"github.com/vigilsec/vigil/rule"
)

// Runner runs test files, each case in an engine of its own that holds
// only the rule under test.
type Runner struct {
	// Input configures reading the events as vigil hunt reads them.
	// Schema, Stdin and Warn are set per case.
	Input input.Options
	// Aliases are the engine's index aliases (engine.Options.Aliases).
	Aliases func(index string) []string
}

// Result is the outcome of one case.
type Result struct {
	File     string   `json:"file"` // the test file
	Rule     string   `json:"rule"` // the rule's name, or its path when it did not load
	Case     string   `json:"case"`
	Want     int      `json:"want"`
	Got      int      `json:"got"`      // alerts raised
	Problems []string `json:"problems"` // what differed; empty when the case passed
}

// Passed reports whether the case met every expectation.
func (r *Result) Passed() bool { return len(r.Problems) == 0 }

// Run runs every case of f: the rule is compiled once and each case gets
// an engine of its own.
func (r *Runner) Run(ctx context.Context, f *File) []Result {
	out := make([]Result, len(f.Cases))
	for i := range f.Cases {
		out[i] = Result{File: f.Path, Rule: f.Rule, Case: f.Cases[i].Name, Want: f.Cases[i].Want()}
	}
	fail := func(msg string) []Result {
		for i := range out {
			out[i].Problems = []string{msg}
		}
		return out
	}
	rl, err := f.loadRule()
	if err != nil {
		return fail("rule does not load: " + oneLine(err))
	}
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	rs, st := engine.Compile([]*rule.Rule{rl}, engine.Options{
		Aliases: r.Aliases, Fields: expectedFields(f), Now: func() time.Time { return now },
	})
	for i := range out {
		out[i].Rule = rl.Name
	}
	switch st[0].State {
	case engine.Unsupported:
		return fail("rule does not run: " + st[0].Reason)
	case engine.Failed:
		return fail("rule does not compile: " + oneLine(st[0].Err))
	}
	for i := range f.Cases {
		r.runCase(ctx, f, rs, &f.Cases[i], &out[i])
	}
	return out
}

// expectedFields lists the fields the cases of f check, so that the rule
// set decodes them.
func expectedFields(f *File) []string {
	var names []string
	seen := map[string]bool{}
	for _, c := range f.Cases {
		for _, x := range c.Expect {
			for name := range x.Fields {
				if !seen[name] {
					seen[name] = true
					names = append(names, name)
				}
			}
		}
	}
	return names
}

// got is what a test needs of one alert, taken while its events are valid.
type got struct {
	refs   []string            // the events, as Expect.Events names them
	fields map[string][]string // expected field -> values in the alert's events
}

func (r *Runner) runCase(ctx context.Context, f *File, rs *engine.RuleSet, c *Case, res *Result) {
	dir := filepath.Dir(f.Path)
	var names []string // the fields this case checks
	for _, x := range c.Expect {
		for name := range x.Fields {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	var alerts []got
	eng := rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) {
		g := got{fields: map[string][]string{}}
		for _, ev := range a.Events {
			if ev == nil {
				continue
			}
			g.refs = append(g.refs, eventRef(dir, c.Files, ev))
			for _, name := range names {
				rs.Fields().Get(ev, name).Each(func(v event.Value) bool {
					if v.Exists() && !v.IsNull() {
						g.fields[name] = append(g.fields[name], valueText(v))
					}
					return false
				})
			}
		}
		alerts = append(alerts, g)
	}))

	var inputs []input.File
	if len(c.events) > 0 {
		inputs = append(inputs, input.File{Path: "-"})
	}
	var paths []string
	for _, p := range c.Files {
		paths = append(paths, resolve(dir, p))
	}
	if len(paths) > 0 {
		more, errs := input.Expand(paths)
		inputs = append(inputs, more...)
		for _, err := range errs {
			res.Problems = append(res.Problems, "events: "+err.Error())
		}
	}
	onErr := func(err error) {
		var re *input.RecordError
		if errors.As(err, &re) && re.Path == "-" {
			err = fmt.Errorf("inline event %d: %w", re.Pos, re.Err)
		}
		res.Problems = append(res.Problems, "events: "+err.Error())
	}
	opt := r.Input
	opt.Schema = rs.Schema()
	opt.Stdin = strings.NewReader(strings.Join(c.events, "\n"))
	opt.Warn = onErr
	err := order.Read(ctx, inputs, input.NewOpener(opt), order.Options{Report: onErr}, nil, func(ev *event.Event) error {
		eng.Process(ev)
		return nil
	})
	if err != nil {
		res.Problems = append(res.Problems, "events: "+err.Error())
		return
	}
	eng.Flush()
	res.Got = len(alerts)
	res.Problems = append(res.Problems, compare(c, alerts)...)
}

// resolve returns path p of a test file in folder dir: absolute paths as
// they are, relative ones from dir.
func resolve(dir, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// compare lists what differs between the expected alerts and those raised.
func compare(c *Case, alerts []got) []string {
	var out []string
	if want := c.Want(); want != len(alerts) {
		msg := fmt.Sprintf("want %d alerts, got %d", want, len(alerts))
		if len(alerts) > 0 {
			var evs []string
			for _, g := range alerts {
				evs = append(evs, "["+strings.Join(g.refs, " ")+"]")
			}
			msg += ", on events " + strings.Join(evs, " ")
		}
		out = append(out, msg)
	}
	for i, x := range c.Expect {
		if i >= len(alerts) {
			break
		}
		g := alerts[i]
		if len(x.Events) > 0 {
			if want := refsOf(x.Events); !sameRefs(want, g.refs) {
				out = append(out, fmt.Sprintf("alert %d: want events [%s], got [%s]", i+1, strings.Join(want, " "), strings.Join(g.refs, " ")))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(x.Fields)) {
			want, _ := scalar(x.Fields[name])
			vals := g.fields[name]
			if !slices.Contains(vals, want) {
				gotText := "missing"
				if len(vals) > 0 {
					gotText = strconv.Quote(strings.Join(vals, `", "`))
				}
				out = append(out, fmt.Sprintf("alert %d: %s: want %q, got %s", i+1, name, want, gotText))
			}
		}
	}
	return out
}

// eventRef names an event as Expect.Events does: the inline event's
// number, or FILE:N with FILE as the case's files list it (a file found in
// a listed folder: the folder as listed, then the path below it).
func eventRef(dir string, files []string, ev *event.Event) string {
	pos := ":" + strconv.FormatInt(ev.Pos, 10)
	if ev.Source == "-" {
		return pos[1:]
	}
	for _, listed := range files {
		r := resolve(dir, listed)
		if ev.Source == r {
			return listed + pos
		}
		if rel, err := filepath.Rel(r, ev.Source); err == nil && !strings.HasPrefix(rel, "..") {
			return strings.TrimSuffix(listed, "/") + "/" + filepath.ToSlash(rel) + pos
		}
	}
	return filepath.ToSlash(ev.Source) + pos
}

func refsOf(refs []any) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i], _ = scalar(r)
	}
	return out
}

// sameRefs compares expected and actual event names; "FILE:N" also
// matches by the file's base name.
func sameRefs(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] == got[i] {
			continue
		}
		j := strings.LastIndexByte(got[i], ':')
		if j < 0 || want[i] != filepath.Base(got[i][:j])+got[i][j:] {
			return false
		}
	}
	return true
}

func valueText(v event.Value) string {
	if v.Kind() == event.KindString {
		return v.Str()
	}
	return v.String()
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
