package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

const rulesListUsage = `
usage: vigil rules list [--rules PATH]... [--format table|json]

Prints the loaded rules (the built-in pack without --rules): name, rule id,
type, language, severity, ATT&CK tactics and techniques, and whether the
rule is enabled: "yes" or "no" from the rule's enabled setting, or
"unsupported" / "error" when vigil cannot run it. On a terminal the table
fits its width; the json format is one object per rule per line.
`

const rulesCoverageUsage = `
usage: vigil rules coverage [--rules PATH]... [--navigator FILE]

Prints the MITRE ATT&CK tactic x technique matrix of the loaded rules (the
built-in pack without --rules) with the number of rules per technique, and
with --navigator writes it as an ATT&CK Navigator layer (format 4.5):
score = number of rules, comment = their names. Open the file in the
Navigator with "Open Existing Layer".
`

// ruleRow is one rule as "vigil rules list" shows it.
type ruleRow struct {
	Name       string   `json:"name"`
	RuleID     string   `json:"rule_id"`
	Type       string   `json:"type"`
	Language   string   `json:"language"`
	Severity   string   `json:"severity"`
	RiskScore  int      `json:"risk_score"`
	Tactics    []string `json:"tactics"`
	Techniques []string `json:"techniques"`
	Enabled    string   `json:"enabled"`
	Path       string   `json:"path"`
}

// loadRulesReport loads rules (the built-in pack without paths), prints
// load errors to stderr, and compiles them to learn which can run.
func loadRulesReport(paths []string) ([]*rule.Rule, map[*rule.Rule]engine.Status, error) {
	rules, _, errs := loadRules(paths)
	for _, err := range errs {
		fmt.Fprintln(stderr, "vigil:", err)
	}
	if len(rules) == 0 {
		return nil, nil, &exitError{code: 1, err: fmt.Errorf("no rules loaded from %s", strings.Join(paths, ", "))}
	}
	_, statuses := engine.New(rules, engine.Options{Aliases: winlog.Aliases}, nil)
	byRule := make(map[*rule.Rule]engine.Status, len(statuses))
	for _, s := range statuses {
		byRule[s.Rule] = s
	}
	return rules, byRule, nil
}

