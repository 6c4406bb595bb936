package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// huntUX holds vigil hunt's output, muting and reporting flags and what
// they collect during the run: alerts per host, the first and last alert,
// the fields the input had (for rules that could not match), the ATT&CK
// techniques that alerted, and grouped warnings.
type huntUX struct {
	columns, timezone, navigator string
	mute                         muting
	html                         htmlReport // --html

	warn         warnings
	byHost       map[string]int
	first, last  int64
	alerts       map[*rule.Rule]int
	unmatched    *engine.Unmatched
	forks        []*engine.Unmatched // observing where events are decoded (see fork)
	forkMu       sync.Mutex
	missingPaths int
	muted        int
}

func registerHuntUX(fs *flag.FlagSet) *huntUX {
	u := &huntUX{byHost: map[string]int{}, alerts: map[*rule.Rule]int{}}
	fs.StringVar(&u.columns, "columns", "", "comma-separated `columns` of the table or CSV: "+columnNames())
	fs.StringVar(&u.timezone, "timezone", "UTC", "time `zone` of times in the table, CSV and timesketch output (an IANA name such as Europe/Berlin, or Local)")
	fs.StringVar(&u.navigator, "navigator", "", "write an ATT&CK Navigator layer (JSON) of the techniques that alerted to `file`")
	fs.StringVar(&u.html.path, "html", "", "write a self-contained HTML report (the analyst's page with the alerts and rules embedded) to `file`")
	fs.Var(&u.mute.rules, "exclude-rule", "do not run the rule with this rule_id or `name` (repeatable)")
	fs.Var(&u.mute.tags, "exclude-tag", "do not run rules with this `tag` (repeatable; matched as --tag is)")
	fs.Var(&u.mute.files, "exclude-file", "do not run the rules listed in `file`: one rule_id or name per line, # comments")
	fs.BoolVar(&u.warn.verbose, "v", false, "print every warning as it happens, and the rules that could not match")
	return u
}

func columnNames() string {
	names := make([]string, len(alert.Columns))
	for i, c := range alert.Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// isStdout reports whether alerts go to standard output.
func isStdout(w io.Writer) bool {
	_, ok := w.(currentStdout)
	return ok || w == stdout
}

// newWriter makes the alert writer: the table fitted to the terminal (or
// to $COLUMNS when standard output is not one, as in tests and pipes to a
// pager), colour on a terminal unless NO_COLOR is set.
func (u *huntUX) newWriter(format string, out io.Writer, f *alert.Fields) (alert.Writer, error) {
	opt := alert.WriterOptions{}
	loc, err := loadLocation(u.timezone)
	if err != nil {
		return nil, usageError("hunt: --timezone: %v", err)
	}
	opt.Location = loc
	if u.columns != "" {
		def := alert.DefaultTableColumns
		if format == "csv" {
			def = alert.DefaultCSVColumns
		}
		cols, err := alert.ParseColumns(u.columns, def)
		if err != nil {
			return nil, usageError("hunt: --columns: %v", err)
		}
		if format != "table" && format != "csv" {
			return nil, usageError("hunt: --columns applies to the table and csv formats")
		}
		opt.Columns, opt.ExplicitColumns = cols, true
	}
	if isStdout(out) {
		if width, tty := terminal(stdout); tty {
			opt.Width, opt.Colour, opt.FirstRowsWait = width, colourAllowed(), time.Second
		} else if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
			opt.Width = n
		}
	}
	w, err := alert.NewWriterOptions(format, out, f, opt)
	if err != nil {
		return nil, usageError("hunt: %v", err)
	}
	return w, nil
}

func loadLocation(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "", "utc", "z":
		return time.UTC, nil
	case "local":
		return time.Local, nil
	}
	return time.LoadLocation(name)
}

// prepare learns which fields each loaded rule needs, to tell after the
// hunt which rules could not have matched the input.
func (u *huntUX) prepare(rs *engine.RuleSet, statuses []engine.Status) {
	u.html.fields, u.html.statuses = rs.Fields(), statuses
	u.unmatched = engine.NewUnmatched(rs)
}

func (u *huntUX) observe(ev *event.Event) {
	if u.unmatched != nil {
		u.unmatched.Observe(ev)
	}
}

