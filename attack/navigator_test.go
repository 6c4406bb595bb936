package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
)

// checkLayer45 validates a layer document against the ATT&CK Navigator
// layer file format, version 4.5 (mitre-attack/attack-navigator,
// layers/spec/v4.5/layerformat.md): the required properties (name,
// domain; versions.navigator and versions.layer when versions is
// present; techniqueID per technique; gradient colors/minValue/maxValue),
// the types of every property vigil writes, and the value rules the spec
// states (domain names, layer "4.5", navigator at least "4.9.0", sorting
// 0-3, technique ids T####[.###], maxValue > minValue, at least two
// gradient colours, layout and aggregate enumerations).
func checkLayer45(doc []byte) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	var l map[string]any
	if err := json.Unmarshal(doc, &l); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	str := func(m map[string]any, key, where string, required bool) (string, bool) {
		v, ok := m[key]
		if !ok {
			if required {
				bad("%s: required property %q missing", where, key)
			}
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			bad("%s.%s: want a string, have %T", where, key, v)
		}
		return s, ok
	}
	num := func(m map[string]any, key, where string, required bool) (float64, bool) {
		v, ok := m[key]
		if !ok {
			if required {
				bad("%s: required property %q missing", where, key)
			}
			return 0, false
		}
		f, ok := v.(float64)
		if !ok {
			bad("%s.%s: want a number, have %T", where, key, v)
		}
		return f, ok
	}
	boolean := func(m map[string]any, key, where string) {
		if v, ok := m[key]; ok {
			if _, ok := v.(bool); !ok {
				bad("%s.%s: want a boolean, have %T", where, key, v)
			}
		}
	}
	object := func(m map[string]any, key, where string) map[string]any {
		v, ok := m[key]
		if !ok {
			return nil
		}
		o, ok := v.(map[string]any)
		if !ok {
			bad("%s.%s: want an object, have %T", where, key, v)
		}
		return o
	}
	str(l, "name", "layer", true)
	str(l, "description", "layer", false)
	if d, ok := str(l, "domain", "layer", true); ok && d != "enterprise-attack" && d != "mobile-attack" && d != "ics-attack" {
		bad("layer.domain: %q is not enterprise-attack, mobile-attack or ics-attack", d)
	}
	if v := object(l, "versions", "layer"); v != nil {
		str(v, "attack", "versions", false)
		if s, ok := str(v, "layer", "versions", true); ok && s != "4.5" {
			bad("versions.layer: %q, must be \"4.5\"", s)
		}
		if s, ok := str(v, "navigator", "versions", true); ok && versionLess(s, "4.9.0") {
			bad("versions.navigator: %q, must be at least \"4.9.0\"", s)
		}
	}
	if f := object(l, "filters", "layer"); f != nil {
		if p, ok := f["platforms"].([]any); !ok {
			bad("filters.platforms: want an array of strings")
		} else {
			valid := "PRE Windows Linux macOS Network AWS GCP Azure Azure AD Office 365 SaaS"
			for _, e := range p {
				if s, ok := e.(string); !ok || !strings.Contains(valid, s) {
					bad("filters.platforms: %v is not an enterprise platform", e)
				}
			}
		}
	}
	if s, ok := num(l, "sorting", "layer", false); ok && (s < 0 || s > 3 || s != float64(int(s))) {
		bad("layer.sorting: %v not 0, 1, 2 or 3", s)
	}
	boolean(l, "hideDisabled", "layer")
	if lay := object(l, "layout", "layer"); lay != nil {
		if s, ok := str(lay, "layout", "layout", false); ok && s != "side" && s != "flat" && s != "mini" {
			bad("layout.layout: %q", s)
		}
		if s, ok := str(lay, "aggregateFunction", "layout", false); ok && !strings.Contains(" average min max sum ", " "+s+" ") {
			bad("layout.aggregateFunction: %q", s)
		}
		if s, ok := str(lay, "expandedSubtechniques", "layout", false); ok && s != "none" && s != "all" && s != "annotated" {
			bad("layout.expandedSubtechniques: %q", s)
		}
		for _, k := range []string{"showID", "showName", "showAggregateScores", "countUnscored"} {
			boolean(lay, k, "layout")
		}
	}
	idRE := regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	shortRE := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	if ts, ok := l["techniques"]; ok {
		arr, ok := ts.([]any)
		if !ok {
			bad("layer.techniques: want an array")
		}
		for i, e := range arr {
			where := fmt.Sprintf("techniques[%d]", i)
			t, ok := e.(map[string]any)
			if !ok {
				bad("%s: want an object", where)
				continue
			}
			if id, ok := str(t, "techniqueID", where, true); ok && !idRE.MatchString(id) {
				bad("%s.techniqueID: %q is not T#### or T####.###", where, id)
			}
			if s, ok := str(t, "tactic", where, false); ok && !shortRE.MatchString(s) {
				bad("%s.tactic: %q is not a tactic short name such as lateral-movement", where, s)
			}
			str(t, "comment", where, false)
			str(t, "color", where, false)
			num(t, "score", where, false)
			boolean(t, "enabled", where)
			boolean(t, "showSubtechniques", where)
		}
	}
	if g := object(l, "gradient", "layer"); g != nil {
		cs, ok := g["colors"].([]any)
		if !ok || len(cs) < 2 {
			bad("gradient.colors: want an array of at least two colours")
		}
		for _, c := range cs {
			if s, ok := c.(string); !ok || !regexp.MustCompile(`^#[0-9a-fA-F]{6}$`).MatchString(s) {
				bad("gradient.colors: %v is not #rrggbb", c)
			}
		}
		lo, ok1 := num(g, "minValue", "gradient", true)
		hi, ok2 := num(g, "maxValue", "gradient", true)
		if ok1 && ok2 && hi <= lo {
			bad("gradient: maxValue %v must be > minValue %v", hi, lo)
		}
	}
	return errs
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// TestCheckLayer45Rejects makes sure the validator itself catches what
// the spec forbids, so that a passing layer test means something.
func TestCheckLayer45Rejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"no name", `{"domain":"enterprise-attack"}`, `layer: required property "name" missing`},
		{"bad domain", `{"name":"x","domain":"mitre-enterprise"}`, `layer.domain: "mitre-enterprise" is not enterprise-attack, mobile-attack or ics-attack`},
		{"old layer", `{"name":"x","domain":"enterprise-attack","versions":{"navigator":"4.9.0","layer":"4.4"}}`, `versions.layer: "4.4", must be "4.5"`},
		{"old navigator", `{"name":"x","domain":"enterprise-attack","versions":{"navigator":"4.8.2","layer":"4.5"}}`, `versions.navigator: "4.8.2", must be at least "4.9.0"`},
		{"bad id", `{"name":"x","domain":"enterprise-attack","techniques":[{"techniqueID":"1569.002"}]}`, `techniques[0].techniqueID: "1569.002" is not T#### or T####.###`},
		{"tactic name", `{"name":"x","domain":"enterprise-attack","techniques":[{"techniqueID":"T1569","tactic":"Lateral Movement"}]}`, `techniques[0].tactic: "Lateral Movement" is not a tactic short name such as lateral-movement`},
		{"score string", `{"name":"x","domain":"enterprise-attack","techniques":[{"techniqueID":"T1569","score":"3"}]}`, `techniques[0].score: want a number, have string`},
		{"gradient", `{"name":"x","domain":"enterprise-attack","gradient":{"colors":["#ffffff","#ff0000"],"minValue":1,"maxValue":1}}`, `gradient: maxValue 1 must be > minValue 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := checkLayer45([]byte(tc.doc))
			if len(errs) != 1 || errs[0] != tc.want {
				t.Errorf("errors %q, want [%q]", errs, tc.want)
			}
		})
	}
}

// TestLayerOfElasticRules builds the coverage of Elastic's Windows rules
// and checks the layer against the 4.5 format and against the rules: every
// technique id of every rule is in the layer under its tactic, scored by
// the number of rules that map to it.
func TestLayerOfElasticRules(t *testing.T) {
	dir := testenv.Path(t, "corpus", "detection-rules", "rules", "windows")
	rules, _, _ := rule.LoadPaths(dir)
	if len(rules) < 100 {
		t.Fatalf("%d rules loaded from %s", len(rules), dir)
	}
	var c Coverage
	want := map[string]int{}
	for _, r := range rules {
		c.Add(r, 1)
		seen := map[string]bool{}
		for _, th := range r.Threat {
			tac, _ := tacticOf(th.Tactic)
			for _, te := range th.Technique {
				for _, id := range append([]string{te.ID}, subIDs(te)...) {
					k := tac.Short + "/" + id
					if !seen[k] {
						seen[k] = true
						want[k]++
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	if _, err := c.Layer("vigil coverage", "rules in "+filepath.Base(dir)).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	for _, e := range checkLayer45(buf.Bytes()) {
		t.Error(e)
	}
	var got Layer
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Techniques) != len(want) {
		t.Errorf("%d layer techniques, want %d", len(got.Techniques), len(want))
	}
	for _, te := range got.Techniques {
		k := te.Tactic + "/" + te.TechniqueID
		if te.Score != want[k] {
			t.Errorf("%s: score %d, want %d rules", k, te.Score, want[k])
		}
		if n := len(strings.Split(te.Comment, "; ")); n > te.Score {
			t.Errorf("%s: %d rule names in the comment for score %d", k, n, te.Score)
		}
	}
	if got.Gradient.MaxValue < 2 {
		t.Errorf("gradient max %d: the most covered technique of Elastic's Windows rules has more than one rule", got.Gradient.MaxValue)
	}
}

func subIDs(te rule.Technique) []string {
	var out []string
	for _, s := range te.Subtechnique {
		out = append(out, s.ID)
	}
	return out
}

func TestMatrix(t *testing.T) {
	mk := func(name, tacID, tacName string, techs ...string) *rule.Rule {
		th := rule.Threat{Framework: "MITRE ATT&CK", Tactic: rule.ThreatEntry{ID: tacID, Name: tacName}}
		for _, id := range techs {
			p, sub, ok := strings.Cut(id, ".")
			te := rule.Technique{ID: p, Name: "Tech " + p}
			if ok {
				te.Subtechnique = []rule.ThreatEntry{{ID: id, Name: "Sub " + sub}}
			}
			th.Technique = append(th.Technique, te)
		}
		return &rule.Rule{Name: name, Threat: []rule.Threat{th}}
	}
	var c Coverage
	c.Add(mk("Remote service via sc.exe", "TA0008", "Lateral Movement", "T1021.002"), 1)
	c.Add(mk("PsExec service install", "TA0002", "Execution", "T1569.002"), 1)
	c.Add(mk("Service with a shell image path", "", "Execution", "T1569.002"), 1)
	c.Add(&rule.Rule{Name: "no mapping"}, 1)
	var buf bytes.Buffer
	if err := c.WriteMatrix(&buf, "RULES", 60); err != nil {
		t.Fatal(err)
	}
	want := `TACTIC            TECHNIQUE  RULES  NAME
Execution         T1569          2  Tech T1569
                  T1569.002      2  Tech T1569: Sub 002
Lateral Movement  T1021          1  Tech T1021
                  T1021.002      1  Tech T1021: Sub 002
2 tactics, 4 tactic x technique cells, 1 without an ATT&CK mapping
`
	if buf.String() != want {
		t.Errorf("matrix:\n%s\nwant:\n%s", buf.String(), want)
	}
}
