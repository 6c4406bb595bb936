package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/esql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

func esqlRule(query, from string) *rule.Rule {
	return &rule.Rule{ID: "esql-" + from, Name: "esql", Type: "esql", Language: "esql", Severity: "low",
		RiskScore: 21, Query: query, From: from}
}

// alertRows renders each alert as the fields of its first event named.
func alertRows(as []*alert.Alert, eng *Engine, fields ...string) []string {
	var out []string
	for _, a := range as {
		var parts []string
		for _, f := range fields {
			parts = append(parts, a.Events[0].Get(eng.Schema().Slot(f)).String())
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestESQLRules(t *testing.T) {
	const proc = `"event.category":"process","host.name":`
	for _, tc := range []struct {
		name     string
		query    string
		from     string
		interval string
		lines    []string
		fields   []string
		want     []string
	}{{
		name:  "one alert per source document, however many rows",
		query: `from logs-test-* metadata _id | where process.name == "sc.exe" | mv_expand process.args | keep _id, process.args`,
		lines: []string{
			doc(0, proc+`"a","process.name":"sc.exe","process.args":["sc.exe","\\\\h","create"]`),
			doc(1, proc+`"a","process.name":"cmd.exe","process.args":["cmd.exe"]`),
			doc(2, proc+`"b","process.name":"sc.exe","process.args":["sc.exe","query"]`),
		},
		fields: []string{"event.id"},
		want:   []string{"e0", "e2"},
	}, {
		name:  "a multi-valued field compared is null: no row",
		query: `from logs-test-* | where process.args == "x"`,
		lines: []string{
			doc(0, proc+`"a","process.args":["x","y"]`),
			doc(1, proc+`"a","process.args":"x"`),
		},
		fields: []string{"event.id"},
		want:   []string{"e1"},
	}, {
		name:  "STATS per look-back window: one alert per group row",
		query: `from logs-test-* | stats Esql.n = count(*), Esql.names = values(process.name) by host.name | where Esql.n >= 3`,
		from:  "now-6m", // windows [-1m,5m), [4m,10m), ... one every 5m
		lines: []string{
			doc(0, proc+`"a","process.name":"x"`),
			doc(1, proc+`"a","process.name":"y"`),
			doc(2, proc+`"a","process.name":"x"`),
			doc(3, proc+`"b","process.name":"x"`),
			doc(6, proc+`"b","process.name":"x"`),
			doc(8, proc+`"b","process.name":"x"`),
		},
		fields: []string{"host.name", "Esql.n", "Esql.names"},
		want:   []string{"a 3 [x, y]"},
	}, {
		name:  "overlapping look-backs each judge their window",
		query: `from logs-test-* | stats Esql.n = count(*) by host.name | where Esql.n >= 3`,
		from:  "now-10m", // windows [-5m,5m), [0m,10m), [5m,15m)
		lines: []string{
			doc(0, proc+`"a"`), doc(1, proc+`"a"`), doc(2, proc+`"a"`),
			doc(3, proc+`"b"`), doc(6, proc+`"b"`), doc(8, proc+`"b"`),
		},
		fields: []string{"host.name", "Esql.n", "@timestamp"},
		want:   []string{"a 3 2024-05-01T00:05:00.000Z", "a 3 2024-05-01T00:10:00.000Z", "b 3 2024-05-01T00:10:00.000Z"},
	}, {
		name:  "EVAL and WHERE after STATS",
		query: `from logs-test-* | where event.category == "process" | stats c = count_distinct(process.name) by host.name | eval Esql.big = c > 1 | where Esql.big`,
		lines: []string{
			doc(0, proc+`"a","process.name":"x"`),
			doc(1, proc+`"a","process.name":"y"`),
			doc(2, proc+`"b","process.name":"x"`),
		},
		fields: []string{"host.name", "c"},
		want:   []string{"a 2"},
	}, {
		name:  "STATS reads the documents' _id",
		query: `from logs-test-* metadata _id | stats Esql.ids = values(_id), n = count(*) by host.name | where n >= 2`,
		lines: []string{
			doc(0, proc+`"a"`), doc(1, proc+`"a"`), doc(2, proc+`"b"`),
		},
		fields: []string{"host.name", "Esql.ids"},
		want:   []string{"a [e0, e1]"},
	}, {
		// Kibana runs the rule every interval over [run-from, run): with
		// interval 10m and from now-10m the windows tile event time at
		// multiples of 10m, and a burst across a boundary is split
		name:     "interval and from in event time: tumbling windows",
		query:    `from logs-test-* | stats Esql.n = count(*) by host.name | where Esql.n >= 3`,
		from:     "now-10m",
		interval: "10m",
		lines: []string{
			doc(7, proc+`"a"`), doc(8, proc+`"a"`), doc(11, proc+`"a"`), doc(12, proc+`"a"`),
			doc(21, proc+`"b"`), doc(22, proc+`"b"`), doc(29, proc+`"b"`),
		},
		fields: []string{"host.name", "Esql.n", "@timestamp"},
		want:   []string{"b 3 2024-05-01T00:30:00.000Z"},
	}, {
		// from longer than the interval: windows of 15m ending every 5m;
		// each window holding three of a's events alerts once
		name:     "interval and from in event time: sliding windows",
		query:    `from logs-test-* | stats Esql.n = count(*) by host.name | where Esql.n >= 3`,
		from:     "now-15m",
		interval: "5m",
		lines: []string{
			doc(7, proc+`"a"`), doc(8, proc+`"a"`), doc(16, proc+`"a"`),
		},
		fields: []string{"host.name", "Esql.n", "@timestamp"},
		want:   []string{"a 3 2024-05-01T00:20:00.000Z"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			from := tc.from
			if from == "" {
				from = "now-6m"
			}
			r := esqlRule(tc.query, from)
			r.Interval = tc.interval
			as, eng := runLines(t, r, Options{}, tc.lines...)
			got := alertRows(as, eng, tc.fields...)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("alerts %q, want %q", got, tc.want)
			}
		})
	}
}

// TestESQLFilter checks that the WHERE before the first EVAL/STATS files
// an ES|QL rule by its literals and holds for every row the query keeps.
func TestESQLFilter(t *testing.T) {
	s := event.NewSchema()
	q, err := CompileESQL(`from logs-* | where event.code == "4104" and to_lower(process.name) like "*wsh*" and host.os.type in ("windows", "macos") | eval x = 1 | where process.pid == 4`, s, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	p := esqlFilter(q.Prog, s)
	needs := match.Needs(p, func(match.Need) int { return 1 })
	if len(needs) == 0 {
		t.Fatalf("filter %v has no needs", p)
	}
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{`{"event.code":"4104","process.name":"PWSH.exe","host.os.type":"windows"}`, true},
		{`{"event.code":4104,"process.name":"xwsh","host.os.type":"macos"}`, true},
		{`{"event.code":"4103","process.name":"PWSH.exe","host.os.type":"windows"}`, false},
		{`{"event.code":"4104","process.name":"cmd.exe","host.os.type":"windows"}`, false},
		{`{"event.code":"4104","process.name":"PWSH.exe","host.os.type":"linux"}`, false},
	} {
		ev := &event.Event{}
		if err := s.Decode([]byte(tc.doc), ev); err != nil {
			t.Fatal(err)
		}
		if got := p.Match(ev); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.doc, got, tc.want)
		}
	}
}

