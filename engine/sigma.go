package engine

import (
	"errors"
	"fmt"

	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
)

// sigmaLanguages are the languages of Sigma rules' types.
var sigmaLanguages = []string{sigma.Language}

// sigmaRules holds what Sigma rules refer to across a rule set: every
// Sigma rule (correlations name their rules, filters theirs, by id or
// name), and the correlations compiled so far for their kind.
type sigmaRules struct {
	all     []*sigma.Rule
	filters []*sigma.Rule
	// silent are the rules only correlations without generate: true
	// name: they feed the correlations and raise no alert of their own.
	silent map[*sigma.Rule]bool
	corr   map[*rule.Rule]*sigma.Compiled
}

// indexSigma collects the Sigma rules of a rule set.
func indexSigma(rules []*rule.Rule) *sigmaRules {
	s := &sigmaRules{silent: map[*sigma.Rule]bool{}, corr: map[*rule.Rule]*sigma.Compiled{}}
	var corrs []*sigma.Rule
	for _, r := range rules {
		sr := sigma.FromRule(r)
		if sr == nil {
			continue
		}
		s.all = append(s.all, sr)
		switch {
		case sr.Filter != nil:
			s.filters = append(s.filters, sr)
		case sr.Correlation != nil:
			corrs = append(corrs, sr)
		}
	}
	generating := map[*sigma.Rule]bool{}
	for _, c := range corrs {
		for _, ref := range c.Refs() {
			if base := s.find(ref); base != nil {
				if c.Correlation.Generate {
					generating[base] = true
				} else {
					s.silent[base] = true
				}
			}
		}
	}
	for r := range generating {
		delete(s.silent, r)
	}
	return s
}

// find returns the Sigma rule a correlation or filter names.
func (s *sigmaRules) find(ref string) *sigma.Rule {
	for _, r := range s.all {
		if r.Refers(ref) {
			return r
		}
	}
	return nil
}

// compileSigma compiles a Sigma rule: a detection rule's detection and
// logsource, with the filters naming it, to its event query; a
// correlation's referenced rules to the query of the events it counts.
func (rs *RuleSet) compileSigma(c *compiled) (*query, error) {
	sr := sigma.FromRule(c.rule)
	if sr == nil {
		return nil, fmt.Errorf("%s: a sigma rule without its parsed form", c.rule.Path)
	}
	env := rs.sigmaEnv()
	var p match.Pred
	var err error
	switch {
	case sr.Correlation != nil:
		var cc *sigma.Compiled
		cc, err = sr.CompileCorrelation(env, rs.sigma.find)
		if err == nil {
			rs.sigma.corr[c.rule] = cc
			p = match.Or(cc.Bases...)
		}
	case sr.Filter != nil:
		return nil, unsupportedError("a filter is not a rule: it applies to the rules it names")
	default:
		p, err = sr.Compile(env)
		if err == nil {
			p, err = rs.applySigmaFilters(sr, p, env)
		}
		if err == nil && rs.sigma.silent[sr] {
			p = match.False() // only its correlations see its events
		}
	}
	var u *sigma.UnsupportedError
	if errors.As(err, &u) {
		return nil, unsupportedError(u.Reason)
	}
	if err != nil {
		return nil, err
	}
	return &query{pred: p}, nil
}

// applySigmaFilters ANDs into a rule's predicate the conditions of the
// filters that name it.
func (rs *RuleSet) applySigmaFilters(sr *sigma.Rule, p match.Pred, env sigma.Env) (match.Pred, error) {
	for _, f := range rs.sigma.filters {
		for _, ref := range f.Refs() {
			if !sr.Refers(ref) {
				continue
			}
			fp, err := f.CompileFilter(env)
			if err != nil {
				return nil, err
			}
			p = match.And(p, fp)
			break
		}
	}
	return p, nil
}

// sigmaEnv is what Sigma rules compile against.
func (rs *RuleSet) sigmaEnv() sigma.Env {
	return sigma.Env{Slot: rs.schema.Slot, Placeholders: rs.opt.SigmaPlaceholders}
}

// HasSigma reports whether a rule set runs Sigma rules, whose readers
// must keep the raw event data of Windows records (see
// input.Options.KeepEventData).
func (rs *RuleSet) HasSigma() bool {
	for _, c := range rs.rules {
		if c.rule.Language == sigma.Language {
			return true
		}
	}
	return false
}
