package eql

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// testScore prefers long literals, then equality, and uses presence last.
func testScore(n match.Need) int {
	switch n.Op {
	case match.NeedEqual:
		return 1
	case match.NeedExists:
		return 1000
	}
	return 100 - min(len(n.Lit), 50)
}

func needsString(s *event.Schema, cnf [][]match.Need) string {
	var ds []string
	for _, d := range cnf {
		var parts []string
		for _, n := range d {
			parts = append(parts, fmt.Sprintf("%s %s %q", s.Name(n.Slot), n.Op, n.Lit))
		}
		sort.Strings(parts)
		ds = append(ds, strings.Join(parts, " | "))
	}
	sort.Strings(ds)
	return strings.Join(ds, " & ")
}

func TestNeeds(t *testing.T) {
	tests := []struct{ query, want string }{
		{`any where process.name : "SC.exe"`, `process.name == "sc.exe"`},
		{`any where process.name == "SC.exe"`, `process.name == "sc.exe"`},
		{`any where process.name : ("a.exe", "B.EXE")`, `process.name == "a.exe" | process.name == "b.exe"`},
		{`any where process.name in ("A", "b")`, `process.name == "a" | process.name == "b"`},
		{`any where process.name in~ ("A", "b")`, `process.name == "a" | process.name == "b"`},
		{`any where process.name : "*.pif"`, `process.name suffix ".pif"`},
		{`any where process.name : "C:\\*"`, `process.name prefix "c:\\"`},
		{`any where process.name : "*temp*"`, `process.name contains "temp"`},
		{`any where process.executable : "?:\\Users\\*\\AppData\\Roaming\\*.exe"`, `process.executable contains "\\appdata\\roaming\\"`},
		{`any where process.executable : "?:\\PerfLogs\\*"`, `process.executable contains ":\\perflogs\\"`},
		{`any where process.name : ("*.pif", "x.exe")`, `process.name == "x.exe" | process.name suffix ".pif"`},
		{`any where process.name : "*"`, `process.name exists ""`},
		{`any where process.name like "Ab*"`, `process.name prefix "ab"`},
		{`any where startsWith(process.name, "Ab")`, `process.name prefix "ab"`},
		{`any where endsWith~(process.name, "Ab")`, `process.name suffix "ab"`},
		{`any where stringContains(process.name, "Ab")`, `process.name contains "ab"`},
		{`any where process.name regex "mimi[kK]atz.*"`, `process.name contains "mimi"`},
		{`any where process.name regex~ "(foo|barbaz)\\.exe"`, `process.name == "barbaz.exe" | process.name == "foo.exe"`},
		{`any where process.name regex "(foolong|barbaz)[0-9]{1,3}"`, `process.name contains "barbaz" | process.name contains "foolong"`},
		{`any where process.name regex ".*"`, `process.name exists ""`},
		{`any where process.pid == 4`, `process.pid number "4"`},
		{`any where process.pid == 4.5`, `process.pid number "4.5"`},
		{`any where process.pid in (4, 8)`, `process.pid number "4" | process.pid number "8"`},
		{`any where destination.port == 445`, `destination.port number "445"`},
		{`any where process.code_signature.trusted == false`, `process.code_signature.trusted == "false"`},
		{`any where process.pid != 4`, ``},
		{`any where process.pid > 4 and process.name : "a"`, `process.name == "a" & process.pid exists ""`},
		{`any where not process.name : "a.exe"`, ``},
		{`any where process.name != "a.exe"`, ``},
		{`any where process.name : "a.exe" or process.args : "*x*"`, `process.args contains "x" | process.name == "a.exe"`},
		{`any where process.name : "a.exe" or length(process.args) > 2`, ``},
		{`any where process.name : "a.exe" or (process.args : "-x" and user.name : "root")`, `process.args == "-x" | process.name == "a.exe"`},
		{`process where process.name : "a"`, `event.category == "process" & process.name == "a"`},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			s := event.NewSchema()
			p, err := CompileString(tc.query, s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := needsString(s, match.Needs(p.Pred, testScore)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// holds reports whether an event meets a need, as a rule index sees it.
func holds(ev *event.Event, n match.Need) bool {
	v := ev.Get(n.Slot)
	if n.Op == match.NeedExists {
		return v.Exists()
	}
	vals := []event.Value{v}
	if v.Kind() == event.KindArray {
		vals = v.Array()
	}
	for _, x := range vals {
		if n.HoldsValue(x) {
			return true
		}
	}
	return false
}

// TestNeedsNecessary checks that whenever a predicate matches an event,
// each of its needs holds: an index built on them loses no match, whatever
// the case, Unicode folding, arrays and value kinds.
func TestNeedsNecessary(t *testing.T) {
	queries := []string{
		`any where process.name : "SC.exe"`,
		`any where process.name == "sc.exe"`,
		`any where process.name : ("*.pif", "x.exe", "?:\\Users\\*\\Temp\\*")`,
		`any where process.name like~ "*ſC.EXE"`,
		`any where process.name : "*kelvin*"`,
		`any where process.name regex~ "(SC|ſc)\\.[eE]xe"`,
		`any where process.name regex "x{2,}[0-9]+"`,
		`any where process.name in ("4", "true", "1.5")`,
		`any where process.name : "4*"`,
		`any where process.args : ("-ENC*", "*-e *") and user.name : "ROOT"`,
		`any where startsWith~(process.name, "SC") or endsWith(process.args, ".PS1")`,
		`any where stringContains~(process.name, "Kelvin")`,
		`any where process.pid == 4 or process.name : "?x*"`,
		`any where process.name : "*ß*"`,
		`any where process.pid == 4 or process.ppid == 4.0 or process.n == -0.0`,
		`any where process.trusted == false or process.flag == true`,
		`any where process.pid in (4, 12345678901234567)`,
	}
	docs := []string{
		`{"process":{"name":"sc.exe"}}`,
		`{"process":{"name":"SC.EXE"}}`,
		`{"process":{"name":"ſc.exe"}}`,
		`{"process":{"name":"C:\\Users\\bob\\Temp\\x"}}`,
		`{"process":{"name":"a.PIF"}}`,
		`{"process":{"name":"the KELVIN sign"}}`,
		`{"process":{"name":"the \u212aelvin sign"}}`,
		`{"process":{"name":"xxx123"}}`,
		`{"process":{"name":4}}`,
		`{"process":{"name":true}}`,
		`{"process":{"name":1.5}}`,
		`{"process":{"name":["a","SC.exe"],"args":["x","-EncodedCommand"]},"user":{"name":"root"}}`,
		`{"process":{"name":"scx","args":["-e abc", "b.ps1"]},"user":{"name":"Root"}}`,
		`{"process":{"name":"sx","pid":4}}`,
		`{"process":{"name":"STRASSE","args":"x.PS1"}}`,
		`{"process":{"name":"straße"}}`,
		`{"process":{"name":"STRAẞE"}}`,
		`{"process":{"pid":4.0}}`,
		`{"process":{"pid":"4"}}`,
		`{"process":{"ppid":"+4"}}`,
		`{"process":{"ppid":[1, 4]}}`,
		`{"process":{"n":0}}`,
		`{"process":{"n":-0.0}}`,
		`{"process":{"trusted":false}}`,
		`{"process":{"flag":[false, true]}}`,
		`{"process":{"pid":12345678901234567}}`,
		`{"process":{"pid":"12345678901234567"}}`,
	}
	for _, q := range queries {
		s := event.NewSchema()
		p, err := CompileString(q, s, Options{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cnf := match.Needs(p.Pred, testScore)
		matched := 0
		for _, doc := range docs {
			ev := &event.Event{}
			if err := s.Decode([]byte(doc), ev); err != nil {
				t.Fatal(err)
			}
			if !p.Pred.Match(ev) {
				continue
			}
			matched++
			for _, d := range cnf {
				ok := false
				for _, n := range d {
					ok = ok || holds(ev, n)
				}
				if !ok {
					t.Errorf("%s matches %s, but no need of %s holds", q, doc, needsString(s, [][]match.Need{d}))
				}
			}
		}
		if matched == 0 {
			t.Errorf("%s matches no test document: the test proves nothing for it", q)
		}
	}
}
