package engine

import (
	"fmt"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

func TestFieldNeeds(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    rule.Rule
		want string
	}{
		{"eql", rule.Rule{Language: "eql", Query: `process where process.name == "sc.exe" and process.args : "create"`}, "[[event.category] [process.name] [process.args]]"},
		{"eql or", rule.Rule{Language: "eql", Query: `any where process.name == "a" or file.name == "b"`}, "[[file.name process.name]]"},
		{"sequence, missing stage left out", rule.Rule{Language: "eql", Query: `sequence by host.id [process where process.pid == 4] ![file where file.path == "x"]`}, "[[event.category] [process.pid]]"},
		{"kql", rule.Rule{Language: "kuery", Query: `registry.path : "HKLM\\*" and not user.name : "SYSTEM"`}, "[[registry.path]]"},
		{"true", rule.Rule{Language: "eql", Query: `any where true`}, "[]"},
		{"unparsable", rule.Rule{Language: "eql", Query: `process where (`}, "[]"},
		{"esql", rule.Rule{Language: "esql", Query: `from logs-*`}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(FieldNeeds(&tc.r)); got != tc.want {
				t.Errorf("FieldNeeds = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestUnmatched(t *testing.T) {
	sc := &rule.Rule{Name: "sc", Language: "eql", Query: `process where process.name == "sc.exe"`}
	reg := &rule.Rule{Name: "reg", Language: "kuery", Query: `registry.path : "HKLM\\x"`}
	either := &rule.Rule{Name: "either", Language: "eql", Query: `any where dns.question.name == "a" or process.name == "b"`}
	bad := &rule.Rule{Name: "bad", Language: "kuery", Query: `registry.path : "x"`}
	statuses := []Status{{Rule: sc, State: OK}, {Rule: reg, State: OK}, {Rule: either, State: OK}, {Rule: bad, State: Failed}}
	s := event.NewSchema()
	u := NewUnmatched(s, statuses)
	var ev event.Event
	for _, doc := range []string{
		`{"process":{"name":"cmd.exe"}}`,
		`{"host":{"name":"h"}}`,
	} {
		if err := s.Decode([]byte(doc), &ev); err != nil {
			t.Fatal(err)
		}
		u.Observe(&ev)
	}
	got := fmt.Sprint(u.Rules())
	want := fmt.Sprintf("[{%p [registry.path]} {%p [event.category]}]", reg, sc)
	if got != want {
		t.Errorf("Rules = %s, want %s", got, want)
	}
}
