package ecs

import (
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"@timestamp", "date", true},
		{"event.category", "keyword", true},
		{"process.args", "keyword", true},
		{"process.pid", "long", true},
		{"destination.ip", "ip", true},
		{"process.command_line", "wildcard", true},
		{"process.command_line.text", "match_only_text", true},
		{"no.such.field", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := Lookup(tt.path)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
	if Len() < 2000 {
		t.Errorf("Len() = %d, want the whole ECS table", Len())
	}
	for path, want := range map[string]string{
		"process.Ext.ancestry":          "keyword",
		"winlog.computer_name":          "keyword",
		"winlog.event_data.ServiceName": "keyword",
	} {
		if typ, ok := LookupNonECS(path); !ok || typ != want {
			t.Errorf("LookupNonECS(%s) = %q, %v; want %q", path, typ, ok, want)
		}
	}
}

// TestFields checks the generated list against the tables: every path of
// either, once, sorted, and a copy the caller may change.
func TestFields(t *testing.T) {
	var want []string
	for k := range fields() {
		want = append(want, k)
	}
	for k := range nonECS() {
		if _, dup := fields()[k]; !dup {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	got := Fields()
	if !slices.Equal(got, want) {
		t.Fatalf("Fields() has %d paths, want the tables' %d", len(got), len(want))
	}
	got[0] = "changed"
	if Fields()[0] != want[0] {
		t.Error("changing the list Fields returned changed the next one")
	}
}
