package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/sigma"
)

const rulesUsage = `
usage: vigil rules check [--format text|json] [--exceptions PATH] [--value-list [ID=]PATH] PATH...
       vigil rules test [-v] [-run REGEXP] [--format text|json] PATH...  (see vigil rules test -h)
       vigil rules list [--rules PATH]... [--format table|json]
       vigil rules coverage [--rules PATH]... [--navigator FILE]

Loads detection-rules TOML files and folders (recursively; _deprecated
folders are skipped) and compiles every rule as vigil hunt would. Each rule
is reported as ok, unsupported (with the reason: a rule type or language
vigil does not run) or error (with file:line:col), marked [disabled] when
it is written with enabled = false (hunt skips it without
--include-disabled), and with which of its exceptions_list,
alert_suppression and investigation_fields are in effect (exceptions need
their lists: --exceptions, or exceptions TOML files among the rules),
and with warnings (a Sigma placeholder without values, read only in a
negated filter: an empty allowlist), followed by a summary by rule type
and language.

The json format is one object:
  {"rules":[{"path","rule_id","name","type","language","status","error",
             "disabled","in_effect":[...],"not_in_effect":{field: why},
             "warnings":[...]}],
   "summary":{"total":N,"disabled":N,"ok":N,"unsupported":N,"error":N,
              "by_type":{"eql/eql":{"ok":N,...},...}}}

Exit status: 0 when every rule is ok or unsupported, 2 when a rule has an
error, 1 on bad usage.
`

type rulesCmd struct{}

func (*rulesCmd) Name() string { return "rules" }
func (*rulesCmd) Synopsis() string {
	return "check detection rules: which load, run, or are unsupported"
}

func (c *rulesCmd) Run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		if sub := rulesSubcommands[args[0]]; sub != nil {
			return sub(ctx, args[1:])
		}
	}
	if len(args) == 0 || args[0] != "check" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			newFlagSet("rules", rulesUsage).Usage()
			return &exitError{code: 0, err: errSilent}
		}
		return usageError("rules: want 'vigil rules check|test|list|coverage' (run 'vigil rules -h')")
	}
	fs := newFlagSet("rules check", rulesUsage)
	format := fs.String("format", "text", "output format: text or json")
	var ff fidelityFlags
	ff.register(fs)
	var sf sigmaFlags
	fs.Var(&sf.placeholders, "sigma-placeholder", "`name=value` of a Sigma %name% placeholder (expand modifier; repeatable)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError("rules check: unknown format %q (want text or json)", *format)
	}
	if fs.NArg() == 0 {
		return usageError("rules check: no PATH given")
	}
	placeholders, err := sf.placeholderValues()
	if err != nil {
		return usageError("rules check: %v", err)
	}
	report, err := checkRules(fs.Args(), &ff, placeholders)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("rules check: %w", err)}
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		report.printText()
	}
	if report.Summary.Error > 0 {
		return &exitError{code: 2, err: errSilent}
	}
	return nil
}

// ruleReport is the outcome of checking one rule (or one file that did
// not load).
type ruleReport struct {
	Path     string `json:"path"`
	RuleID   string `json:"rule_id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Language string `json:"language"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	// Disabled marks enabled = false: hunt does not run the rule without
	// --include-disabled.
	Disabled bool `json:"disabled,omitempty"`
	// InEffect lists which of exceptions_list, alert_suppression and
	// investigation_fields the rule has and vigil applies; NotInEffect
	// says why the others it has do not apply.
	InEffect    []string          `json:"in_effect,omitempty"`
	NotInEffect map[string]string `json:"not_in_effect,omitempty"`
	// Warnings say how a rule that runs differs from the rule as
	// written: a Sigma placeholder without values.
	Warnings []string `json:"warnings,omitempty"`
}

type statusCounts struct {
	OK          int `json:"ok"`
	Unsupported int `json:"unsupported"`
	Error       int `json:"error"`
}

func (s *statusCounts) add(status string) {
	switch status {
	case "ok":
		s.OK++
	case "unsupported":
		s.Unsupported++
	default:
		s.Error++
	}
}

type checkSummary struct {
	Total    int `json:"total"`
	Disabled int `json:"disabled"`
	statusCounts
	ByType map[string]*statusCounts `json:"by_type"`
}

type checkReport struct {
	Rules   []ruleReport `json:"rules"`
	Summary checkSummary `json:"summary"`
}

