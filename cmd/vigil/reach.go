package main

import (
	"slices"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// fieldNeeds returns what fields a rule's events must have: for each
// returned set, some event the rule needs has one of its fields (a
// sequence needs every stage but its missing-event ones). It is derived
// from the query's necessary conditions (match.Needs), so a rule one of
// whose sets no input event ever had cannot have matched. nil: the query
// is not one vigil can analyse (or needs nothing in particular).
func fieldNeeds(r *rule.Rule) [][]string {
	s := event.NewSchema()
	var preds []match.Pred
	switch r.Language {
	case "eql":
		q, err := eql.Parse(r.Query)
		if err != nil {
			return nil
		}
		p, err := eql.Compile(q, s, eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true, CategoryField: r.EventCategoryOverride})
		if err != nil {
			return nil
		}
		if p.Pred != nil {
			preds = append(preds, p.Pred)
		}
		for _, st := range p.Stages {
			if st != nil && !st.Missing {
				preds = append(preds, st.Pred)
			}
		}
	case "kuery":
		p, err := kql.CompileFiltered(r.Query, r.Filters, s, kql.Options{})
		if err != nil {
			return nil
		}
		preds = append(preds, p)
	default:
		return nil
	}
	score := func(match.Need) int { return 1 }
	var out [][]string
	for _, p := range preds {
		for _, any := range match.Needs(p, score) {
			var names []string
			for _, n := range any {
				name := s.Name(n.Slot)
				if name != "" && !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			if len(names) > 0 && !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, names) }) {
				out = append(out, names)
			}
		}
	}
	return out
}

// fieldsSeen records which of a set of fields occur in the input. Each
// event is checked for the fields not seen yet; past the first 65536
// events, one event in 16 is, to keep the cost per event small on large
// inputs.
type fieldsSeen struct {
	schema *event.Schema
	slots  []int // fields not seen yet
	seen   map[string]bool
	events int64
}

func newFieldsSeen(s *event.Schema, fields []string) *fieldsSeen {
	f := &fieldsSeen{schema: s, seen: map[string]bool{}}
	for _, name := range fields {
		if _, dup := f.seen[name]; !dup {
			f.seen[name] = false
			f.slots = append(f.slots, s.Slot(name))
		}
	}
	return f
}

func (f *fieldsSeen) observe(ev *event.Event) {
	f.events++
	if len(f.slots) == 0 || f.events > 1<<16 && f.events%16 != 0 {
		return
	}
	for i := 0; i < len(f.slots); {
		if ev.Get(f.slots[i]).Exists() {
			f.seen[f.schema.Name(f.slots[i])] = true
			f.slots[i] = f.slots[len(f.slots)-1]
			f.slots = f.slots[:len(f.slots)-1]
			continue
		}
		i++
	}
}

// unreachable is a rule that cannot have matched and the fields it
// lacked (one set of which no event had any).
type unreachable struct {
	rule   *rule.Rule
	lacked []string
}

// unmatchable returns the rules of needs whose needs the input did not meet.
func (f *fieldsSeen) unmatchable(needs map[*rule.Rule][][]string) []unreachable {
	var out []unreachable
	for r, sets := range needs {
		for _, set := range sets {
			if !slices.ContainsFunc(set, func(n string) bool { return f.seen[n] }) {
				out = append(out, unreachable{rule: r, lacked: set})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rule.Name < out[j].rule.Name })
	return out
}

// lackedSummary names the fields most often lacked, for one line.
func lackedSummary(us []unreachable, limit int) string {
	count := map[string]int{}
	for _, u := range us {
		count[strings.Join(u.lacked, " or ")]++
	}
	keys := keysByCount(count)
	if len(keys) > limit {
		keys = append(keys[:limit], "...")
	}
	return strings.Join(keys, "; ")
}
