package sigma

import (
	"errors"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

func init() {
	rule.RegisterLoader(".yml", Load)
	rule.RegisterLoader(".yaml", Load)
}

// Language is the rule.Rule language of Sigma rules.
const Language = "sigma"

// TypeCorrelation is the rule.Rule type of Sigma correlation rules;
// detection rules (and filters, which the engine applies to the rules
// they name) are queries.
const TypeCorrelation = "sigma_correlation"

// Load parses a Sigma file into rules (rule.Loader).
func Load(path string, data []byte) ([]*rule.Rule, []rule.Warning, error) {
	srs, err := Parse(path, data)
	var out []*rule.Rule
	for _, sr := range srs {
		out = append(out, ToRule(sr))
	}
	var list srcpos.ErrorList
	if errors.As(err, &list) || err == nil {
		return out, nil, list.Err()
	}
	return out, nil, err
}

// Levels maps a Sigma level to the severity and risk score of its
// alerts, as Elastic maps them when it converts Sigma rules.
var Levels = map[string]struct {
	Severity  string
	RiskScore int
}{
	"informational": {"low", 21},
	"low":           {"low", 21},
	"medium":        {"medium", 47},
	"high":          {"high", 73},
	"critical":      {"critical", 99},
}

// ToRule makes the rule.Rule of a Sigma rule: alerts carry its title,
// id, severity and risk score from its level, ATT&CK tags as the threat
// mapping, description and false positives, like an Elastic rule's.
func ToRule(sr *Rule) *rule.Rule {
	enabled := true
	r := &rule.Rule{
		Path:           sr.Path,
		Line:           sr.Pos.Line,
		ID:             sr.ID,
		Name:           sr.Title,
		Description:    sr.Description,
		Type:           "query",
		Language:       Language,
		Query:          strings.Join(condText(sr), "\n"),
		From:           "now-6m",
		Interval:       "5m",
		To:             "now",
		MaxSignals:     100,
		Severity:       "low",
		RiskScore:      21,
		Tags:           sr.Tags,
		References:     sr.References,
		FalsePositives: sr.FalsePositives,
		Threat:         threatOf(sr.Tags),
		License:        "DRL 1.1",
		Enabled:        &enabled,
		Version:        1,
		Parsed:         sr,
	}
	if r.ID == "" {
		r.ID = sr.Name
	}
	if sr.Author != "" {
		r.Author = []string{sr.Author}
	}
	if l, ok := Levels[strings.ToLower(sr.Level)]; ok {
		r.Severity, r.RiskScore = l.Severity, l.RiskScore
	}
	r.Index = indexPatterns(sr.Logsource)
	if sr.Correlation != nil {
		r.Type = TypeCorrelation
	}
	return r
}

func condText(sr *Rule) []string {
	switch {
	case sr.Detection != nil:
		return sr.Detection.CondText
	case sr.Correlation != nil:
		return []string{sr.Correlation.Type + " of " + strings.Join(sr.Correlation.Rules, ", ")}
	case sr.Filter != nil && sr.Filter.Detection != nil:
		return sr.Filter.Detection.CondText
	}
	return nil
}

// indexPatterns are the data streams of a logsource's channels (see
// winlog.Index) and winlogbeat-*; any index for other logsources.
func indexPatterns(ls Logsource) []string {
	chs := ls.Channels()
	if len(chs) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, ch := range chs {
		p := strings.TrimSuffix(winlog.Index(ch), "-default") + "-*"
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return append(out, "winlogbeat-*")
}

// threatOf maps attack.* tags to the threat mapping: each tactic tag
// with every technique tag (Sigma does not pair them).
func threatOf(tags []string) []rule.Threat {
	var tactics []attack.Tactic
	var techs []rule.Technique
	for _, t := range tags {
		name, ok := strings.CutPrefix(strings.ToLower(t), "attack.")
		if !ok {
			continue
		}
		if len(name) > 1 && name[0] == 't' && name[1] >= '0' && name[1] <= '9' {
			id := strings.ToUpper(name)
			base, sub, isSub := strings.Cut(id, ".")
			i := slices.IndexFunc(techs, func(x rule.Technique) bool { return x.ID == base })
			if i < 0 {
				techs = append(techs, rule.Technique{ID: base, Name: base, Reference: "https://attack.mitre.org/techniques/" + base + "/"})
				i = len(techs) - 1
			}
			if isSub {
				techs[i].Subtechnique = append(techs[i].Subtechnique, rule.ThreatEntry{
					ID: id, Name: id, Reference: "https://attack.mitre.org/techniques/" + base + "/" + sub + "/"})
			}
			continue
		}
		if strings.ContainsAny(name, "0123456789") {
			continue // software (s0002), groups (g0016), data sources
		}
		short := strings.ReplaceAll(name, "_", "-")
		i := slices.IndexFunc(attack.Tactics, func(tac attack.Tactic) bool { return tac.Short == short })
		if i >= 0 {
			tactics = append(tactics, attack.Tactics[i])
			continue
		}
		// A tactic vigil's table does not know (a newer ATT&CK): its name
		// from the tag, without an id.
		words := strings.Split(short, "-")
		for j, w := range words {
			if w != "" && w != "and" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		tactics = append(tactics, attack.Tactic{Name: strings.Join(words, " "), Short: short})
	}
	var out []rule.Threat
	for _, tac := range tactics {
		te := rule.ThreatEntry{ID: tac.ID, Name: tac.Name}
		if tac.ID != "" {
			te.Reference = "https://attack.mitre.org/tactics/" + tac.ID + "/"
		}
		out = append(out, rule.Threat{Framework: "MITRE ATT&CK", Tactic: te, Technique: techs})
	}
	if len(out) == 0 && len(techs) > 0 {
		out = append(out, rule.Threat{Framework: "MITRE ATT&CK", Technique: techs})
	}
	return out
}

// FromRule returns the Sigma rule a rule.Rule was made from, or nil.
func FromRule(r *rule.Rule) *Rule {
	sr, _ := r.Parsed.(*Rule)
	return sr
}

// DefaultStatuses are the statuses of the rules that run unless told
// otherwise: all but deprecated and unsupported.
var DefaultStatuses = []string{"stable", "test", "experimental", ""}

// SelectStatus keeps the rules that are not Sigma rules and the Sigma
// rules whose status is one of statuses; it returns them and how many it
// left out.
func SelectStatus(rules []*rule.Rule, statuses []string) (kept []*rule.Rule, dropped int) {
	for _, r := range rules {
		if sr := FromRule(r); sr != nil && !slices.Contains(statuses, strings.ToLower(sr.Status)) {
			dropped++
			continue
		}
		kept = append(kept, r)
	}
	return kept, dropped
}