// fork returns an Unmatched observing events in another goroutine (nil
// without one), which joinForks merges back.
func (u *huntUX) fork() *engine.Unmatched {
	if u.unmatched == nil {
		return nil
	}
	u.forkMu.Lock()
	defer u.forkMu.Unlock()
	f := u.unmatched.Fork()
	u.forks = append(u.forks, f)
	return f
}

// joinForks merges what the forks observed; call it when they are done.
func (u *huntUX) joinForks() {
	u.forkMu.Lock()
	defer u.forkMu.Unlock()
	for _, f := range u.forks {
		u.unmatched.Merge(f)
	}
	u.forks = nil
}

// record counts an alert that was written.
func (u *huntUX) record(a *alert.Alert) {
	host := a.Host
	if host == "" {
		host = "-"
	}
	u.byHost[host]++
	if t := a.OriginalTime; t != 0 {
		if u.first == 0 || t < u.first {
			u.first = t
		}
		if t > u.last {
			u.last = t
		}
	}
	u.alerts[a.Rule]++
	u.html.add(a)
}

// summary adds to the hunt's summary: excluded rules, the time span of
// the alerts, the hosts with most alerts, and rules that could not match.
func (u *huntUX) summary(w io.Writer) {
	if u.muted > 0 {
		fmt.Fprintf(w, "  rules excluded (--exclude-*): %d\n", u.muted)
	}
	if u.first != 0 {
		loc, _ := loadLocation(u.timezone)
		if loc == nil {
			loc = time.UTC
		}
		f := func(ns int64) string { return time.Unix(0, ns).In(loc).Format("2006-01-02 15:04:05 MST") }
		fmt.Fprintf(w, "  first alert: %s  last alert: %s\n", f(u.first), f(u.last))
	}
	printCounts(w, "computers with most alerts", u.byHost, 10)
	if u.unmatched == nil {
		return
	}
	var silent []engine.Unmatchable
	for _, x := range u.unmatched.Rules() {
		if u.alerts[x.Rule] == 0 {
			silent = append(silent, x)
		}
	}
	if len(silent) == 0 {
		return
	}
	fmt.Fprintf(w, "  rules that could not match the input (they need fields no event had): %d\n", len(silent))
	if u.warn.verbose {
		for _, x := range silent {
			fmt.Fprintf(w, "    %s: needs %s\n", x.Rule.Name, strings.Join(x.Lacked, " or "))
		}
	} else {
		fmt.Fprintf(w, "    fields most missed: %s (-v lists the rules)\n", lackedSummary(silent, 4))
	}
}

// finish writes the Navigator layer and turns paths that could not be
// read into a non-zero exit status.
func (u *huntUX) finish(paths []string) error {
	if u.navigator != "" {
		var c attack.Coverage
		rules := make([]*rule.Rule, 0, len(u.alerts))
		for r := range u.alerts {
			rules = append(rules, r)
		}
		sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
		total := 0
		for _, r := range rules {
			c.Add(r, u.alerts[r])
			total += u.alerts[r]
		}
		l := c.Layer("vigil hunt", fmt.Sprintf("%d alerts of %d rules over %s; score = alerts", total, len(rules), strings.Join(paths, ", ")))
		if err := writeLayer(u.navigator, l); err != nil {
			return err
		}
	}
	if err := u.html.write(paths, u.alerts); err != nil {
		return err
	}
	if u.missingPaths > 0 {
		return &exitError{code: 1, err: fmt.Errorf("hunt: %d %s could not be read (the others were hunted)", u.missingPaths, plural(u.missingPaths, "path", "paths"))}
	}
	return nil
}

// errMuted is returned when the exclusions leave no rule to run.
var errMuted = errors.New("hunt: every selected rule is excluded")

// keysByCount returns the keys of m, the largest count first (ties by key).
func keysByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// lackedSummary names the fields most often lacked, for one line.
func lackedSummary(us []engine.Unmatchable, limit int) string {
	count := map[string]int{}
	for _, u := range us {
		count[strings.Join(u.Lacked, " or ")]++
	}
	keys := keysByCount(count)
	if len(keys) > limit {
		keys = append(keys[:limit], "...")
	}
	return strings.Join(keys, "; ")
}
