package rule

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/testenv"
)

func TestParseSample(t *testing.T) {
	r, warns, err := LoadFile("testdata/sample.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Path", r.Path, "testdata/sample.toml"},
		{"Line", r.Line, 8},
		{"ID", r.ID, "d61cbcf8-1bc1-4cff-85ba-e7b21c5beedc"},
		{"Name", r.Name, "Sample"},
		{"Type", r.Type, "threshold"},
		{"Language", r.Language, "kuery"},
		{"Query", r.Query, "process.name:sc.exe and\n  process.args:(create or config)\n"},
		{"QueryLine", r.QueryLine, 30},
		{"QueryCol", r.QueryCol, 1},
		{"QueryStyle", r.QueryStyle, MultiLineLiteral},
		{"Index", r.Index, []string{"logs-endpoint.events.process-*", "winlogbeat-*"}},
		{"From", r.From, "now-9m"},
		{"Interval", r.Interval, "5m"},
		{"To", r.To, "now"},
		{"MaxSignals", r.MaxSignals, 33},
		{"Severity", r.Severity, "medium"},
		{"RiskScore", r.RiskScore, 47},
		{"Tags", r.Tags, []string{"Domain: Endpoint", "OS: Windows"}},
		{"Author", r.Author, []string{"Elastic"}},
		{"License", r.License, "Elastic License v2"},
		{"Note", r.Note, "## Triage\nLook at it."},
		{"References", r.References, []string{"https://example.com"}},
		{"FalsePositives", r.FalsePositives, []string{"Admins"}},
		{"TimestampOverride", r.TimestampOverride, "event.ingested"},
		{"BuildingBlockType", r.BuildingBlockType, "default"},
		{"Metadata", r.Metadata, Metadata{
			CreationDate: "2020/08/14", UpdatedDate: "2025/03/20", Maturity: "production",
			Integration: []string{"endpoint", "windows"}, MinStackVersion: "8.14.0",
		}},
		{"Threat", r.Threat, []Threat{{
			Framework: "MITRE ATT&CK",
			Tactic:    ThreatEntry{ID: "TA0002", Name: "Execution", Reference: "https://attack.mitre.org/tactics/TA0002/"},
			Technique: []Technique{{
				ID: "T1569", Name: "System Services", Reference: "https://attack.mitre.org/techniques/T1569/",
				Subtechnique: []ThreatEntry{{ID: "T1569.002", Name: "Service Execution", Reference: "https://attack.mitre.org/techniques/T1569/002/"}},
			}},
		}}},
		{"Threshold", r.Threshold, &Threshold{
			Field: []string{"host.id", "user.name"}, Value: 5,
			Cardinality: []Cardinality{{Field: "process.name", Value: 2}},
		}},
		{"Filters", r.Filters, []any{map[string]any{
			"meta": map[string]any{"negate": true},
			"query": map[string]any{"wildcard": map[string]any{"file.path": map[string]any{
				"case_insensitive": true, "value": `C:\Windows\*`,
			}}},
		}}},
		{"AlertSuppression", r.AlertSuppression, &AlertSuppression{
			GroupBy: []string{"host.name"}, MissingFieldsStrategy: "suppress", Duration: &Duration{Value: 6, Unit: "h"},
		}},
		{"InvestigationFields", r.InvestigationFields, []string{"host.name", "user.name"}},
		{"Transform", r.Transform(), map[string]any{"osquery": []any{map[string]any{
			"label": "Osquery - processes", "query": "SELECT * FROM processes",
		}}}},
		{"Has(index)", r.Has("index"), true},
		{"Has(to)", r.Has("to"), false},
		{"LookBack", r.LookBack(), 4 * time.Minute},
		{"Window", r.Window(), 9 * time.Minute},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

const minimal = `
[metadata]
creation_date = "2020/01/01"
[rule]
rule_id = "x"
name = "n"
description = "d"
risk_score = 21
severity = "low"
`

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		typ, lang, wantLang string
		index               []string
	}{
		{"query", "", "kuery", DefaultIndex},
		{"threshold", "", "kuery", DefaultIndex},
		{"eql", "", "eql", DefaultIndex},
		{"esql", "", "esql", nil},
		{"machine_learning", "", "", nil},
		{"query", "lucene", "lucene", DefaultIndex},
	} {
		t.Run(tc.typ+"/"+tc.lang, func(t *testing.T) {
			src := minimal + `type = "` + tc.typ + `"` + "\n"
			if tc.lang != "" {
				src += `language = "` + tc.lang + `"` + "\n"
			}
			if tc.typ != "machine_learning" {
				src += "query = \"x\"\n"
			}
			r, _, err := Parse("x.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if r.From != "now-6m" || r.Interval != "5m" || r.MaxSignals != 100 || r.To != "now" {
				t.Errorf("defaults: from %q interval %q max_signals %d to %q", r.From, r.Interval, r.MaxSignals, r.To)
			}
			if r.Language != tc.wantLang {
				t.Errorf("Language = %q, want %q", r.Language, tc.wantLang)
			}
			if r.Index != nil || r.Has("index") {
				t.Errorf("Index = %v, Has(index) = %v; want absent", r.Index, r.Has("index"))
			}
			if !reflect.DeepEqual(r.Indices(), tc.index) {
				t.Errorf("Indices() = %v, want %v", r.Indices(), tc.index)
			}
			if r.LookBack() != time.Minute {
				t.Errorf("LookBack() = %v, want 1m", r.LookBack())
			}
		})
	}
}

