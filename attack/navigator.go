package attack

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

// Layer is an ATT&CK Navigator layer, format version 4.5 (the Navigator's
// layers/spec/v4.5/layerformat.md): only the properties vigil fills in.
type Layer struct {
	Name         string           `json:"name"`
	Versions     LayerVersions    `json:"versions"`
	Domain       string           `json:"domain"`
	Description  string           `json:"description,omitempty"`
	Filters      *LayerFilters    `json:"filters,omitempty"`
	Sorting      int              `json:"sorting"`
	Layout       *LayerLayout     `json:"layout,omitempty"`
	HideDisabled bool             `json:"hideDisabled"`
	Techniques   []LayerTechnique `json:"techniques"`
	Gradient     *Gradient        `json:"gradient,omitempty"`
	Metadata     []Metadata       `json:"metadata,omitempty"`
}

// LayerVersions names the layer format, Navigator and ATT&CK versions.
type LayerVersions struct {
	Attack    string `json:"attack,omitempty"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// LayerFilters restricts the platforms shown.
type LayerFilters struct {
	Platforms []string `json:"platforms"`
}

// LayerLayout is how the Navigator draws the matrix.
type LayerLayout struct {
	Layout              string `json:"layout"`
	ShowID              bool   `json:"showID"`
	ShowName            bool   `json:"showName"`
	ShowAggregateScores bool   `json:"showAggregateScores"`
	AggregateFunction   string `json:"aggregateFunction"`
	ExpandedSubtechs    string `json:"expandedSubtechniques"`
}

// LayerTechnique annotates one technique under one tactic.
type LayerTechnique struct {
	TechniqueID       string     `json:"techniqueID"`
	Tactic            string     `json:"tactic,omitempty"`
	Score             int        `json:"score"`
	Comment           string     `json:"comment,omitempty"`
	Enabled           bool       `json:"enabled"`
	Metadata          []Metadata `json:"metadata,omitempty"`
	ShowSubtechniques bool       `json:"showSubtechniques,omitempty"`
}

// Gradient maps scores to colours.
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// Metadata is a name/value note on a layer or technique.
type Metadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Layer format constants: the version this package writes and the oldest
// Navigator that reads it (as the 4.5 spec requires: at least 4.9.0).
const (
	LayerVersion     = "4.5"
	NavigatorVersion = "4.9.0"
	Domain           = "enterprise-attack"
)

// Layer returns the coverage as a Navigator layer: one technique entry
// per tactic x technique cell, scored by its count, with the rule names as
// the comment. A parent technique whose sub-technique is covered is
// expanded in the view.
func (c *Coverage) Layer(name, description string) *Layer {
	cells := c.Cells()
	l := &Layer{
		Name:        name,
		Versions:    LayerVersions{Navigator: NavigatorVersion, Layer: LayerVersion},
		Domain:      Domain,
		Description: description,
		Filters:     &LayerFilters{Platforms: []string{"Windows"}},
		Sorting:     3, // descending score
		Layout: &LayerLayout{Layout: "side", ShowID: true, ShowName: true, ShowAggregateScores: true,
			AggregateFunction: "max", ExpandedSubtechs: "annotated"},
		Techniques: make([]LayerTechnique, 0, len(cells)),
	}
	hi := 1
	parents := map[string]bool{}
	for _, cell := range cells {
		hi = max(hi, cell.Count)
		if p, _, ok := strings.Cut(cell.TechniqueID, "."); ok {
			parents[cell.Tactic.Short+"/"+p] = true
		}
	}
	for _, cell := range cells {
		l.Techniques = append(l.Techniques, LayerTechnique{
			TechniqueID:       cell.TechniqueID,
			Tactic:            cell.Tactic.Short,
			Score:             cell.Count,
			Comment:           strings.Join(cell.Rules, "; "),
			Enabled:           true,
			ShowSubtechniques: parents[cell.Tactic.Short+"/"+cell.TechniqueID],
		})
	}
	l.Gradient = &Gradient{Colors: []string{"#ffffff", "#66b1ff", "#ff6666"}, MinValue: 0, MaxValue: hi}
	return l
}

// RulesLayer is the Navigator layer of the rules' coverage, scored by the
// number of rules per technique: what vigil rules coverage --navigator
// writes and vigil serve's /api/coverage/navigator serves. from says
// where the rules came from.
func RulesLayer(rules []*rule.Rule, from string) *Layer {
	var c Coverage
	for _, r := range rules {
		c.Add(r, 1)
	}
	return c.Layer("vigil rule coverage", fmt.Sprintf("%d rules from %s", len(rules), from))
}

// WriteTo writes the layer as indented JSON.
func (l *Layer) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return 0, err
	}
	b = append(b, '\n')
	n, err := w.Write(b)
	return int64(n), err
}
