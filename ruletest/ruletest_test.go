package ruletest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

var testRule = filepath.Join("testdata", "rules", "remote_sc.test.toml")

func TestDiscover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		paths    []string
		tests    []string
		untested []string
	}{
		{"folder", []string{"testdata"},
			[]string{testRule}, []string{filepath.Join("testdata", "rules", "untested.toml")}},
		{"rule file stands for its test", []string{filepath.Join("testdata", "rules", "remote_sc.toml")},
			[]string{testRule}, nil},
		{"test file", []string{testRule}, []string{testRule}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, errs := Discover(tc.paths)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if strings.Join(found.Tests, ",") != strings.Join(tc.tests, ",") ||
				strings.Join(found.Untested, ",") != strings.Join(tc.untested, ",") {
				t.Errorf("got %v / %v, want %v / %v", found.Tests, found.Untested, tc.tests, tc.untested)
			}
		})
	}
	if _, errs := Discover([]string{"testdata/nothing"}); len(errs) != 1 {
		t.Errorf("a missing path must be an error: %v", errs)
	}
}

func TestParseErrors(t *testing.T) {
	const ev = `events = '{"a":1}'` + "\n"
	for _, tc := range []struct{ name, data, want string }{
		{"no cases", `rule = "x.toml"`, "t.test.toml: no [[test]] cases"},
		{"unknown key", "[[test]]\nname = \"a\"\n" + ev + "expect = 2\n",
			"t.test.toml:4:1: unknown key test.expect"},
		{"syntax", "[[test]\n", "t.test.toml:1:7:"},
		{"no name", "[[test]]\n" + ev + "alerts = 0\n", `t.test.toml: test 1: no name`},
		{"same name", "[[test]]\nname = \"a\"\n" + ev + "alerts = 0\n[[test]]\nname = \"a\"\n" + ev + "alerts = 0\n",
			`t.test.toml: test "a": name used twice`},
		{"no events", "[[test]]\nname = \"a\"\nalerts = 0\n", `t.test.toml: test "a": no events and no files`},
		{"only comments", "[[test]]\nname = \"a\"\nevents = '''\n# nothing\n\n'''\nalerts = 0\n",
			`t.test.toml: test "a": no events and no files`},
		{"no expectation", "[[test]]\nname = \"a\"\n" + ev,
			`t.test.toml: test "a": no expectation: set alerts = N or add [[test.alert]] entries`},
		{"fewer alerts than entries", "[[test]]\nname = \"a\"\n" + ev + "alerts = 0\n[[test.alert]]\n",
			`t.test.toml: test "a": alerts = 0 but 1 [[test.alert]] entries`},
		{"negative count", "[[test]]\nname = \"a\"\n" + ev + "alerts = -1\n",
			`t.test.toml: test "a": alerts = -1: want 0 or more`},
		{"event out of range", "[[test]]\nname = \"a\"\n" + ev + "[[test.alert]]\nevents = [2]\n",
			`t.test.toml: test "a": alert 1: event 2: there are 1 inline events`},
		{"bad file ref", "[[test]]\nname = \"a\"\n" + ev + "[[test.alert]]\nevents = [\"x.evtx\"]\n",
			`t.test.toml: test "a": alert 1: event "x.evtx": want FILE:N`},
		{"bad field value", "[[test]]\nname = \"a\"\n" + ev + "[[test.alert]]\nfields = { a = [1] }\n",
			`t.test.toml: test "a": alert 1: field a: want a string, number or boolean`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.test.toml", []byte(tc.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got %q, want %q", err, tc.want)
			}
		})
	}
}