func TestErrors(t *testing.T) {
	head := "[metadata]\nmaturity = \"production\"\n[rule]\nrule_id = \"x\"\nname = \"n\"\ntype = \"query\"\nquery = \"a:b\"\n"
	// head is 7 lines; the line under test is line 8.
	for _, tc := range []struct {
		name, src, want string
	}{
		{"risk_score string", head + `risk_score = "47"`, `x.toml:8:1: rule.risk_score: expected integer, got string`},
		{"risk_score range", head + `risk_score = 101`, `x.toml:8:1: rule.risk_score: must be between 0 and 100, got 101`},
		{"max_signals zero", head + `max_signals = 0`, `x.toml:8:1: rule.max_signals: must be at least 1, got 0`},
		{"name integer", "[rule]\nrule_id = \"x\"\ntype = \"esql\"\nquery = \"from x\"\n  name = 3", `x.toml:5:3: rule.name: expected string, got integer`},
		{"tags not list", head + `tags = "a"`, `x.toml:8:1: rule.tags: expected array of strings, got string`},
		{"tags element", head + `tags = ["a", 2, true]`, "x.toml:8:14: rule.tags[1]: expected string, got integer\nx.toml:8:17: rule.tags[2]: expected string, got boolean"},
		{"index table", head + "[rule.index]\na = 1", `x.toml:8:7: rule.index: expected array of strings, got table`},
		{"threshold value", head + "[rule.threshold]\nfield = 3\nvalue = \"5\"", "x.toml:9:1: rule.threshold.field: expected string or array of strings, got integer\nx.toml:10:1: rule.threshold.value: expected integer, got string"},
		{"threat tactic id", head + "[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n[rule.threat.tactic]\nid = 2", `x.toml:11:1: rule.threat[0].tactic.id: expected string, got integer`},
		{"threat not array", head + "threat = \"T1\"", `x.toml:8:1: rule.threat: expected array of tables, got string`},
		{"cardinality", head + "[rule.threshold]\nvalue = 1\ncardinality = [{field = \"a\", value = \"2\"}]", `x.toml:10:30: rule.threshold.cardinality[0].value: expected integer, got string`},
		{"from", head + `from = "now-9x"`, `x.toml:8:1: rule.from: invalid date math "now-9x": unknown unit "x"`},
		{"interval", head + `interval = "5"`, `x.toml:8:1: rule.interval: invalid interval "5": want a number and a unit (s, m, h, d), e.g. "5m"`},
		{"enabled", head + `enabled = "yes"`, `x.toml:8:1: rule.enabled: expected boolean, got string`},
		{"metadata integration", "[metadata]\nintegration = 3\n" + head[len("[metadata]\nmaturity = \"production\"\n"):], `x.toml:2:1: metadata.integration: expected string or array of strings, got integer`},
		{"missing rule", "[metadata]\nmaturity = \"production\"\n", `x.toml:1:1: missing [rule] table`},
		{"rule not table", "rule = 1\n", `x.toml:1:1: rule: expected table, got integer`},
		{"missing keys", "[rule]\ntype = \"eql\"\n", "x.toml:1: rule: missing required key \"rule_id\"\nx.toml:1: rule: missing required key \"name\"\nx.toml:1: rule: missing required key \"query\" for a eql rule"},
		{"malformed", head + "risk_score = = 3", `x.toml:8:14: unexpected character U+003D '=' at start of value`},
		{"unterminated string", head + "note = \"abc\nx = 1", `x.toml:8:12: basic strings cannot have new lines`},
		{"duplicate key", head + "name = \"again\"", `x.toml:8:1: key "name" is already defined`},
		{"table twice", head + "[rule.threshold]\n[rule.threshold]", `x.toml:9:7: table "rule.threshold" is already defined`},
		{"redefine dotted table", head + "threshold.value = 1\n[rule.threshold]", `x.toml:9:7: key "rule.threshold" is already defined as a table (by a dotted key)`},
		{"append to static array", head + "tags = []\n[[rule.tags]]", `x.toml:9:8: key "rule.tags" is already defined as an array`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("x.toml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error, want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
			var list srcpos.ErrorList
			if !errors.As(err, &list) {
				t.Errorf("error is %T, want srcpos.ErrorList", err)
			}
		})
	}
}

