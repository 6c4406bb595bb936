package engine

import (
	"fmt"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

func TestPatterns(t *testing.T) {
	tests := []struct {
		patterns []string
		index    string
		want     bool
	}{
		{[]string{"logs-endpoint.events.process-*"}, "logs-endpoint.events.process-default", true},
		{[]string{"logs-endpoint.events.process-*"}, "logs-endpoint.events.network-default", false},
		{[]string{"winlogbeat-*", "logs-windows.sysmon_operational-*"}, "logs-windows.sysmon_operational-default", true},
		{[]string{"logs-system.security*"}, "logs-system.security-default", true},
		{[]string{"logs-*", "-logs-endpoint.alerts-*"}, "logs-endpoint.alerts-default", false},
		{[]string{"logs-*", "-logs-endpoint.alerts-*"}, "logs-endpoint.events.file-default", true},
		{[]string{"*"}, "anything", true},
		{[]string{"remote:logs-*"}, "logs-x", true},
		{[]string{"a*b*c"}, "a--b--c", true},
		{[]string{"a*b*c"}, "a--c--b", false},
		{[]string{"logs-*,-logs-x"}, "logs-x", false},
		{nil, "whatever", true},
		{[]string{"exact"}, "exact", true},
		{[]string{"exact"}, "exactly", false},
	}
	for _, tc := range tests {
		if got := newPatternSet(tc.patterns).match(tc.index); got != tc.want {
			t.Errorf("%v match %q = %v, want %v", tc.patterns, tc.index, got, tc.want)
		}
	}
}

// TestRouteRecent checks the routes of recent indexes against looking
// each up, over a stream cycling through more indexes than are kept.
func TestRouteRecent(t *testing.T) {
	e, _ := New(nil, Options{}, nil)
	names := []string{"a", "b", "c", "d", "e", "a", "a", "c", "e", "b", "d", "f", "a"}
	for round := range 3 {
		for _, n := range names {
			if got, want := e.routeFor(n), e.rs.routeOf(n); got != want {
				t.Fatalf("round %d, index %q: route %p, want %p", round, n, got, want)
			}
		}
	}
}

// TestRouteFieldCategories: a field whose rules all filter on categories
// is skipped by events of other categories, and by events without one,
// but not by events of one of them; a rule without a category filter
// makes the field read by every event.
func TestRouteFieldCategories(t *testing.T) {
	eqlRule := func(id, q string) *rule.Rule {
		return &rule.Rule{ID: id, Name: id, Type: "eql", Language: "eql", Severity: "low", RiskScore: 21, Query: q}
	}
	for _, tc := range []struct {
		name  string
		rules []*rule.Rule
		skips map[string]bool // by event.category
	}{
		{"categories", []*rule.Rule{eqlRule("p", `process where process.name == "a.exe"`), eqlRule("f", `file where process.name : "b*"`)},
			map[string]bool{"process": false, "file": false, "network": true, "": true}},
		{"any", []*rule.Rule{eqlRule("p", `process where process.name == "a.exe"`), eqlRule("a", `any where process.name == "c.exe"`)},
			map[string]bool{"process": false, "network": false, "": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, st := Compile(tc.rules, Options{})
			for _, s := range st {
				if s.Err != nil {
					t.Fatal(s.Err)
				}
			}
			route := rs.routeOf("")
			slot := rs.Schema().Slot("process.name")
			i := route.fieldOf[slot] - 1
			if i < 0 {
				t.Fatal("process.name is not indexed")
			}
			for cat, want := range tc.skips {
				mask := rs.cats.mask(event.Str(cat))
				if got := route.fields[i].skips(mask); got != want {
					t.Errorf("category %q: skips %v, want %v", cat, got, want)
				}
			}
		})
	}
}

// TestEdgeSetFolds checks that an exact value's edge set lets through the
// value itself and every ASCII value that folds to it, whatever its case,
// and turns away most others.
func TestEdgeSetFolds(t *testing.T) {
	filed := []string{"", "a", "event", "cmd.exe", "4688", "hklm\\software", "\u0430dmin"}
	var x edgeSet
	for _, s := range filed {
		x.add(s)
	}
	for _, s := range append(filed, "A", "EVENT", "Cmd.EXE", "HKLM\\Software") {
		t.Run(s, func(t *testing.T) {
			if !x.has(s) {
				t.Errorf("has(%q) = false, want true", s)
			}
		})
	}
	passed := 0
	for i := range 1000 {
		if x.has(fmt.Sprintf("value-%d", i)) {
			passed++
		}
	}
	if passed > 100 {
		t.Errorf("%d of 1000 other values passed, want few", passed)
	}
}