// TestESQLEventAlertHoldsRow checks that an event rule's alert carries the
// columns the query computed, so that they show and alert suppression can
// group by them.
func TestESQLEventAlertHoldsRow(t *testing.T) {
	r := esqlRule(`from logs-test-* | where process.name == "sc.exe" | eval Esql.len = length(process.command_line) | keep Esql.len, host.name`, "now-6m")
	as, eng := runLines(t, r, Options{},
		doc(0, `"host.name":"a","process.name":"sc.exe","process.command_line":"sc.exe create"`))
	got := alertRows(as, eng, "event.id", "host.name", "Esql.len", "process.command_line")
	want := []string{"e0 a 13 sc.exe create"}
	if !slices.Equal(got, want) {
		t.Errorf("alerts %q, want %q", got, want)
	}
}

// TestESQLFilterRewrites checks the filters drawn from WHERE conditions
// after EVAL, RENAME and MV_EXPAND (rewritten over source columns), CASE
// and LOCATE: each document the filter rejects yields no row (the filter
// is sound, checked by running the query), and the filter rejects the
// documents it should (it is useful).
func TestESQLFilterRewrites(t *testing.T) {
	tests := []struct {
		query string
		docs  []string // documents
		pass  []bool   // the filter's verdict on each
	}{
		{
			`from logs-* | eval pname = to_lower(process.name) | where pname like "pwsh*"`,
			[]string{`{"process.name":"PWSH.EXE"}`, `{"process.name":"cmd.exe"}`},
			[]bool{true, false},
		},
		{
			`from logs-* | eval s = "*" | eval p = to_lower(process.name) | rename p as q | where q like "cmd*" and event.code == "1"`,
			[]string{`{"process.name":"Cmd.exe","event.code":"1"}`, `{"process.name":"Cmd.exe","event.code":"2"}`, `{"process.name":"x","event.code":"1"}`},
			[]bool{true, false, false},
		},
		{
			// EVAL shadows a source column: its condition is not the field's
			`from logs-* | eval process.name = "cmd.exe" | where process.name == "cmd.exe"`,
			[]string{`{"process.name":"other.exe"}`},
			[]bool{true},
		},
		{
			`from logs-* | mv_expand process.args | where process.args == "-enc"`,
			[]string{`{"process.args":["a","-enc"]}`, `{"process.args":["a","b"]}`},
			[]bool{true, false},
		},
		{
			`from logs-* | eval v = case(process.name == "a.exe", "A", process.name like "b*.exe", "B", "") | where v != "" and v is not null`,
			[]string{`{"process.name":"a.exe"}`, `{"process.name":"b1.exe"}`, `{"process.name":"c.exe"}`},
			[]bool{true, true, false},
		},
		{
			// the else value passes: every document may
			`from logs-* | eval v = case(process.name == "a.exe", "A", "Z") | where v is not null`,
			[]string{`{"process.name":"c.exe"}`},
			[]bool{true},
		},
		{
			`from logs-* | eval n = locate(process.command_line, space(3)) | where n > 0`,
			[]string{`{"process.command_line":"a   b"}`, `{"process.command_line":"a b"}`},
			[]bool{true, false},
		},
		{
			// METADATA columns are no event fields
			`from logs-* metadata _id | where _id == "x" and event.code == "1"`,
			[]string{`{"event.code":"1"}`, `{"event.code":"2"}`},
			[]bool{true, false},
		},
		{
			// MATCH over a keyword field is equality, whatever its options
			`from logs-* | where match(process.name, "svchost.exe", {"fuzziness": 1}) and process.name : "svchost.exe"`,
			[]string{`{"process.name":"svchost.exe"}`, `{"process.name":"svch0st.exe"}`, `{"process.name":"SVCHOST.EXE"}`},
			[]bool{true, false, false},
		},
		{
			`from logs-* | where match(to_lower(process.name), "svchost.exe")`,
			[]string{`{"process.name":"SvcHost.exe"}`, `{"process.name":"svchost.ex"}`},
			[]bool{true, false},
		},
		{
			// NOT of IN and LIKE over TO_LOWER, as the svchost masquerading rule
			// writes them, decide a single string (one in an array too)
			// exactly; numbers and missing fields are left to the query
			"from logs-* | where process.name == \"svchost.exe\" and not to_lower(process.executable) in (\"c:\\\\windows\\\\system32\\\\svchost.exe\", \"c:\\\\windows\\\\syswow64\\\\svchost.exe\") and " +
				"not to_lower(process.executable) like \"\"\"\\\\device\\\\harddiskvolume*\\\\windows\\\\system32\\\\svchost.exe\"\"\"",
			[]string{
				`{"process.name":"svchost.exe","process.executable":"C:\\Windows\\System32\\svchost.exe"}`,
				`{"process.name":"svchost.exe","process.executable":"\\Device\\HarddiskVolume3\\Windows\\System32\\svchost.exe"}`,
				`{"process.name":"svchost.exe","process.executable":"C:\\Users\\x\\svchost.exe"}`,
				`{"process.name":"svchost.exe"}`,
				`{"process.name":"svchost.exe","process.executable":["C:\\Windows\\System32\\svchost.exe"]}`,
				`{"process.name":"svchost.exe","process.executable":"C:\\Windows\\System32\\svchost.exe\u212a"}`,
			},
			[]bool{false, false, true, true, false, true},
		},
		{
			// NOT ==, NOT IN and NOT LIKE written after the operand; TO_UPPER;
			// a literal in upper case that TO_LOWER never yields
			`from logs-* | where not process.name == "a.exe" and process.name not in ("b.exe") and to_upper(process.name) not like "C*" and not to_lower(process.name) in ("D.EXE")`,
			[]string{`{"process.name":"a.exe"}`, `{"process.name":"b.exe"}`, `{"process.name":"c.exe"}`, `{"process.name":"d.exe"}`, `{"process.name":"A.exe"}`, `{"process.name":4}`},
			[]bool{false, false, false, true, true, true},
		},
		{
			// over a text field MATCH is any token: no need
			`from logs-* | where match(message, "svchost")`,
			[]string{`{"message":"ran svchost now"}`, `{"message":"other"}`},
			[]bool{true, true},
		},
		{
			// after GROK the columns are not followed
			`from logs-* | grok message "%{WORD:process.name}" | where process.name == "cmd.exe"`,
			[]string{`{"message":"cmd.exe","process.name":"x"}`},
			[]bool{true},
		},
	}
	for _, tc := range tests {
		s := event.NewSchema()
		q, err := CompileESQL(tc.query, s, nil, time.Unix(0, 0))
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		p := esqlFilter(q.Prog, s)
		for i, doc := range tc.docs {
			ev := &event.Event{}
			if err := s.Decode([]byte(doc), ev); err != nil {
				t.Fatal(err)
			}
			got := p.Match(ev)
			if got != tc.pass[i] {
				t.Errorf("%s\n  %s: filter %v, want %v", tc.query, doc, got, tc.pass[i])
			}
			var w esql.Warnings
			rows := q.Prog.Run([]esql.Row{{Cells: q.Row(ev), Doc: ev}}, &w)
			if !got && len(rows) > 0 {
				t.Errorf("%s\n  %s: the filter rejects a document with %d rows", tc.query, doc, len(rows))
			}
		}
	}
}
