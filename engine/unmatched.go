package engine

import (
	"slices"
	"sort"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/workers"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// FieldNeeds returns what fields a rule's events must have: for each
// returned set, some event the rule needs has one of its fields (a
// sequence needs every stage but its missing-event ones). It is derived
// from the query's necessary conditions (match.Needs), so a rule one of
// whose sets no input event ever had cannot have matched. nil: the query
// is not one vigil can analyse (or needs nothing in particular). It
// compiles the query; a rule set's rules have theirs compiled already
// (see NewUnmatched).
func FieldNeeds(r *rule.Rule) [][]string {
	s := event.NewSchema()
	q := &query{}
	switch r.Language {
	case "eql":
		p, err := eql.Parse(r.Query)
		if err != nil {
			return nil
		}
		q.prog, err = eql.Compile(p, s, eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true, CategoryField: r.EventCategoryOverride})
		if err != nil {
			return nil
		}
	case "kuery":
		var err error
		q.pred, err = kql.CompileFiltered(r.Query, r.Filters, s, kql.Options{})
		if err != nil {
			return nil
		}
	}
	return fieldNeeds(needPreds(r.Language, q), s)
}

// needPreds returns the predicates of a compiled query whose needs make a
// rule's FieldNeeds: an event query's, or each stage's but the
// missing-event ones. Only EQL and KQL queries are analysed.
func needPreds(language string, q *query) []match.Pred {
	var preds []match.Pred
	switch language {
	case "eql":
		p := q.prog
		if p == nil {
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
		if q.pred != nil {
			preds = append(preds, q.pred)
		}
	}
	return preds
}

// fieldNeeds names the fields of the predicates' necessary conditions
// (see FieldNeeds); s is the schema they were compiled with.
func fieldNeeds(preds []match.Pred, s *event.Schema) [][]string {
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

// Unmatched tells which rules could not have matched an input: it learns
// the fields each rule needs (FieldNeeds) and records which of them the
// input's events had. Each event's values are checked against the fields
// not seen yet (an event holds a few dozen values, the rules need hundreds
// of fields); past the first 65536 events, one event in 16 is, to keep
// the cost per event small on large inputs. It is not safe for concurrent
// use.
type Unmatched struct {
	needs  map[*rule.Rule][][]string
	schema *event.Schema
	want   []bool // by slot: a needed field not seen yet
	left   int    // how many want holds
	seen   map[string]bool
	events int64
}

// NewUnmatched prepares for the rules of rs, whose queries it compiled:
// their needs are read from them, not compiled again, on every core.
func NewUnmatched(rs *RuleSet) *Unmatched {
	u := &Unmatched{needs: map[*rule.Rule][][]string{}, schema: rs.schema, seen: map[string]bool{}}
	needs := make([][][]string, len(rs.rules))
	workers.Each(len(rs.rules), func(i int) { needs[i] = fieldNeeds(rs.rules[i].needs, rs.schema) })
	for i, c := range rs.rules {
		n := needs[i]
		if len(n) == 0 {
			continue
		}
		u.needs[c.rule] = n
		for _, set := range n {
			for _, name := range set {
				if _, dup := u.seen[name]; !dup {
					u.seen[name] = false
					slot := rs.schema.Slot(name)
					if slot >= len(u.want) {
						u.want = slices.Grow(u.want, slot+1-len(u.want))[:slot+1]
					}
					u.want[slot] = true
					u.left++
				}
			}
		}
	}
	return u
}

// Observe records the fields of one input event.
func (u *Unmatched) Observe(ev *event.Event) {
	u.events++
	if u.left == 0 || u.events > 1<<16 && u.events%16 != 0 {
		return
	}
	slots, vals, ok := ev.Filled()
	if !ok {
		// A compact event: look each wanted field up.
		for slot, w := range u.want {
			if w && ev.Get(slot).Exists() {
				u.saw(slot)
			}
		}
		return
	}
	for i, slot := range slots {
		if int(slot) < len(u.want) && u.want[slot] && vals[i].Exists() {
			u.saw(int(slot))
		}
	}
}

// saw records that a wanted field was seen.
func (u *Unmatched) saw(slot int) {
	u.want[slot] = false
	u.left--
	u.seen[u.schema.Name(slot)] = true
}

// Unmatchable is a rule that cannot have matched the input and the fields
// it lacked: one set of fields of which no event had any.
type Unmatchable struct {
	Rule   *rule.Rule
	Lacked []string
}

// Rules returns the rules whose needs the input did not meet, by name.
func (u *Unmatched) Rules() []Unmatchable {
	var out []Unmatchable
	for r, sets := range u.needs {
		for _, set := range sets {
			if !slices.ContainsFunc(set, func(n string) bool { return u.seen[n] }) {
				out = append(out, Unmatchable{Rule: r, Lacked: set})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule.Name < out[j].Rule.Name })
	return out
}
