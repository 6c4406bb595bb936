package web

import (
	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/rule"
)

// Coverage is the page's ATT&CK heat map: per tactic x technique cell, how
// many loaded rules cover it and how many alerts it raised.
type Coverage struct {
	Tactics        []Tactic `json:"tactics"` // in matrix order, those with a cell
	Cells          []Cell   `json:"cells"`
	UnmappedRules  int      `json:"unmapped_rules"`
	UnmappedAlerts int      `json:"unmapped_alerts"`
}

// Tactic is one column of the matrix.
type Tactic struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Short string `json:"short"`
}

// Cell is one technique under one tactic.
type Cell struct {
	Tactic        string   `json:"tactic"` // Tactic.Short
	TechniqueID   string   `json:"technique_id"`
	TechniqueName string   `json:"technique_name"`
	Rules         int      `json:"rules"`
	Alerts        int      `json:"alerts"`
	RuleNames     []string `json:"rule_names"`
}

// CoverageOf builds the heat map of rules and of the alerts they raised
// (alerts: count per rule_id).
func CoverageOf(rules []*rule.Rule, alerts map[string]int) Coverage {
	var byRule, byAlert attack.Coverage
	for _, r := range rules {
		byRule.Add(r, 1)
		if n := alerts[r.ID]; n > 0 {
			byAlert.Add(r, n)
		}
	}
	out := Coverage{Cells: []Cell{}, Tactics: []Tactic{}, UnmappedRules: byRule.Unmapped, UnmappedAlerts: byAlert.Unmapped}
	index := map[string]int{}
	seen := map[string]bool{}
	for _, c := range byRule.Cells() {
		index[c.Tactic.Short+"/"+c.TechniqueID] = len(out.Cells)
		out.Cells = append(out.Cells, Cell{Tactic: c.Tactic.Short, TechniqueID: c.TechniqueID,
			TechniqueName: c.TechniqueName, Rules: c.Count, RuleNames: c.Rules})
		if !seen[c.Tactic.Short] {
			seen[c.Tactic.Short] = true
			out.Tactics = append(out.Tactics, Tactic{ID: c.Tactic.ID, Name: c.Tactic.Name, Short: c.Tactic.Short})
		}
	}
	// Every alert's rule is among rules, so each alert cell has a rule cell.
	for _, c := range byAlert.Cells() {
		if i, ok := index[c.Tactic.Short+"/"+c.TechniqueID]; ok {
			out.Cells[i].Alerts = c.Count
		}
	}
	return out
}
