package engine

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// TestUnmatched gives each rule's needs (FieldNeeds) and, after two
// events, whether it could have matched them and which fields it lacked.
func TestUnmatched(t *testing.T) {
	events := []string{`{"process":{"name":"cmd.exe"}}`, `{"host":{"name":"h"}}`}
	cases := []struct {
		lang, query string
		needs       string // FieldNeeds
		lacked      string // Unmatchable.Lacked; "" when it could match
	}{
		{"eql", `process where process.name == "sc.exe" and process.args : "create"`, "[[event.category] [process.name] [process.args]]", "event.category"},
		{"eql", `any where process.name == "a" or file.name == "b"`, "[[file.name process.name]]", ""},
		{"eql", `sequence by host.id [process where process.pid == 4] ![file where file.path == "x"]`, "[[event.category] [process.pid]]", "event.category"},
		{"kuery", `registry.path : "HKLM\\*" and not user.name : "SYSTEM"`, "[[registry.path]]", "registry.path"},
		{"kuery", `host.name : h*`, "[[host.name]]", ""},
		{"eql", `any where true`, "[]", ""},
		{"eql", `process where (`, "[]", ""},
		{"esql", `from logs-*`, "[]", ""},
	}
	var statuses []Status
	for i, c := range cases {
		r := &rule.Rule{Name: fmt.Sprint(i), Language: c.lang, Query: c.query}
		if got := fmt.Sprint(FieldNeeds(r)); got != c.needs {
			t.Errorf("%s: FieldNeeds = %s, want %s", c.query, got, c.needs)
		}
		statuses = append(statuses, Status{Rule: r, State: OK})
	}
	// A rule that failed to compile is not judged.
	statuses = append(statuses, Status{Rule: &rule.Rule{Name: "failed", Language: "kuery", Query: "dns.question.name : x"}, State: Failed})

	s := event.NewSchema()
	u := NewUnmatched(s, statuses)
	var ev event.Event
	for _, doc := range events {
		if err := s.Decode([]byte(doc), &ev); err != nil {
			t.Fatal(err)
		}
		u.Observe(&ev)
	}
	lacked := map[string]string{}
	for _, x := range u.Rules() {
		lacked[x.Rule.Name] = strings.Join(x.Lacked, " or ")
	}
	for i, c := range cases {
		if got := lacked[fmt.Sprint(i)]; got != c.lacked {
			t.Errorf("%s: lacked %q, want %q", c.query, got, c.lacked)
		}
	}
	if _, ok := lacked["failed"]; ok {
		t.Error("a rule that failed to compile is reported")
	}
}

// TestUnmatchedParallel: the needs of the corpus's Windows rules, worked
// out on every core, are those of one core, and the fields are registered
// in the schema in the same order.
func TestUnmatchedParallel(t *testing.T) {
	rules := windowsRules(t)
	statuses := make([]Status, len(rules))
	for i, r := range rules {
		statuses[i] = Status{Rule: r, State: OK}
	}
	build := func(procs int) (string, []string) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		s := event.NewSchema()
		u := NewUnmatched(s, statuses)
		var names []string
		for _, slot := range u.slots {
			names = append(names, s.Name(slot))
		}
		var needs []string
		for _, r := range rules {
			needs = append(needs, fmt.Sprint(u.needs[r]))
		}
		return strings.Join(needs, "\n"), names
	}
	serial, serialNames := build(1)
	par, parNames := build(4)
	if serial != par || !slices.Equal(serialNames, parNames) {
		t.Error("needs worked out on several cores differ from one core's")
	}
	if len(serialNames) == 0 {
		t.Error("no field needs found in the corpus")
	}
}
