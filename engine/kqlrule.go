package engine

import (
	"errors"
	"fmt"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// compileKQLRule compiles the condition of a rule written in KQL (a query,
// threshold, new_terms or threat_match rule): its query and its enabled
// filters. Errors are positioned in the rule file
// ("rules/x.toml:12:31: kql: ...", "rules/x.toml: filter 2: ...").
func compileKQLRule(r *rule.Rule, s *event.Schema, opt kql.Options) (match.Pred, error) {
	return compileParsedKQLRule(r, nil, s, opt)
}

// compileParsedKQLRule is compileKQLRule with the query parsed unless pre
// holds it parsed.
func compileParsedKQLRule(r *rule.Rule, pre *kql.Parsed, s *event.Schema, opt kql.Options) (match.Pred, error) {
	if r.Language != "kuery" {
		return nil, fmt.Errorf("%s: the rule's language is %q, not kuery", r.Path, r.Language)
	}
	if pre == nil {
		pre = kql.ParseQuery(r.Query)
	}
	p, err := pre.CompileFiltered(r.Filters, s, opt)
	return p, r.QueryErrors("query", err)
}

// compileKQLThreat compiles the threat_query and threat_filters of an
// indicator match (threat_match) rule: the condition on the indicator
// documents of its threat_index.
func compileKQLThreat(r *rule.Rule, s *event.Schema, opt kql.Options) (match.Pred, error) {
	if r.ThreatLanguage != "" && r.ThreatLanguage != "kuery" {
		return nil, fmt.Errorf("%s: the rule's threat_language is %q, not kuery", r.Path, r.ThreatLanguage)
	}
	p, err := kql.CompileFiltered(r.ThreatQuery, r.ThreatFilters, s, opt)
	var list srcpos.ErrorList
	if errors.As(err, &list) {
		for i, e := range list {
			if !e.Pos.IsValid() {
				list[i] = &srcpos.Error{Msg: "threat_" + e.Msg} // the filters': "threat_filter 2: ..."
			}
		}
	}
	return p, r.QueryErrors("threat_query", err)
}
