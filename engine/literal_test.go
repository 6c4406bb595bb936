package engine

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/kql"
)

func reqString(reqs []requirement) string {
	r, ok := best(reqs)
	if !ok {
		return "none"
	}
	var parts []string
	for _, a := range r {
		vals := append([]string(nil), a.values...)
		sort.Strings(vals)
		kind := ""
		if a.ext {
			kind = " ext"
		}
		parts = append(parts, fmt.Sprintf("%s%s %v", a.field, kind, vals))
	}
	return strings.Join(parts, " | ")
}

func TestEQLRequirements(t *testing.T) {
	tests := []struct{ query, want string }{
		{`process where process.name : "SC.exe"`, "process.name [sc.exe]"},
		{`process where host.os.type == "windows" and process.name : ("a.exe", "B.EXE")`, "process.name [a.exe b.exe]"},
		{`process where process.name : "sc.exe" or process.pe.original_file_name : "sc.exe"`, "process.name [sc.exe] | process.pe.original_file_name [sc.exe]"},
		{`process where process.name : "a.exe" or process.name == "b.exe"`, "process.name [a.exe b.exe]"},
		{`process where process.name : ("*.pif", "x.exe", "*.scr")`, "process.name [x.exe] | process.name ext [pif scr]"},
		{`process where process.name : "*x*.pif"`, "none"},
		{`process where process.name : "c:\\*"`, "none"},
		{`process where not process.name : "a.exe"`, "none"},
		{`process where process.name : "a.exe" or process.args : "*x*"`, "none"},
		{`process where process.name in ("A", "b") and event.type == "start"`, "process.name [a b]"},
		{`process where event.type == "start"`, "event.type [start]"},
		{`process where process.pid == 4`, "none"},
		{`process where process.name regex "a.*"`, "none"},
	}
	for _, tc := range tests {
		q, err := eql.Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := reqString(eqlRequirements(q.Event.Cond)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

func TestKQLRequirements(t *testing.T) {
	tests := []struct{ query, want string }{
		{`process.name:sc.exe`, "process.name [sc.exe]"},
		{`host.os.type:windows and process.name:(a.exe or B.exe)`, "process.name [a.exe b.exe]"},
		{`process.name:*.pif or process.name:x.exe`, "process.name ext [pif] | process.name [x.exe]"},
		{`process.args:* curl*`, "none"},
		{`not process.name:a.exe`, "none"},
		{`event.code:4624 and winlog.logon.type:Network`, "event.code [4624]"},
		{`powershell.file.script_block_text:Invoke-Mimikatz`, "none"},
	}
	for _, tc := range tests {
		n, err := kql.Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := reqString(kqlRequirements(n)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.query, got, tc.want)
		}
	}
}

func TestExtOfValue(t *testing.T) {
	for v, want := range map[string]string{"a.exe": "exe", `c:\dir.x\file`: "", "archive.tar.gz": "gz", "noext": "", "trailing.": ""} {
		ext, ok := extOfValue([]byte(v))
		got := string(ext)
		if !ok {
			got = ""
		}
		if got != want {
			t.Errorf("extOfValue(%q) = %q, want %q", v, got, want)
		}
	}
}
