package engine

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vigilsec/vigil/event"

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
	var p, file match.Pred
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
		// The detection and the logsource apart: a rule routed by its
		// logsource's channel and event ids is filed by its detection.
		var ls match.Pred
		det := env
		det.NoLogsource = true
		ls, err = sr.Logsource.Pred(env.Slot)
		if err == nil {
			p, err = sr.Compile(det)
		}
		if err == nil {
			p, err = rs.applySigmaFilters(sr, p, env)
		}
		if err == nil && rs.sigma.silent[sr] {
			p = match.False() // only its correlations see its events
		}
		if src, _ := sr.Logsource.Sources(); err == nil && src != nil {
			// The predicate requires the logsource's channel and ids.
			c.sources = newSourceSet(src)
			rs.chSlot, rs.eidSlot = rs.schema.Slot("winlog.channel"), rs.schema.Slot("winlog.event_id")
			file = p
		}
		if err == nil {
			p = match.And(ls, p)
		}
	}
	var u *sigma.UnsupportedError
	if errors.As(err, &u) {
		return nil, unsupportedError(u.Reason)
	}
	if err != nil {
		return nil, err
	}
	return &query{pred: p, file: file}, nil
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

// sourceSet is what a Sigma rule's logsource reads: folded channel names
// and each one's event ids in keyword form (nil: every id).
type sourceSet map[string][]string

func newSourceSet(src []sigma.Source) sourceSet {
	s := sourceSet{}
	for _, x := range src {
		ch := match.FoldKeyword(x.Channel)
		ids, seen := s[ch]
		switch {
		case seen && ids == nil:
			// every id already
		case len(x.EventIDs) == 0:
			s[ch] = nil
		default:
			for _, n := range x.EventIDs {
				ids = append(ids, strconv.Itoa(n))
			}
			s[ch] = ids
		}
	}
	return s
}

// has reports whether the rule may read events of a channel and event id.
func (s sourceSet) has(k srcKey) bool {
	if k.any {
		return true
	}
	ids, ok := s[match.FoldKeyword(k.channel)]
	return ok && (ids == nil || slices.Contains(ids, k.id))
}

// srcKey is an event's index, channel and event id (keyword form), as the
// event has them; any when the channel or id is not one value, for which
// every rule of the index is offered the event.
type srcKey struct {
	index, channel, id string
	any                bool
}

// sourceRoute returns the route of the rules that read an event's
// channel and event id (Sigma rules by their logsources, which most
// events are not from): an event is offered only to the rules of its own
// kind of record, and each route's literal automata hold only their
// literals.
func (e *Engine) sourceRoute(ev *event.Event) *routeSet {
	k := srcKey{index: ev.Index}
	switch ch := ev.Get(e.rs.chSlot); ch.Kind() {
	case event.KindString:
		k.channel = ch.Str()
	case event.KindMissing:
	default:
		k.any = true
	}
	switch id := ev.Get(e.rs.eidSlot); id.Kind() {
	case event.KindMissing:
	case event.KindArray:
		k.any = true
	default:
		b, ok := match.AppendKeyword(e.keyBuf[:0], id)
		e.keyBuf = b
		if !ok {
			k.any = true
		}
		k.id = unsafe.String(unsafe.SliceData(b), len(b))
	}
	if k.any {
		k.channel, k.id = "", ""
	}
	if r, ok := e.srcRoutes[k]; ok {
		return r
	}
	k.index, k.channel, k.id = strings.Clone(k.index), strings.Clone(k.channel), strings.Clone(k.id)
	r := e.rs.sourceRouteOf(k)
	if e.srcRoutes == nil || len(e.srcRoutes) > maxSourceRoutes {
		e.srcRoutes = map[srcKey]*routeSet{}
	}
	e.srcRoutes[k] = r
	return r
}

// maxSourceRoutes bounds the routes cached per engine and rule set: the
// kinds of record of a few indexes are a few hundred.
const maxSourceRoutes = 10_000

// sourceRouteOf returns the route of an index, channel and event id,
// building it on first use; engines call it from their own goroutines.
func (rs *RuleSet) sourceRouteOf(k srcKey) *routeSet {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.srcRoutes[k]; ok {
		return r
	}
	r := rs.buildRoute(k.index, &k)
	if len(rs.srcRoutes) > maxSourceRoutes {
		clear(rs.srcRoutes) // engines keep their own; nothing else holds these
	}
	rs.srcRoutes[k] = r
	return r
}