// checkRules loads and compiles the rules under paths, with the exception
// lists f loads.
func checkRules(paths []string, f *fidelityFlags, placeholders map[string][]string) (*checkReport, error) {
	rules, _, errs := f.loadRules(paths)
	rep := &checkReport{Rules: []ruleReport{}, Summary: checkSummary{ByType: map[string]*statusCounts{}}}
	for _, err := range errs {
		rep.Rules = append(rep.Rules, ruleReport{Path: errPath(err), Status: "error", Error: err.Error()})
	}
	store, err := f.loadExceptions()
	if err != nil {
		return nil, err
	}
	rs, statuses := engine.Compile(rules, engine.Options{Exceptions: store, SigmaPlaceholders: placeholders})
	for _, s := range statuses {
		r := s.Rule
		rr := ruleReport{Path: r.Path, RuleID: r.ID, Name: r.Name, Type: r.Type, Language: r.Language, Status: string(s.State),
			Disabled: !r.IsEnabled()}
		rr.InEffect, rr.NotInEffect = inEffect(r, s.State == engine.OK, rs, store)
		if sr := sigma.FromRule(r); sr != nil && s.State == engine.OK {
			for _, name := range sr.UnsetPlaceholders(placeholders) {
				rr.Warnings = append(rr.Warnings, fmt.Sprintf("placeholder %%%s%% has no values: an empty allowlist, its filter excludes nothing (--sigma-placeholder %s=VALUE)", name, name))
			}
		}
		switch s.State {
		case engine.Unsupported:
			rr.Error = s.Reason
		case engine.Failed:
			rr.Error = srcpos.Render(s.Err)
		}
		rep.Rules = append(rep.Rules, rr)
	}
	sort.SliceStable(rep.Rules, func(i, j int) bool { return rep.Rules[i].Path < rep.Rules[j].Path })
	for _, rr := range rep.Rules {
		rep.Summary.Total++
		if rr.Disabled {
			rep.Summary.Disabled++
		}
		rep.Summary.add(rr.Status)
		key := rr.Type + "/" + rr.Language
		if rr.Type == "" {
			key = "unreadable"
		}
		if rep.Summary.ByType[key] == nil {
			rep.Summary.ByType[key] = &statusCounts{}
		}
		rep.Summary.ByType[key].add(rr.Status)
	}
	return rep, nil
}

// errPath extracts the file of a load error.
func errPath(err error) string {
	var list srcpos.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return list[0].Pos.File
	}
	s := err.Error()
	if i := strings.Index(s, ":"); i > 0 {
		return s[:i]
	}
	return ""
}

func (rep *checkReport) printText() {
	for _, rr := range rep.Rules {
		switch rr.Status {
		case "ok":
			fmt.Fprintf(stdout, "ok           %s  %s%s\n", rr.Path, rr.Name, rr.effects())
		case "unsupported":
			fmt.Fprintf(stdout, "unsupported  %s  %s (%s)\n", rr.Path, rr.Name, rr.Error)
		default:
			fmt.Fprintf(stdout, "error        %s\n", strings.ReplaceAll(rr.Error, "\n", "\n             "))
		}
	}
	s := rep.Summary
	fmt.Fprintf(stdout, "\n%d rules: %d ok, %d unsupported, %d errors; %d disabled (enabled = false)\n", s.Total, s.OK, s.Unsupported, s.Error, s.Disabled)
	keys := make([]string, 0, len(s.ByType))
	for k := range s.ByType {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := s.ByType[k]
		fmt.Fprintf(stdout, "  %-24s %5d ok  %5d unsupported  %5d errors\n", k, c.OK, c.Unsupported, c.Error)
	}
}

// effects describes, after a rule's name, whether it is disabled and
// which of its exceptions, suppression and investigation fields apply.
func (rr *ruleReport) effects() string {
	var b strings.Builder
	if rr.Disabled {
		b.WriteString(" [disabled]")
	}
	if len(rr.InEffect) > 0 {
		b.WriteString(" [in effect: " + strings.Join(rr.InEffect, ", ") + "]")
	}
	keys := make([]string, 0, len(rr.NotInEffect))
	for k := range rr.NotInEffect {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(" [" + k + " not in effect: " + rr.NotInEffect[k] + "]")
	}
	for _, w := range rr.Warnings {
		b.WriteString(" [warning: " + w + "]")
	}
	return b.String()
}