func rulesList(_ context.Context, args []string) error {
	fs := newFlagSet("rules list", rulesListUsage)
	var paths stringList
	fs.Var(&paths, "rules", "rule `path` (TOML file or folder; repeatable); default: the built-in pack")
	format := fs.String("format", "table", "output format: table or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	paths = append(paths, fs.Args()...)
	if *format != "table" && *format != "json" {
		return usageError("rules list: unknown format %q (want table or json)", *format)
	}
	rules, statuses, err := loadRulesReport(paths)
	if err != nil {
		return err
	}
	rows := make([]ruleRow, 0, len(rules))
	for _, r := range rules {
		row := ruleRow{Name: r.Name, RuleID: r.ID, Type: r.Type, Language: r.Language, Severity: r.Severity,
			RiskScore: r.RiskScore, Tactics: []string{}, Techniques: []string{}, Enabled: "yes", Path: r.Path}
		for _, th := range r.Threat {
			if th.Tactic.Name != "" {
				row.Tactics = append(row.Tactics, th.Tactic.Name)
			}
			for _, te := range th.Technique {
				row.Techniques = append(row.Techniques, te.ID)
				for _, s := range te.Subtechnique {
					row.Techniques = append(row.Techniques, s.ID)
				}
			}
		}
		if r.Enabled != nil && !*r.Enabled {
			row.Enabled = "no"
		}
		switch statuses[r].State {
		case engine.Unsupported:
			row.Enabled = "unsupported"
		case engine.Failed:
			row.Enabled = "error"
		}
		rows = append(rows, row)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, row := range rows {
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
		return nil
	}
	width, _ := terminal(stdout)
	return writeRulesTable(rows, width)
}

// writeRulesTable prints the rules list; with width > 0 the NAME and
// ATT&CK columns shrink (with an ellipsis) so that a row fits.
func writeRulesTable(rows []ruleRow, width int) error {
	// Below 120 columns the table leaves out LANGUAGE and TACTICS (the
	// type and the techniques say enough) and shows rule ids by their
	// first 8 characters; --format json has everything.
	narrow := width > 0 && width < 120
	header := []string{"NAME", "RULE ID", "TYPE", "LANGUAGE", "SEVERITY", "TACTICS", "TECHNIQUES", "ENABLED"}
	if narrow {
		header = []string{"NAME", "RULE ID", "TYPE", "SEVERITY", "TECHNIQUES", "ENABLED"}
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		techniques := orDash(strings.Join(leafTechniques(r.Techniques), " "))
		if narrow {
			cells[i] = []string{r.Name, shortID(r.RuleID), r.Type, r.Severity, techniques, r.Enabled}
			continue
		}
		cells[i] = []string{r.Name, r.RuleID, r.Type, orDash(r.Language), r.Severity,
			orDash(strings.Join(r.Tactics, ", ")), techniques, r.Enabled}
	}
	// NAME, then TACTICS and TECHNIQUES give way (narrow: TECHNIQUES first).
	shrink, least := []int{0, 5, 6}, []int{24, 12, 10}
	if narrow {
		shrink, least = []int{4, 0}, []int{9, 20}
	}
	widths := fitColumns(header, cells, width, shrink, least)
	return writeColumns(stdout, header, cells, widths)
}

// shortID is the start of a rule id, as git shortens commit ids.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// leafTechniques drops a technique id when one of its sub-techniques is
// listed: T1569.002 says T1569.
func leafTechniques(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !strings.Contains(id, ".") && slices.ContainsFunc(ids, func(o string) bool { return strings.HasPrefix(o, id+".") }) {
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fitColumns returns the width of each column: the widest cell, shrunk
// when the row is wider than width (0: no limit) in the order of shrink,
// each column to no less than its minimum.
func fitColumns(header []string, rows [][]string, width int, shrink, minimum []int) []int {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = runeLen(h)
	}
	for _, r := range rows {
		for i, c := range r {
			w[i] = max(w[i], runeLen(c))
		}
	}
	if width <= 0 {
		return w
	}
	total := 2 * (len(w) - 1)
	for _, n := range w {
		total += n
	}
	for k, col := range shrink {
		if total <= width {
			break
		}
		least := max(minimum[k], runeLen(header[col]))
		cut := min(total-width, w[col]-least)
		if cut > 0 {
			w[col] -= cut
			total -= cut
		}
	}
	return w
}

func runeLen(s string) int { return len([]rune(s)) }

// writeColumns writes left-aligned columns two spaces apart, cutting cells
// to their width with an ellipsis; the last column is not padded.
func writeColumns(out interface{ Write([]byte) (int, error) }, header []string, rows [][]string, widths []int) error {
	var b strings.Builder
	line := func(cells []string) {
		for i, c := range cells {
			c = attack.Ellipsis(c, widths[i])
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runeLen(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	_, err := out.Write([]byte(b.String()))
	return err
}

func rulesCoverage(_ context.Context, args []string) error {
	fs := newFlagSet("rules coverage", rulesCoverageUsage)
	var paths stringList
	fs.Var(&paths, "rules", "rule `path` (TOML file or folder; repeatable); default: the built-in pack")
	navigator := fs.String("navigator", "", "write an ATT&CK Navigator layer (JSON) to `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	paths = append(paths, fs.Args()...)
	rules, statuses, err := loadRulesReport(paths)
	if err != nil {
		return err
	}
	var c attack.Coverage
	var running []*rule.Rule
	for _, r := range rules {
		if st := statuses[r].State; st == engine.Unsupported || st == engine.Failed {
			continue
		}
		c.Add(r, 1)
		running = append(running, r)
	}
	skipped := len(rules) - len(running)
	width, _ := terminal(stdout)
	if err := c.WriteMatrix(stdout, "RULES", width); err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(stdout, "%d rules vigil cannot run are not counted (see 'vigil rules list')\n", skipped)
	}
	if *navigator != "" {
		what := "the built-in pack"
		if len(paths) > 0 {
			what = strings.Join(paths, ", ")
		}
		return writeLayer(*navigator, attack.RulesLayer(running, what))
	}
	return nil
}

// writeLayer writes a Navigator layer to path.
func writeLayer(path string, l *attack.Layer) error {
	f, err := os.Create(path)
	if err != nil {
		return &exitError{code: 1, err: err}
	}
	if _, err := l.WriteTo(f); err != nil {
		f.Close()
		return &exitError{code: 1, err: err}
	}
	if err := f.Close(); err != nil {
		return &exitError{code: 1, err: err}
	}
	return nil
}

// rulesSubcommands are the "vigil rules" subcommands other than check.
var rulesSubcommands = map[string]func(context.Context, []string) error{
	"test":     rulesTest,
	"list":     rulesList,
	"coverage": rulesCoverage,
}
