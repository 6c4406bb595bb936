package engine

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/rule"
)

// TestPreparedQueriesCompileAsUnprepared compiles rules through Compile,
// whose queries are prepared on other goroutines (prepareQueries), and
// one by one unprepared: the statuses, errors and the schema's slots must
// not tell the two apart.
func TestPreparedQueriesCompileAsUnprepared(t *testing.T) {
	eqlRule := func(id, q string) *rule.Rule {
		return &rule.Rule{ID: id, Name: id, Type: "eql", Language: "eql", Severity: "low", RiskScore: 21, Query: q}
	}
	rules := []*rule.Rule{
		eqlRule("wild", `process where process.name : ("a*.exe", "*b?") and process.args like~ "x*"`),
		eqlRule("regex", `file where file.path regex~ """c:\\\\.*\.dll""" and dll.name : "k*"`),
		eqlRule("bad-regex", `process where process.name regex "a(b"`),
		eqlRule("parse-error", `process where process.name : `),
		eqlRule("seq", `sequence by host.id [process where process.parent.name : "w*"] [network where destination.port == 4444] until [process where event.type : "end*"]`),
		esqlRule(`FROM logs-* | WHERE process.executable LIKE "*\\\\temp\\\\*" | KEEP process.executable`, "now-6m"),
		esqlRule(`FROM logs-* | WHERE KQL("user.name : admin*") | KEEP user.name`, "now-6m"),
		esqlRule(`FROM logs-* | WHERE`, "now-6m"),
		esqlRule(`ROW a = 1`, "now-6m"),
		{ID: "kql", Name: "kql", Type: "query", Language: "kuery", Severity: "low", RiskScore: 21, Query: `registry.path : *run*`},
		{ID: "kql-pattern", Name: "kql", Type: "query", Language: "kuery", Severity: "low", RiskScore: 21, Query: `file.hash.* : "abc" and process.name : x`},
		{ID: "kql-bad", Name: "kql", Type: "query", Language: "kuery", Severity: "low", RiskScore: 21, Query: `process.name : (a or`},
	}
	for i, r := range rules[5:9] {
		r.ID = fmt.Sprintf("esql-%d", i)
	}
	now := func() time.Time { return time.Unix(0, 0) }
	prepared, st := Compile(rules, Options{Now: now})

	one, _ := Compile(nil, Options{Now: now})
	for i, r := range rules {
		var got string
		if _, err := one.compile(r, nil); err != nil {
			got = err.Error()
		}
		want := ""
		switch {
		case st[i].Err != nil:
			want = st[i].Err.Error()
		case st[i].State == Unsupported:
			want = st[i].Reason
		}
		if got != want {
			t.Errorf("%s: unprepared %q, prepared %q", r.ID, got, want)
		}
	}
	if st[6].State != OK {
		t.Errorf("the ES|QL rule with KQL(): %v %v", st[6].State, st[6].Err)
	}
	if st[2].Err == nil || st[3].Err == nil || st[7].Err == nil || st[11].Err == nil {
		t.Errorf("bad queries compiled: %v, %v, %v, %v", st[2].Err, st[3].Err, st[7].Err, st[11].Err)
	}
	a, b := fieldsInSlotOrder(prepared), fieldsInSlotOrder(one)
	if !slices.Equal(a, b) {
		t.Errorf("slots prepared:\n%v\nunprepared:\n%v", a, b)
	}
}

func TestPrepareQueryLeavesKQLInESQLToCompile(t *testing.T) {
	r := esqlRule(`FROM logs-* | WHERE KQL("user.name : admin*") | KEEP user.name`, "now-6m")
	if p := prepareQuery(r, time.Unix(0, 0)); p != nil {
		t.Errorf("prepared: %+v", p)
	}
	r = esqlRule(`FROM logs-* | WHERE user.name == "admin" | KEEP user.name`, "now-6m")
	if p := prepareQuery(r, time.Unix(0, 0)); p == nil || p.esql == nil || p.err != nil {
		t.Errorf("not prepared: %+v", p)
	}
}

func fieldsInSlotOrder(rs *RuleSet) []string {
	out := make([]string, rs.schema.Len())
	for i := range out {
		out[i] = rs.schema.Name(i)
	}
	return out
}
