package attack

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

// Tactic is an ATT&CK enterprise tactic: its id (TA0002), name and the
// short name the Navigator uses in a technique's "tactic" field.
type Tactic struct {
	ID, Name, Short string
}

// Tactics lists the enterprise tactics in the matrix order ATT&CK uses,
// from reconnaissance to impact.
var Tactics = []Tactic{
	{"TA0043", "Reconnaissance", "reconnaissance"},
	{"TA0042", "Resource Development", "resource-development"},
	{"TA0001", "Initial Access", "initial-access"},
	{"TA0002", "Execution", "execution"},
	{"TA0003", "Persistence", "persistence"},
	{"TA0004", "Privilege Escalation", "privilege-escalation"},
	{"TA0005", "Defense Evasion", "defense-evasion"},
	{"TA0006", "Credential Access", "credential-access"},
	{"TA0007", "Discovery", "discovery"},
	{"TA0008", "Lateral Movement", "lateral-movement"},
	{"TA0009", "Collection", "collection"},
	{"TA0011", "Command and Control", "command-and-control"},
	{"TA0010", "Exfiltration", "exfiltration"},
	{"TA0040", "Impact", "impact"},
}

// tacticOf finds a tactic by id or, failing that, by name (rules written
// by hand sometimes carry only one of them).
func tacticOf(e rule.ThreatEntry) (Tactic, int) {
	for i, t := range Tactics {
		if e.ID != "" && strings.EqualFold(e.ID, t.ID) {
			return t, i
		}
	}
	for i, t := range Tactics {
		if strings.EqualFold(strings.TrimSpace(e.Name), t.Name) {
			return t, i
		}
	}
	// Unknown tactics sort after the known ones, by name.
	short := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(e.Name)), " ", "-")
	return Tactic{ID: e.ID, Name: e.Name, Short: short}, len(Tactics)
}

// Cell is one technique (or sub-technique) under one tactic, with what
// covers it: rule names and a count (rules for coverage, alerts for a
// hunt).
type Cell struct {
	Tactic        Tactic
	TechniqueID   string // T1569 or T1569.002
	TechniqueName string
	Count         int
	Rules         []string // sorted, distinct
	order         int      // the tactic's index in Tactics
}

// Coverage counts ATT&CK tactic x technique cells. The zero value is
// empty and ready to use.
type Coverage struct {
	cells map[string]*Cell // tactic short name + "/" + technique id
	// Unmapped counts rules or alerts without any ATT&CK technique.
	Unmapped int
}

// Add counts r once under each tactic x technique (and sub-technique) it
// maps to, n times (1 for a rule, the number of alerts for a hunt).
func (c *Coverage) Add(r *rule.Rule, n int) {
	if c.cells == nil {
		c.cells = make(map[string]*Cell)
	}
	mapped := false
	for _, th := range r.Threat {
		if th.Framework != "" && !strings.HasPrefix(th.Framework, "MITRE ATT&CK") {
			continue
		}
		tac, order := tacticOf(th.Tactic)
		for _, te := range th.Technique {
			c.add(tac, order, te.ID, te.Name, r.Name, n)
			mapped = true
			for _, s := range te.Subtechnique {
				c.add(tac, order, s.ID, te.Name+": "+s.Name, r.Name, n)
			}
		}
	}
	if !mapped {
		c.Unmapped += n
	}
}

func (c *Coverage) add(tac Tactic, order int, id, name, ruleName string, n int) {
	if id == "" {
		return
	}
	key := tac.Short + "/" + id
	cell := c.cells[key]
	if cell == nil {
		cell = &Cell{Tactic: tac, TechniqueID: id, TechniqueName: name, order: order}
		c.cells[key] = cell
	}
	cell.Count += n
	if i, found := slices.BinarySearch(cell.Rules, ruleName); !found {
		cell.Rules = slices.Insert(cell.Rules, i, ruleName)
	}
}

// Cells returns the cells in matrix order: by tactic, then technique id.
func (c *Coverage) Cells() []Cell {
	out := make([]Cell, 0, len(c.cells))
	for _, cell := range c.cells {
		out = append(out, *cell)
	}
	slices.SortFunc(out, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.Tactic.Name, b.Tactic.Name),
			cmp.Compare(a.TechniqueID, b.TechniqueID))
	})
	return out
}

// WriteMatrix prints the cells as a table with one row per tactic x
// technique, the tactic named once per group: what "vigil rules coverage"
// shows. label names the count column (RULES or ALERTS). Names are cut to
// fit width columns (0: no limit).
func (c *Coverage) WriteMatrix(w io.Writer, label string, width int) error {
	cells := c.Cells()
	tw, idw := len("TACTIC"), len("TECHNIQUE")
	for _, cell := range cells {
		tw = max(tw, len(cell.Tactic.Name))
		idw = max(idw, len(cell.TechniqueID))
	}
	cw := max(len(label), 5)
	namew := 0
	if width > 0 {
		namew = max(width-tw-idw-cw-6, 12)
	}
	if _, err := fmt.Fprintf(w, "%-*s  %-*s  %*s  %s\n", tw, "TACTIC", idw, "TECHNIQUE", cw, label, "NAME"); err != nil {
		return err
	}
	prev := ""
	tactics := 0
	for _, cell := range cells {
		tac := ""
		if cell.Tactic.Name != prev {
			tac, prev = cell.Tactic.Name, cell.Tactic.Name
			tactics++
		}
		name := cell.TechniqueName
		if namew > 0 {
			name = Ellipsis(name, namew)
		}
		if _, err := fmt.Fprintf(w, "%-*s  %-*s  %*d  %s\n", tw, tac, idw, cell.TechniqueID, cw, cell.Count, name); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d tactics, %d tactic x technique cells", tactics, len(cells))
	if err == nil && c.Unmapped > 0 {
		_, err = fmt.Fprintf(w, ", %d without an ATT&CK mapping", c.Unmapped)
	}
	if err == nil {
		_, err = fmt.Fprintln(w)
	}
	return err
}

// Ellipsis cuts s to at most n runes, ending in "…" when it was cut.
func Ellipsis(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
