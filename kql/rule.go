package kql

import (
	"errors"
	"fmt"

	"github.com/vigilsec/vigil/dsl"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// CompileRule compiles the condition of a rule written in KQL (a query,
// threshold, new_terms or threat_match rule): its query and its enabled
// filters, all of which must hold, as Kibana's detection engine combines
// them. Errors name the rule file and the position in it
// ("rules/x.toml:12:31: kql: ..."), or the filter ("rules/x.toml: filter
// 2: ...").
func CompileRule(r *rule.Rule, s *event.Schema, opt Options) (match.Pred, error) {
	if r.Language != "kuery" {
		return nil, fmt.Errorf("%s: the rule's language is %q, not kuery", r.Path, r.Language)
	}
	return compileRule(r, r.Query, r.Filters, false, s, opt)
}

// CompileThreat compiles the threat_query and threat_filters of an
// indicator match (threat_match) rule: the condition on the indicator
// documents of its threat_index.
func CompileThreat(r *rule.Rule, s *event.Schema, opt Options) (match.Pred, error) {
	if r.ThreatLanguage != "" && r.ThreatLanguage != "kuery" {
		return nil, fmt.Errorf("%s: the rule's threat_language is %q, not kuery", r.Path, r.ThreatLanguage)
	}
	return compileRule(r, r.ThreatQuery, r.ThreatFilters, true, s, opt)
}

func compileRule(r *rule.Rule, query string, filters []any, threat bool, s *event.Schema, opt Options) (match.Pred, error) {
	var errs []error
	where := func(e *Error) string {
		if threat {
			return fmt.Sprintf("%s: threat_query %s", r.Path, e.Pos)
		}
		l, c := r.QueryPos(e.Pos.Line, e.Pos.Col)
		return fmt.Sprintf("%s:%d:%d", r.Path, l, c)
	}
	if warn := opt.Warn; warn != nil {
		// Map the positions of warnings to the file as well.
		opt.Warn = func(e *Error) {
			if !threat {
				l, c := r.QueryPos(e.Pos.Line, e.Pos.Col)
				e = &Error{Pos: Pos{Line: l, Col: c, Offset: e.Pos.Offset}, Msg: e.Msg, Source: e.Source}
			}
			warn(e)
		}
	}
	p, err := CompileQuery(query, s, opt)
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			return nil, fmt.Errorf("%s: %v", r.Path, err)
		}
		for _, e := range list {
			errs = append(errs, fmt.Errorf("%s: kql: %s\n%s", where(e), e.Msg, e.Snippet()))
		}
	}
	fp, err := dsl.New(s, dsl.Options{Types: opt.Types, Now: opt.Now}).Filters(filters)
	if err != nil {
		if threat {
			errs = append(errs, fmt.Errorf("%s: threat_%v", r.Path, err))
		} else {
			errs = append(errs, fmt.Errorf("%s: %v", r.Path, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return match.And(p, fp), nil
}
