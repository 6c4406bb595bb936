package kql

import "testing"

func TestParsedFieldPatterns(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{`process.name : *cmd*`, false},
		{`file.hash.* : "abc"`, true},
		{`not (a : 1 or b.* < 3)`, true},
		{`user : { name.* : x }`, true},
		{`host.* : *`, true},
		{`a : (x or y*) and b : *`, false},
		{`a : (`, false}, // does not parse
	} {
		t.Run(tc.query, func(t *testing.T) {
			if got := ParseQuery(tc.query).FieldPatterns(); got != tc.want {
				t.Errorf("FieldPatterns() = %v, want %v", got, tc.want)
			}
		})
	}
}
