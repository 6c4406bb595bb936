package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// fidelityFlags are the flags that make the fields of a rule file take
// effect as Kibana makes them: enabled = false, exceptions_list (with
// --exceptions and --value-list), and what the hunt summary says of
// them.
type fidelityFlags struct {
	includeDisabled bool
	exceptions      stringList
	valueLists      stringList
	// disabled counts the rules left out for enabled = false (or run
	// anyway, with includeDisabled).
	disabled int
	// noHostID names the rules joined by host.id when an input is EVTX.
	noHostID []string
	store    *exception.Store
	// beside are the exceptions TOML files loadRules met among the rules.
	beside []string
}

func (f *fidelityFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.includeDisabled, "include-disabled", false, "also run rules written with enabled = false (Kibana does not run them)")
	fs.Var(&f.exceptions, "exceptions", "exception lists `path` (repeatable): a Kibana exception list export (NDJSON) or detection-rules exceptions TOML, or a folder of them; rules' exceptions_list entries refer to them. Exceptions TOML files among the --rules folders are loaded too")
	fs.Var(&f.valueLists, "value-list", "value list `[ID=]PATH` (repeatable): a Kibana value list export, one value per line; its id is the file name unless given")
}

// selectEnabled drops the rules written with enabled = false unless
// --include-disabled is set, and counts them for the summary.
func (f *fidelityFlags) selectEnabled(rules []*rule.Rule) []*rule.Rule {
	run, disabled := rule.SplitEnabled(rules, f.includeDisabled)
	f.disabled = len(disabled)
	return run
}

// loadRules loads rule files and folders, or the built-in pack when
// paths is empty (see loadRules), and keeps the exceptions TOML files met
// among them for loadExceptions.
func (f *fidelityFlags) loadRules(paths []string) ([]*rule.Rule, []rule.Warning, []error) {
	return f.loadSelected(rule.Selection{}, paths)
}

// loadSelected is loadRules parsing only the rule files that could hold
// a rule sel selects (see rule.Selection); the built-in pack is loaded
// whole.
func (f *fidelityFlags) loadSelected(sel rule.Selection, paths []string) ([]*rule.Rule, []rule.Warning, []error) {
	if len(paths) == 0 {
		f.beside = nil
		return builtin.Load()
	}
	l := rule.LoadSelected(sel, paths...)
	f.beside = l.ExceptionFiles
	return l.Rules, l.Warnings, l.Errors
}

// loadExceptions loads the exception lists and value lists the flags name
// and the exceptions TOML files loadRules met among the rules, for
// engine.Options.Exceptions. It returns nil when there are none.
func (f *fidelityFlags) loadExceptions() (*exception.Store, error) {
	files, err := exception.Files(f.exceptions)
	if err != nil {
		return nil, err
	}
	files = append(files, f.beside...)
	if len(files) == 0 && len(f.valueLists) == 0 {
		return nil, nil
	}
	store := exception.NewStore()
	for _, p := range files {
		if err := store.LoadFile(p); err != nil {
			return nil, err
		}
	}
	for _, v := range f.valueLists {
		id, path, ok := strings.Cut(v, "=")
		if !ok {
			id, path = "", v
		}
		if err := store.LoadValueList(id, path); err != nil {
			return nil, err
		}
	}
	f.store = store
	return store, nil
}

// checkHostID notes the rules that would see EVTX records (their index
// patterns match a Windows data stream) and join by host.id, when an input
// is an EVTX file: no shipper added host.id to its records, so those rules
// cannot match them.
func (f *fidelityFlags) checkHostID(rules []*rule.Rule, inputs []input.File) {
	evtx := false
	for _, in := range inputs {
		evtx = evtx || input.FormatOf(in.Path) == "evtx"
	}
	if !evtx {
		return
	}
	for _, r := range rules {
		if winlog.Selected(r.Indices()) && engine.JoinsBy(r, "host.id") {
			f.noHostID = append(f.noHostID, r.Name)
		}
	}
}

// warnMissing tells, once per list, of exception lists rules refer to
// that were not loaded, when some were.
func (f *fidelityFlags) warnMissing(w io.Writer, rs *engine.RuleSet) {
	if f.store == nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range rs.Rules() {
		exc := rs.Exceptions(r)
		if exc == nil {
			continue
		}
		for _, m := range exc.Missing {
			if !seen[m] {
				seen[m] = true
				fmt.Fprintf(w, "vigil: warning: exception list %s (referred to by %q and maybe others) is not loaded\n", m, r.Name)
			}
		}
	}
}

// summary prints the summary lines of the flags and of what exceptions
// and suppression did.
func (f *fidelityFlags) summary(w io.Writer, stats []engine.RuleStats) {
	for _, name := range f.noHostID {
		fmt.Fprintf(w, "  rule %q joins by host.id, which EVTX records do not carry\n", name)
	}
	switch {
	case f.disabled > 0 && f.includeDisabled:
		fmt.Fprintf(w, "  rules with enabled = false run (--include-disabled): %d\n", f.disabled)
	case f.disabled > 0:
		fmt.Fprintf(w, "  rules not run, enabled = false: %d (use --include-disabled)\n", f.disabled)
	}
	for _, st := range stats {
		if st.Excepted > 0 {
			fmt.Fprintf(w, "  value list exceptions removed for %q: %d results\n", st.Rule.Name, st.Excepted)
		}
		if st.Suppressed > 0 {
			fmt.Fprintf(w, "  alerts suppressed for %q: %d\n", st.Rule.Name, st.Suppressed)
		}
		if st.SuppressionOverflow > 0 {
			fmt.Fprintf(w, "  suppression state full for %q: %d groups closed early\n", st.Rule.Name, st.SuppressionOverflow)
		}
	}
}

// inEffect says which of a rule's exceptions_list, alert_suppression and
// investigation_fields take effect when it runs, and why the others do
// not (for vigil rules check).
func inEffect(r *rule.Rule, runs bool, rs *engine.RuleSet, store *exception.Store) (in []string, not map[string]string) {
	not = map[string]string{}
	if len(r.ExceptionsList) > 0 {
		exc := rs.Exceptions(r)
		switch {
		case !runs:
			not["exceptions_list"] = "the rule does not run"
		case store == nil:
			not["exceptions_list"] = "no exception lists loaded (--exceptions)"
		case exc != nil && len(exc.Missing) > 0:
			not["exceptions_list"] = "not loaded: " + strings.Join(exc.Missing, ", ")
		default:
			in = append(in, "exceptions_list")
		}
	}
	if r.AlertSuppression != nil {
		if runs {
			in = append(in, "alert_suppression")
		} else {
			not["alert_suppression"] = "the rule does not run"
		}
	}
	if len(r.InvestigationFields) > 0 {
		if runs {
			in = append(in, "investigation_fields")
		} else {
			not["investigation_fields"] = "the rule does not run"
		}
	}
	if len(not) == 0 {
		not = nil
	}
	return in, not
}
