package ecs

import "testing"

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
