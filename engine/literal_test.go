package engine

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/kql"
	"github.com/vigilsec/vigil/match"
)

func (e *RuleSet) reqString(r requirement) string {
	if r == nil {
		return "always"
	}
	var parts []string
	for _, n := range r {
		parts = append(parts, fmt.Sprintf("%s %s %q", e.schema.Name(n.Slot), n.Op, n.Lit))
	}
	sort.Strings(parts)
	return strings.Join(parts, " | ")
}

func TestEQLRequirements(t *testing.T) {
	tests := []struct{ query, want string }{
		{`process where process.name : "SC.exe"`, `process.name == "sc.exe"`},
		{`process where host.os.type == "windows" and process.name : ("a.exe", "B.EXE")`, `process.name == "a.exe" | process.name == "b.exe"`},
		{`process where process.name : "sc.exe" or process.pe.original_file_name : "sc.exe"`, `process.name == "sc.exe" | process.pe.original_file_name == "sc.exe"`},
		{`process where process.name : ("*.pif", "x.exe", "*.scr")`, `process.name == "x.exe" | process.name suffix ".pif" | process.name suffix ".scr"`},
		{`process where process.name : "*x*.pif"`, `process.name suffix ".pif"`},
		{`process where event.type == "start" and process.executable : "?:\\PerfLogs\\*.exe"`, `process.executable contains ":\\perflogs\\"`},
		// a literal inside a common path fragment selects little, but more
		// than a broad field
		{`process where event.type == "start" and process.executable : "?:\\Windows\\System32\\*"`, `process.executable contains ":\\windows\\system32\\"`},
		{`process where event.type == "start" and process.executable : "?:\\Windows\\System32\\evil.exe"`, `process.executable suffix ":\\windows\\system32\\evil.exe"`},
		{`process where not process.name : "a.exe"`, `event.category == "process"`},
		{`any where not process.name : "a.exe"`, `always`},
		{`process where process.name : "a.exe" or process.args : "*x*"`, `process.args exists "" | process.name == "a.exe"`},
		{`process where process.name in ("A", "b") and event.type == "start"`, `process.name == "a" | process.name == "b"`},
		{`process where event.type == "start"`, `event.category == "process"`},
		{`any where event.type == "start"`, `event.type == "start"`},
		{`process where event.action == "start" and process.parent.Ext.real.pid > 0`, `process.parent.Ext.real.pid exists ""`},
		{`any where event.action == "added-member-to-group"`, `event.action == "added-member-to-group"`},
		{`process where process.name regex~ "mimikatz[0-9]*\\.exe"`, `process.name contains "mimikatz"`},
		{`process where startsWith(process.command_line, "rundll32.exe javascript:")`, `process.command_line prefix "rundll32.exe javascript:"`},
		{`network where destination.port == 445 and process.pid != 4`, `destination.port number "445"`},
		{`process where process.parent.pid == 4 and process.executable : "?*"`, `process.parent.pid number "4"`},
		{`process where process.code_signature.trusted == false`, `process.code_signature.trusted == "false"`},
	}
	e, _ := Compile(nil, Options{})
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p, err := eql.CompileString(tc.query, e.schema, eql.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := e.filingOf(match.BroadLast(p.Pred, e.broad), false)
			if got := e.reqString(f.req); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestKQLRequirements(t *testing.T) {
	tests := []struct{ query, want string }{
		{`process.name:sc.exe`, `process.name == "sc.exe"`},
		{`host.os.type:windows and process.name:(a.exe or B.exe)`, `process.name == "a.exe" | process.name == "b.exe"`},
		{`process.name:*.pif or process.name:x.exe`, `process.name == "x.exe" | process.name suffix ".pif"`},
		{`not process.name:a.exe`, `always`},
		{`event.code:4624 and winlog.logon.type:Network`, `event.code == "4624"`},
		{`event.code:10 and winlog.event_data.TargetImage:*\\lsass.exe`, `winlog.event_data.TargetImage suffix "\\lsass.exe"`},
		{`event.code:4688 and user.name:x`, `user.name == "x"`},
		{`process.args:(-enc or -encodedcommand) and event.category:process`, `process.args == "-enc" | process.args == "-encodedcommand"`},
		{`file.path:*\\AppData\\Roaming\\Microsoft\\Windows\\Start?Menu\\*`, `file.path contains "\\appdata\\roaming\\microsoft\\windows\\start?menu\\"`},
	}
	e, _ := Compile(nil, Options{})
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p, err := kql.CompileQuery(tc.query, e.schema, kql.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := e.filingOf(p, false)
			if got := e.reqString(f.req); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestSequenceFilings checks that a sequence is filed statically by its
// first positive stage (and the missing-event stages before it) and by its
// other stages and until only while it holds state.
func TestSequenceFilings(t *testing.T) {
	tests := []struct{ query, want string }{
		{`sequence by process.entity_id [process where process.name : "sc.exe"] [network where host.os.type == "windows"]`,
			`static process.name == "sc.exe"; later event.category == "network"`},
		{`sequence [process where process.name : "a"] [process where process.name : "b"] until [process where process.name : "c"]`,
			`static process.name == "a"; later process.name == "b"; later process.name == "c"`},
		{`sequence with maxspan=1m ![process where process.name : "a"] [process where process.name : "b"] ![process where process.name : "c"]`,
			`static process.name == "a"; static process.name == "b"; later process.name == "c"`},
		{`sequence [any where true] [process where process.name : "b"]`,
			`static always; later process.name == "b"`},
		{`sequence [process where process.name : "a"] [any where true] [process where process.name : "b"]`,
			`static process.name == "a"; later always`},
		{`sample by host.id [process where process.name : "a"] [process where process.name : "b"]`,
			`static process.name == "a"; static process.name == "b"`},
	}
	e, _ := Compile(nil, Options{})
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			p, err := eql.CompileString(tc.query, e.schema, eql.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, f := range e.stageFilings(p) {
				kind := "static"
				if f.later {
					kind = "later"
				}
				parts = append(parts, kind+" "+e.reqString(f.req))
			}
			if got := strings.Join(parts, "; "); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLiteralScore(t *testing.T) {
	tests := []struct {
		better, worse string
	}{
		{`\perflogs\`, `.exe`},
		{`mimikatz`, `\windows\system32\`},
		{`.pif`, `c:\`},
		{`evil.exe`, `.exe`},
	}
	for _, tc := range tests {
		b, w := literalScore(match.NeedContains, tc.better), literalScore(match.NeedContains, tc.worse)
		if b >= w {
			t.Errorf("%q scores %d, not below %q's %d", tc.better, b, tc.worse, w)
		}
	}
}
