package engine

import "testing"

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