func TestUnknownKeys(t *testing.T) {
	src := minimal + `type = "query"
query = "a:b"
colour = "red"
[[rule.threat]]
framework = "MITRE ATT&CK"
weight = 1
[[rule.threat]]
framework = "MITRE ATT&CK"
weight = 2
[extra]
x = 1
`
	r, warns, err := Parse("x.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{
		"x.toml:12:1: rule.colour: unknown key",
		"x.toml:15:1: rule.threat.weight: unknown key",
		"x.toml:19:2: extra: unknown key",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Has("colour") {
		t.Error("Has(colour) = true for an unknown key")
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := minimal + "type = \"query\"\nquery = \"a:b\"\nodd = 1\n"
	write("b/two.toml", strings.Replace(good, `rule_id = "x"`, `rule_id = "y"`, 1))
	write("a/one.toml", good)
	write("a/bad.toml", "[rule\n")
	write("_deprecated/old.toml", good)
	write("a/readme.md", "not a rule")
	rules, warns, errs := LoadPaths(dir, filepath.Join(dir, "a", "one.toml"))
	var paths []string
	for _, r := range rules {
		paths = append(paths, strings.TrimPrefix(r.Path, dir+"/"))
	}
	if want := []string{"a/one.toml", "b/two.toml"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("rules %v, want %v", paths, want)
	}
	if len(errs) != 1 || !strings.HasSuffix(errs[0].Error(), "a/bad.toml:1:6: expected ']' to close table name") {
		t.Errorf("errs = %v", errs)
	}
	if len(warns) != 1 || warns[0].Key != "rule.odd" || warns[0].Count != 2 {
		t.Errorf("warns = %v", warns)
	}
}

func TestDateMath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"now-9m", 9 * time.Minute, ""},
		{"now-1h", time.Hour, ""},
		{"now-30s", 30 * time.Second, ""},
		{"now-1d", 24 * time.Hour, ""},
		{"now-2w", 14 * 24 * time.Hour, ""},
		{"now-7205m", 7205 * time.Minute, ""},
		{"now-1d-2h", 26 * time.Hour, ""},
		{"now+1m", -time.Minute, ""},
		{"now", 0, ""},
		{"9m", 9 * time.Minute, ""},
		{"now-1M", 0, `invalid date math "now-1M": unit "M" has no fixed length`},
		{"now-1d/d", 0, `invalid date math "now-1d/d": rounding (/d) is not supported`},
		{"now-m", 0, `invalid date math "now-m": want a number and a unit after "-"`},
		{"yesterday", 0, `invalid date math "yesterday": want now, now-9m, now-1h, ...`},
	} {
		got, err := ParseFrom(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseFrom(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFrom(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"5m", 5 * time.Minute, ""},
		{"1h", time.Hour, ""},
		{"60s", time.Minute, ""},
		{"1d", 24 * time.Hour, ""},
		{"0m", 0, `invalid interval "0m": must be positive`},
		{"5w", 0, `invalid interval "5w": unknown unit "w" (want s, m, h or d)`},
		{"m", 0, `invalid interval "m": want a number and a unit (s, m, h, d), e.g. "5m"`},
	} {
		got, err := ParseInterval(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseInterval(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	r := &Rule{From: "now-119m", Interval: "60m", To: "now"}
	if r.LookBack() != 59*time.Minute || r.Window() != 119*time.Minute {
		t.Errorf("LookBack() = %v, Window() = %v", r.LookBack(), r.Window())
	}
}

func TestQueryPos(t *testing.T) {
	for _, tc := range []struct {
		name   string
		query  string // the TOML line(s) after "query = "
		text   string // expected decoded query
		qpos   [2]int // position in the query
		wantFP [2]int // expected file position
	}{
		// The rule starts with "[rule]\n", so "query = " is on line 2.
		{"basic", `"a:b and c:d"`, "a:b and c:d", [2]int{1, 5}, [2]int{2, 14}},
		{"literal", `'a:b and c:d'`, "a:b and c:d", [2]int{1, 1}, [2]int{2, 10}},
		{"basic escapes", `"a:\"x\" and c:\\d"`, `a:"x" and c:\d`, [2]int{1, 11}, [2]int{2, 22}},
		{"multiline literal", "'''\na:b and\n  c:d\n'''", "a:b and\n  c:d\n", [2]int{2, 3}, [2]int{4, 3}},
		{"multiline literal same line", "'''a:b and\n  c:d'''", "a:b and\n  c:d", [2]int{1, 5}, [2]int{2, 16}},
		{"multiline basic", "\"\"\"\na:\\\"b\\\" and\n  c:d\n\"\"\"", "a:\"b\" and\n  c:d\n", [2]int{1, 8}, [2]int{3, 10}},
		{"line ending backslash", "\"\"\"\na:b \\\n    and c:d\"\"\"", "a:b and c:d", [2]int{1, 9}, [2]int{4, 9}},
		{"escaped newline", `"a:b\nand c:d"`, "a:b\nand c:d", [2]int{2, 5}, [2]int{2, 19}},
		{"past end", `"a:b"`, "a:b", [2]int{1, 4}, [2]int{2, 13}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "[rule]\nquery = " + tc.query + "\nrule_id = \"x\"\nname = \"n\"\ntype = \"query\"\n"
			r, _, err := Parse("x.toml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if r.Query != tc.text {
				t.Fatalf("Query = %q, want %q", r.Query, tc.text)
			}
			l, c := r.QueryPos(tc.qpos[0], tc.qpos[1])
			if [2]int{l, c} != tc.wantFP {
				t.Errorf("QueryPos(%d, %d) = %d:%d, want %d:%d", tc.qpos[0], tc.qpos[1], l, c, tc.wantFP[0], tc.wantFP[1])
			}
		})
	}
}

// TestParseAfterOtherFiles parses files one after another, as a loader's
// worker does with one builder, and checks each rule against the same
// file parsed first: nothing of an earlier file's tree may show in a
// later one (builders are reused).
func TestParseAfterOtherFiles(t *testing.T) {
	files := []string{"testdata/sample.toml"}
	more, _ := filepath.Glob(filepath.Join(testenv.Path(t, "corpus", "detection-rules", "rules", "windows"), "*lateral_movement*.toml"))
	files = append(files, more...)
	if len(files) > 12 {
		files = files[:12]
	}
	first := map[string]*Rule{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := Parse(f, data)
		if err != nil {
			t.Fatal(err)
		}
		first[f] = r
	}
	for i := range files {
		f := files[len(files)-1-i] // the other order
		data, _ := os.ReadFile(f)
		r, _, _ := Parse(f, data)
		if !reflect.DeepEqual(r, first[f]) {
			t.Errorf("%s: parsed again after other files, the rule differs", f)
		}
	}
}

// TestLineStarts: a line begins at 0 and after each newline, whatever
// the lines hold (empty lines, a carriage return, no final newline).
func TestLineStarts(t *testing.T) {
	for _, tc := range []struct {
		data string
		want []int
	}{
		{"", []int{0}},
		{"a", []int{0}},
		{"\n", []int{0, 1}},
		{"ab\ncd\n", []int{0, 3, 6}},
		{"ab\r\n\n\ncd", []int{0, 4, 5, 6}},
		{strings.Repeat("x", 100) + "\n" + strings.Repeat("y", 40), []int{0, 101}},
	} {
		if got := lineStarts([]int{-1}[:0], []byte(tc.data)); !slices.Equal(got, tc.want) {
			t.Errorf("lineStarts(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}
