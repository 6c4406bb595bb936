package rule_test

import (
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/rule"
)

// TestQueryErrors checks that EQL and KQL errors in a rule's query print
// alike: file:line:col in the rule file, and the query line with a caret.
func TestQueryErrors(t *testing.T) {
	head := "[rule]\nrule_id = \"x\"\nname = \"n\"\n"
	tests := []struct {
		name, src string
		compile   func(r *rule.Rule) error
		want      string
	}{
		{"eql", head + "type = \"eql\"\nlanguage = \"eql\"\nquery = '''\nprocess where true and\n  startswth(process.name, \"sc\")\n'''\n",
			func(r *rule.Rule) error { return checkEQL(r.Query) },
			"x.toml:8:3: eql: unknown function \"startswth\" (did you mean \"startsWith\"?)\n" +
				"   |   startswth(process.name, \"sc\")\n" +
				"   |   ^"},
		{"eql in a basic string, after a wide rune", head + "type = \"eql\"\nlanguage = \"eql\"\nquery = \"process where process.name == \\\"é\\\" and foo(1)\"\n",
			func(r *rule.Rule) error { return checkEQL(r.Query) },
			"x.toml:6:51: eql: unknown function \"foo\"\n" +
				"   | process where process.name == \"é\" and foo(1)\n" +
				"   |                                       ^"},
		{"kql", head + "type = \"query\"\nlanguage = \"kuery\"\nquery = '''\nevent.category:process and\n  process.name:(cmd.exe or ) and user.name:x\n'''\n",
			func(r *rule.Rule) error {
				_, err := kql.CompileQuery(r.Query, event.NewSchema(), kql.Options{})
				return err
			},
			"x.toml:8:28: kql: expected a value, \"(\" or \"not\", found \")\"\n" +
				"   |   process.name:(cmd.exe or ) and user.name:x\n" +
				"   |                            ^"},
		{"kql filters", head + "type = \"query\"\nlanguage = \"kuery\"\nquery = \"process.pid:x\"\n[[rule.filters]]\n[rule.filters.query.regexp]\n",
			func(r *rule.Rule) error {
				_, err := kql.CompileFiltered(r.Query, r.Filters, event.NewSchema(), kql.Options{})
				return err
			},
			"x.toml:6:22: kql: For input string: \"x\" (field process.pid is of type long)\n" +
				"   | process.pid:x\n" +
				"   |             ^\n" +
				"x.toml: filter 0: unsupported query type \"regexp\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := rule.Parse("x.toml", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got := srcpos.Render(r.QueryErrors("query", tt.compile(r)))
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// checkEQL parses and checks a query.
func checkEQL(q string) error {
	_, err := eql.CompileString(q, nil, eql.Options{})
	return err
}
