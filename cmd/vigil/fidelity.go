package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/source"
)

// fidelityFlags are the hunt flags that decide which fields of a rule file
// take effect as Kibana makes them: enabled = false.
type fidelityFlags struct {
	includeDisabled bool
	// disabled counts the rules left out for enabled = false (or run
	// anyway, with includeDisabled).
	disabled int
	// noHostID names the rules joined by host.id when an input is EVTX.
	noHostID []string
}

func (f *fidelityFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.includeDisabled, "include-disabled", false, "also run rules written with enabled = false (Kibana does not run them)")
}

// selectEnabled drops the rules written with enabled = false unless
// --include-disabled is set, and counts them for the summary.
func (f *fidelityFlags) selectEnabled(rules []*rule.Rule) []*rule.Rule {
	run, disabled := rule.SplitEnabled(rules, f.includeDisabled)
	f.disabled = len(disabled)
	return run
}

// checkHostID notes the rules that join by host.id when an input is an
// EVTX file: no shipper added host.id to its records, so those rules
// cannot match them.
func (f *fidelityFlags) checkHostID(rules []*rule.Rule, inputs []source.Input) {
	evtx := false
	for _, in := range inputs {
		evtx = evtx || in.Format == source.EVTX
	}
	if !evtx {
		return
	}
	for _, r := range rules {
		if engine.JoinsBy(r, "host.id") {
			f.noHostID = append(f.noHostID, r.Name)
		}
	}
}

// summary prints the summary lines of the flags.
func (f *fidelityFlags) summary(w io.Writer) {
	for _, name := range f.noHostID {
		fmt.Fprintf(w, "  rule %q joins by host.id, which EVTX records do not carry\n", name)
	}
	switch {
	case f.disabled > 0 && f.includeDisabled:
		fmt.Fprintf(w, "  rules with enabled = false run (--include-disabled): %d\n", f.disabled)
	case f.disabled > 0:
		fmt.Fprintf(w, "  rules not run, enabled = false: %d (use --include-disabled)\n", f.disabled)
	}
}