func TestParseRulePath(t *testing.T) {
	f, err := Parse(filepath.Join("dir", "a.test.toml"), []byte("[[test]]\nname = \"x\"\nevents = '{}'\nalerts = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Rule != filepath.Join("dir", "a.toml") {
		t.Errorf("rule beside the test: %s", f.Rule)
	}
	f, err = Parse(filepath.Join("dir", "a.test.toml"), []byte("rule = \"../b.toml\"\n[[test]]\nname = \"x\"\nevents = '{}'\nalerts = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Rule != "b.toml" {
		t.Errorf("rule key relative to the test: %s", f.Rule)
	}
	abs, _ := filepath.Abs("c.toml")
	f, err = Parse(filepath.Join("dir", "a.test.toml"), []byte("rule = '"+abs+"'\n[[test]]\nname = \"x\"\nevents = '{}'\nalerts = 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Rule != abs {
		t.Errorf("absolute rule key: %s", f.Rule)
	}
}

func TestRunPasses(t *testing.T) {
	f, err := Load(testRule)
	if err != nil {
		t.Fatal(err)
	}
	results := (&Runner{}).Run(context.Background(), f)
	if len(results) != 3 {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		if !r.Passed() || r.Rule != "Test Remote sc.exe" {
			t.Errorf("%s: %s: %v", r.Rule, r.Case, r.Problems)
		}
	}
	if results[0].Got != 1 || results[1].Got != 0 {
		t.Errorf("alert counts %d %d", results[0].Got, results[1].Got)
	}

	// Events of a file found in a listed folder are named by the folder
	// as listed, then the path below it; an absolute file as it is.
	abs, err := filepath.Abs(filepath.Join("testdata", "rules", "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	f, err = Parse(testRule, []byte("[[test]]\nname = \"folder\"\nfiles = [\".\"]\n[[test.alert]]\nevents = [\"./events.ndjson:2\"]\n"+
		"[[test]]\nname = \"absolute\"\nfiles = ['"+abs+"']\n[[test.alert]]\nevents = ['"+abs+":2']\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range (&Runner{}).Run(context.Background(), f) {
		if !r.Passed() {
			t.Errorf("%s: %v", r.Case, r.Problems)
		}
	}
}

// TestRunReportsDifferences checks that a case that does not hold says
// what differed, one line per difference.
func TestRunReportsDifferences(t *testing.T) {
	const positive = `{"@timestamp":"2026-11-20T09:14:01Z","event":{"category":["process"]},"host":{"name":"WKS1"},"process":{"name":"sc.exe","args":["sc.exe","\\\\FS02","create"]}}`
	const negative = `{"@timestamp":"2026-11-20T09:14:00Z","event":{"category":["process"]},"host":{"name":"WKS1"},"process":{"name":"sc.exe","args":["sc.exe","query"]}}`
	for _, tc := range []struct {
		name, test string
		want       []string
	}{
		{"count", "events = '''\n" + positive + "\n'''\nalerts = 0\n",
			[]string{"want 0 alerts, got 1, on events [1]"}},
		{"missing alert", "events = '''\n" + negative + "\n'''\nalerts = 1\n",
			[]string{"want 1 alerts, got 0"}},
		{"events and fields", "events = '''\n" + negative + "\n" + positive + "\n'''\n[[test.alert]]\nevents = [1]\n" +
			"fields = { \"host.name\" = \"WKS9\", \"process.args\" = \"start\", \"user.name\" = \"x\" }\n",
			[]string{
				"alert 1: want events [1], got [2]",
				`alert 1: host.name: want "WKS9", got "WKS1"`,
				`alert 1: process.args: want "start", got "sc.exe\", \"\\\\FS02\", \"create"`,
				`alert 1: user.name: want "x", got missing`,
			}},
		{"bad event", "events = '''\n{\"a\":\n'''\nalerts = 0\n",
			[]string{"events: inline event 1: "}},
		{"missing file", "files = [\"nothing.ndjson\"]\nalerts = 0\n",
			[]string{"events: stat "}},
		{"rule does not load", "rule = \"nothing.toml\"\n", []string{"rule does not load: open "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := "[[test]]\nname = \"c\"\n" + tc.test
			if strings.HasPrefix(tc.test, "rule") {
				data = tc.test + "[[test]]\nname = \"c\"\nevents = '{}'\nalerts = 0\n"
			}
			f, err := Parse(testRule, []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			res := (&Runner{}).Run(context.Background(), f)[0]
			if len(res.Problems) != len(tc.want) {
				t.Fatalf("problems %q, want %q", res.Problems, tc.want)
			}
			for i, p := range res.Problems {
				if !strings.HasPrefix(p, tc.want[i]) {
					t.Errorf("problem %d: %q, want %q", i, p, tc.want[i])
				}
			}
		})
	}
}

func TestReport(t *testing.T) {
	var b strings.Builder
	s := Report(&b, []Result{
		{File: "a.test.toml", Rule: "R", Case: "ok", Got: 1},
		{File: "a.test.toml", Rule: "R", Case: "bad", Problems: []string{"want 1 alerts, got 0"}},
		{File: "b.test.toml", Rule: "S", Case: "ok"},
	}, true)
	want := `ok    a.test.toml: R: "ok" (1 alerts)
FAIL  a.test.toml: R: "bad"
      want 1 alerts, got 0
ok    b.test.toml: S: "ok" (0 alerts)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if s != (Summary{Files: 2, Cases: 3, Failed: 1}) {
		t.Errorf("summary %+v", s)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("[[test]]\nname = \"a\"\nevents = '{}'\n[[test.alert]]\nevents = [1, \"x:2\"]\nfields = {a = 1}\n"))
	f.Add([]byte("rule = \"x\"\n[[test]]\nalerts = -1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		f, err := Parse("f.test.toml", data)
		if err == nil && len(f.Cases) == 0 {
			t.Fatal("a file without cases parsed")
		}
	})
}

func TestLoadFS(t *testing.T) {
	rl, err := os.ReadFile(filepath.Join("testdata", "rules", "remote_sc.toml"))
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile(testRule)
	if err != nil {
		t.Fatal(err)
	}
	inline := []byte("[[test]]\nname = \"local only\"\nevents = '{\"@timestamp\":\"2026-11-20T09:14:00Z\",\"event\":{\"category\":[\"process\"]},\"process\":{\"name\":\"sc.exe\",\"args\":[\"\\\\\\\\FS02\"]}}'\nalerts = 1\n")
	fsys := fstest.MapFS{
		"a/remote_sc.toml":      {Data: rl},
		"a/remote_sc.test.toml": {Data: inline},
		"b/remote_sc.toml":      {Data: rl},
		"b/remote_sc.test.toml": {Data: tests},
		"c/untested.toml":       {Data: rl},
	}
	found, err := DiscoverFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(found.Tests, " ") != "a/remote_sc.test.toml b/remote_sc.test.toml" || strings.Join(found.Untested, " ") != "c/untested.toml" {
		t.Errorf("found %v / %v", found.Tests, found.Untested)
	}
	f, err := LoadFS(fsys, "pack", "a/remote_sc.test.toml")
	if err != nil {
		t.Fatal(err)
	}
	res := (&Runner{}).Run(context.Background(), f)
	if len(res) != 1 || !res[0].Passed() || res[0].File != "pack/a/remote_sc.test.toml" || res[0].Rule != "Test Remote sc.exe" {
		t.Errorf("%+v", res)
	}
	// Event files cannot be read from a file system other than the disk.
	_, err = LoadFS(fsys, "pack", "b/remote_sc.test.toml")
	if err == nil || err.Error() != `pack/b/remote_sc.test.toml: test "from a file": event files cannot be read from pack` {
		t.Errorf("files in an embedded test: %v", err)
	}
}
