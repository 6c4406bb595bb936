package exception

import (
	"fmt"
	"sort"
)

// List is an exception list container.
type List struct {
	ListID        string
	NamespaceType string // single or agnostic
	Type          string // detection, endpoint, rule_default, ...
	Name          string
	Source        string // file (and line) it was read from
}

// Item is one exception item: an event matching all its entries is
// excepted.
type Item struct {
	ItemID        string
	ListID        string
	NamespaceType string
	Name          string
	Entries       []Entry
	Source        string
}

// Entry is one condition of an item.
type Entry struct {
	Field    string
	Type     string // match, match_any, list, exists, nested, wildcard
	Operator string // included or excluded
	Value    string
	Values   []string // match_any
	List     ListRef  // list
	Entries  []Entry  // nested
}

// ListRef names a value list and its type (keyword, text, ip, ip_range).
type ListRef struct {
	ID   string `json:"id" toml:"id"`
	Type string `json:"type" toml:"type"`
}

// key identifies an exception list: Kibana's list_id is unique per
// namespace type.
type key struct{ listID, namespace string }

// Store holds the exception lists and value lists loaded for a run.
type Store struct {
	lists  map[key]*List
	items  map[key][]Item
	values map[string]*ValueList
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{lists: map[key]*List{}, items: map[key][]Item{}, values: map[string]*ValueList{}}
}

func namespaceOf(ns string) string {
	if ns == "" {
		return "single"
	}
	return ns
}

// addList adds a list container; adding one twice is an error naming both
// sources.
func (s *Store) addList(l List) error {
	l.NamespaceType = namespaceOf(l.NamespaceType)
	k := key{l.ListID, l.NamespaceType}
	if old, ok := s.lists[k]; ok {
		return fmt.Errorf("%s: exception list %q (%s) is also in %s", l.Source, l.ListID, l.NamespaceType, old.Source)
	}
	s.lists[k] = &l
	return nil
}

// addItem adds an item to its list (which may be added later).
func (s *Store) addItem(it Item) error {
	it.NamespaceType = namespaceOf(it.NamespaceType)
	if err := checkEntries(it.Entries, false); err != nil {
		return fmt.Errorf("%s: exception item %q: %w", it.Source, it.ItemID, err)
	}
	k := key{it.ListID, it.NamespaceType}
	s.items[k] = append(s.items[k], it)
	return nil
}

// checkEntries validates entry types and operators.
func checkEntries(es []Entry, nested bool) error {
	if len(es) == 0 {
		return fmt.Errorf("no entries")
	}
	for _, e := range es {
		if e.Field == "" {
			return fmt.Errorf("entry of type %q has no field", e.Type)
		}
		if e.Type != "nested" && e.Operator != "included" && e.Operator != "excluded" {
			return fmt.Errorf("entry %q: operator %q (want included or excluded)", e.Field, e.Operator)
		}
		switch e.Type {
		case "match", "wildcard":
			if e.Value == "" {
				return fmt.Errorf("entry %q of type %s has no value", e.Field, e.Type)
			}
		case "match_any":
			if len(e.Values) == 0 {
				return fmt.Errorf("entry %q of type match_any has no values", e.Field)
			}
		case "exists":
		case "list":
			if e.List.ID == "" {
				return fmt.Errorf("entry %q of type list names no list", e.Field)
			}
			switch e.List.Type {
			case "keyword", "text", "ip", "ip_range":
			default:
				return fmt.Errorf("entry %q: value list type %q is not supported (keyword, text, ip, ip_range)", e.Field, e.List.Type)
			}
		case "nested":
			if nested {
				return fmt.Errorf("entry %q: nested entries cannot nest", e.Field)
			}
			if err := checkEntries(e.Entries, true); err != nil {
				return fmt.Errorf("nested %q: %w", e.Field, err)
			}
		default:
			return fmt.Errorf("entry %q: unknown type %q", e.Field, e.Type)
		}
	}
	return nil
}

// Lists returns the loaded list containers, by list_id.
func (s *Store) Lists() []List {
	out := make([]List, 0, len(s.lists))
	for _, l := range s.lists {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ListID != out[j].ListID {
			return out[i].ListID < out[j].ListID
		}
		return out[i].NamespaceType < out[j].NamespaceType
	})
	return out
}

// Items returns the items of a list.
func (s *Store) Items(listID, namespaceType string) []Item {
	return s.items[key{listID, namespaceOf(namespaceType)}]
}
