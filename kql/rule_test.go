package kql

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vigilsec/vigil/rule"
)

// TestRuleQueryPosition maps a KQL error in a rule's query to the rule
// file, the way a loader of rules reports it.
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
	_, err = Parse(r.Query)
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	e := list[0]
	line, col := r.QueryPos(e.Pos.Line, e.Pos.Col)
	got := fmt.Sprintf("%s:%d:%d: kql: %s\n%s", r.Path, line, col, e.Msg, e.Snippet())
	want := `rules/x.toml:7:28: kql: expected a value, "(" or "not", found ")"
   |   process.name:(cmd.exe or ) and user.name:x
   |                            ^`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
