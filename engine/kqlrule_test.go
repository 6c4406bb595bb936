package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/rule"
)

// TestRuleQueryPosition maps a KQL syntax error in a rule's query to the
// rule file, with the snippet of the query.
func TestRuleQueryPosition(t *testing.T) {
	src := `[rule]
rule_id = "x"
name = "n"
type = "query"
query = '''
event.category:process and
  process.name:(cmd.exe or ) and user.name:x
'''
`
	r, _, err := rule.Parse("rules/x.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = compileKQLRule(r, event.NewSchema(), kql.Options{})
	var list srcpos.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	got := list[0].Render()
	want := `rules/x.toml:7:28: kql: expected a value, "(" or "not", found ")"
   |   process.name:(cmd.exe or ) and user.name:x
   |                            ^`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestCompileKQLRule compiles a rule's query with its filters, and maps a
// compile error to the rule file.
func TestCompileKQLRule(t *testing.T) {
	src := `[rule]
rule_id = "x"
name = "n"
type = "query"
query = '''
event.category:process and process.name:(cmd.exe or powershell.exe)
'''

[[rule.filters]]
[rule.filters.meta]
negate = true
[rule.filters.query.wildcard."process.executable"]
case_insensitive = true
value = "?:\\\\Windows\\\\Temp\\\\*"

[[rule.filters]]
[rule.filters.meta]
disabled = true
[rule.filters.query.match_none]
`
	r, _, err := rule.Parse("rules/x.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := event.NewSchema()
	p, err := compileKQLRule(r, s, kql.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(name, exe string) *event.Event {
		e := &event.Event{}
		e.Set(s.Slot("event.category"), event.Str("process"))
		e.Set(s.Slot("process.name"), event.Str(name))
		e.Set(s.Slot("process.executable"), event.Str(exe))
		return e
	}
	if !p.Match(ev("cmd.exe", `C:\Windows\System32\cmd.exe`)) {
		t.Error("no match")
	}
	if p.Match(ev("cmd.exe", `c:\windows\temp\cmd.exe`)) {
		t.Error("the negated filter does not exclude")
	}
	if p.Match(ev("CMD.EXE", `C:\Windows\System32\cmd.exe`)) {
		t.Error("process.name matched ignoring case")
	}

	bad := strings.Replace(src, "process.name:(cmd.exe", "process.pid:(cmd.exe", 1)
	bad = strings.Replace(bad, "wildcard", "regexp", 1)
	r, _, err = rule.Parse("rules/x.toml", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = compileKQLRule(r, event.NewSchema(), kql.Options{})
	want := `rules/x.toml:6:41: kql: For input string: "cmd.exe" (field process.pid is of type long)
   | event.category:process and process.pid:(cmd.exe or powershell.exe)
   |                                         ^
rules/x.toml:6:52: kql: For input string: "powershell.exe" (field process.pid is of type long)
   | event.category:process and process.pid:(cmd.exe or powershell.exe)
   |                                                    ^
rules/x.toml: filter 0: unsupported query type "regexp"`
	if err == nil || srcpos.Render(err) != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}
