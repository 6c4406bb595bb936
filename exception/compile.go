package exception

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

// Filter is what a rule's exceptions compile to.
type Filter struct {
	// Search holds for an event an exception item without value list
	// entries excepts: the rule must not see it (Kibana adds these items
	// to the rule's search as a negated filter). Nil when there are none.
	Search match.Pred
	// After holds for an event an item with a value list entry excepts:
	// checked on the events of the rule's results, as Kibana checks value
	// lists after the search. Nil when there are none.
	After match.Pred
	// Items counts the items compiled; Missing names the referenced lists
	// that are not loaded.
	Items   int
	Missing []string
}

// Compile compiles the exception lists a rule references (exceptions_list)
// to predicates over events of schema.
func (s *Store) Compile(refs []rule.ExceptionList, schema *event.Schema) (*Filter, error) {
	f := &Filter{}
	var search, after []match.Pred
	for _, ref := range refs {
		k := key{ref.ListID, namespaceOf(ref.NamespaceType)}
		if _, ok := s.lists[k]; !ok && len(s.items[k]) == 0 {
			f.Missing = append(f.Missing, ref.ListID+" ("+k.namespace+")")
			continue
		}
		for _, it := range s.items[k] {
			p, list, err := s.item(it.Entries, "", schema)
			if err != nil {
				return nil, fmt.Errorf("%s: exception item %q: %w", it.Source, it.ItemID, err)
			}
			f.Items++
			if list {
				after = append(after, p)
			} else {
				search = append(search, p)
			}
		}
	}
	if len(search) > 0 {
		f.Search = match.Or(search...)
	}
	if len(after) > 0 {
		f.After = match.Or(after...)
	}
	return f, nil
}

// item compiles the entries of an item (ANDed) under a nested path
// prefix; list reports whether one of them is a value list entry.
func (s *Store) item(es []Entry, prefix string, schema *event.Schema) (match.Pred, bool, error) {
	ps := make([]match.Pred, 0, len(es))
	list := false
	for _, e := range es {
		field := e.Field
		if prefix != "" {
			field = prefix + "." + field
		}
		var p match.Pred
		switch e.Type {
		case "nested":
			sub, l, err := s.item(e.Entries, field, schema)
			if err != nil {
				return nil, false, err
			}
			ps = append(ps, sub)
			list = list || l
			continue
		case "list":
			vl, ok := s.values[e.List.ID]
			if !ok {
				return nil, false, fmt.Errorf("value list %q is not loaded (--value-list)", e.List.ID)
			}
			set, err := newValueSet(vl, e.List.Type)
			if err != nil {
				return nil, false, err
			}
			slot, _ := fieldSlot(field, schema)
			p = &listPred{slot: slot, set: set}
			list = true
		case "exists":
			slot, _ := fieldSlot(field, schema)
			p = match.Exists(slot)
		case "match":
			slot, fold := fieldSlot(field, schema)
			p = newTerms(slot, []string{e.Value}, fold)
		case "match_any":
			slot, fold := fieldSlot(field, schema)
			p = newTerms(slot, e.Values, fold)
		case "wildcard":
			slot, fold := fieldSlot(field, schema)
			p = match.Wildcard(slot, e.Value, fold)
		default:
			return nil, false, fmt.Errorf("entry %q: unknown type %q", field, e.Type)
		}
		if e.Operator == "excluded" {
			p = match.Not(p)
		}
		ps = append(ps, p)
	}
	return match.And(ps...), list, nil
}

// fieldSlot resolves a field; Elastic Defend's "x.caseless" names x
// compared case-insensitively.
func fieldSlot(field string, schema *event.Schema) (int, bool) {
	if base, ok := strings.CutSuffix(field, ".caseless"); ok {
		return schema.Slot(base), true
	}
	return schema.Slot(field), false
}

// termsPred is a match or match_any entry: the field (any element of an
// array) equals one of the values, as a term query on a keyword field
// does; numbers and booleans compare by their text, as Elasticsearch
// coerces a term's value to a numeric field.
type termsPred struct {
	slot int
	set  map[string]struct{}
	fold bool
}

func newTerms(slot int, values []string, fold bool) *termsPred {
	p := &termsPred{slot: slot, set: make(map[string]struct{}, len(values)), fold: fold}
	for _, v := range values {
		if fold {
			v = strings.ToLower(v)
		}
		p.set[v] = struct{}{}
	}
	return p
}

func (p *termsPred) Match(ev *event.Event) bool {
	return ev.Get(p.slot).Each(func(v event.Value) bool {
		var s string
		switch v.Kind() {
		case event.KindString:
			s = v.Str()
			if p.fold {
				s = strings.ToLower(s)
			}
		case event.KindInt:
			s = strconv.FormatInt(v.Int(), 10)
		case event.KindFloat:
			s = strconv.FormatFloat(v.Float(), 'f', -1, 64)
		case event.KindBool:
			s = strconv.FormatBool(v.Bool())
		default:
			return false
		}
		_, ok := p.set[s]
		return ok
	})
}

// listPred is a value list entry: the field's value (any element) is in
// the list.
type listPred struct {
	slot int
	set  *valueSet
}

func (p *listPred) Match(ev *event.Event) bool {
	return ev.Get(p.slot).Each(func(v event.Value) bool {
		switch v.Kind() {
		case event.KindString:
			return p.set.has(v.Str())
		case event.KindInt, event.KindFloat:
			return p.set.has(v.String())
		}
		return false
	})
}
