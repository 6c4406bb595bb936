package engine

import (
	"fmt"
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
	types := map[string]string{"eql": "eql", "kuery": "query", "esql": "esql"}
	var rules []*rule.Rule
	for i, c := range cases {
		r := &rule.Rule{Name: fmt.Sprint(i), Type: types[c.lang], Language: c.lang, Query: c.query}
		if got := fmt.Sprint(FieldNeeds(r)); got != c.needs {
			t.Errorf("%s: FieldNeeds = %s, want %s", c.query, got, c.needs)
		}
		rules = append(rules, r)
	}
	// A rule that failed to compile is not judged.
	rules = append(rules, &rule.Rule{Name: "failed", Type: "query", Language: "kuery", Query: "dns.question.name : ("})

	rs, statuses := Compile(rules, Options{})
	if st := statuses[len(statuses)-1]; st.State != Failed {
		t.Fatalf("the failing rule: %s %v", st.State, st.Err)
	}
	s := rs.Schema()
	u := NewUnmatched(rs)
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

// TestUnmatchedCompiled: the needs NewUnmatched reads from the rule set's
// compiled queries are those FieldNeeds finds compiling each corpus
// Windows rule alone (exceptions and the rule index do not change them).
func TestUnmatchedCompiled(t *testing.T) {
	rules := windowsRules(t)
	rs, _ := Compile(rules, Options{})
	u := NewUnmatched(rs)
	analysed := 0
	for _, r := range rs.Rules() {
		want := FieldNeeds(r)
		if got := u.needs[r]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: needs %v, compiled alone %v", r.Path, got, want)
		}
		if len(want) > 0 {
			analysed++
		}
	}
	if analysed < len(rules)/2 {
		t.Errorf("needs found for %d of %d rules", analysed, len(rules))
	}
	wanted := 0
	for slot, w := range u.want {
		if !w {
			continue
		}
		wanted++
		if rs.Schema().Name(slot) == "" {
			t.Errorf("slot %d has no name", slot)
		}
	}
	if wanted != u.left || wanted != len(u.seen) {
		t.Errorf("%d slots wanted, %d left, %d fields", wanted, u.left, len(u.seen))
	}
}
