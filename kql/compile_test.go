package kql

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/testevent"
	"github.com/vigilsec/vigil/match"
)

// doc is an event for tests: field paths and values (string, int, float64,
// bool, nil, []any for arrays).
type doc = testevent.Doc

var testNow = time.Date(2024, 3, 15, 12, 30, 0, 0, time.UTC)

func TestCompileMatch(t *testing.T) {
	tests := []struct {
		name  string
		query string
		opt   Options
		yes   []doc
		no    []doc
	}{
		// keyword: exact and case-sensitive, quoted or not
		{name: "keyword", query: `process.name:cmd.exe`,
			yes: []doc{{"process.name": "cmd.exe"}, {"process.name": []any{"x", "cmd.exe"}}},
			no:  []doc{{"process.name": "CMD.EXE"}, {"process.name": "cmd.exe "}, {}, {"process.name": nil}}},
		{name: "keyword quoted", query: `process.name:"cmd.exe"`,
			yes: []doc{{"process.name": "cmd.exe"}}, no: []doc{{"process.name": "Cmd.exe"}}},
		{name: "keyword with spaces", query: `process.name:Microsoft Office`,
			yes: []doc{{"process.name": "Microsoft Office"}}, no: []doc{{"process.name": "Microsoft"}}},
		{name: "keyword escapes", query: `file.path:C\:\\Windows\\*`,
			yes: []doc{{"file.path": `C:\Windows\x`}}, no: []doc{{"file.path": `c:\windows\x`}}},
		{name: "quoted backslashes", query: `file.path:"C:\Windows\x"`,
			yes: []doc{{"file.path": `C:\Windows\x`}}},
		{name: "keyword number", query: `event.code:4688`,
			yes: []doc{{"event.code": "4688"}, {"event.code": 4688}}, no: []doc{{"event.code": "46880"}}},
		// Kibana sends 1.0 as the JSON number 1: a keyword field is searched for "1".
		{name: "keyword number normalized", query: `file.pe.file_version:1.0`,
			yes: []doc{{"file.pe.file_version": "1"}}, no: []doc{{"file.pe.file_version": "1.0"}}},
		{name: "keyword true", query: `process.name:true`,
			yes: []doc{{"process.name": "true"}, {"process.name": true}}},
		// wildcards: * only; ? is literal; \* is a literal star
		{name: "wildcard prefix", query: `process.name:cmd*`,
			yes: []doc{{"process.name": "cmd.exe"}, {"process.name": "cmd"}}, no: []doc{{"process.name": "CMD.exe"}, {"process.name": "xcmd"}}},
		{name: "wildcard segments", query: `process.executable:*\\Temp\\*.exe`,
			yes: []doc{{"process.executable": `C:\Users\Temp\a.exe`}}, no: []doc{{"process.executable": `C:\Users\temp\a.exe`}}},
		{name: "question mark literal", query: `process.name:a?c*`,
			yes: []doc{{"process.name": "a?cd"}}, no: []doc{{"process.name": "abcd"}}},
		{name: "escaped star", query: `process.name:a\*c*`,
			yes: []doc{{"process.name": "a*cd"}}, no: []doc{{"process.name": "abcd"}, {"process.name": "abbc"}}},
		{name: "wildcard on number in keyword", query: `event.code:46*`,
			yes: []doc{{"event.code": 4688}}},
		// The detection engine's query_string splits a wildcard value at
		// whitespace: *S3 or Browser*.
		{name: "wildcard with space", query: `user_agent.original:*S3 Browser*`,
			yes: []doc{{"user_agent.original": "x S3"}, {"user_agent.original": "Browser y"}},
			no:  []doc{{"user_agent.original": "x S3 Browser y"}}},
		{name: "wildcard with space, known types", query: `user_agent.original:*S3 Browser*`, opt: Options{KnownTypes: true},
			yes: []doc{{"user_agent.original": "x S3 Browser y"}}, no: []doc{{"user_agent.original": "x S3"}}},
		{name: "wildcard with lone star term", query: `process.args:* curl*`,
			yes: []doc{{"process.args": "anything"}}, no: []doc{{}}},
		{name: "wildcard with plain terms", query: `process.name:*a b c d*`,
			yes: []doc{{"process.name": "xa"}, {"process.name": "b c"}, {"process.name": "dy"}},
			no:  []doc{{"process.name": "b"}, {"process.name": "c"}}},
		{name: "wildcard on text field", query: `message:*mimi*`,
			yes: []doc{{"message": "Invoke-MIMIkatz -x"}}, no: []doc{{"message": "mim ikatz"}}},
		{name: "wildcard on text never spans tokens", query: `message:*invoke-mimi*`,
			no: []doc{{"message": "invoke-mimikatz"}}},
		// text: analyzed
		{name: "text match is any token", query: `powershell.file.script_block_text:Invoke-Mimikatz`,
			yes: []doc{{"powershell.file.script_block_text": "Invoke-Expression $x"}, {"powershell.file.script_block_text": "MIMIKATZ"}},
			no:  []doc{{"powershell.file.script_block_text": "InvokeMimikatz"}}},
		{name: "text phrase", query: `powershell.file.script_block_text:"Invoke-Mimikatz"`,
			yes: []doc{{"powershell.file.script_block_text": "iex; invoke mimikatz -DumpCreds"}},
			no:  []doc{{"powershell.file.script_block_text": "Invoke-Expression Mimikatz"}, {"powershell.file.script_block_text": "mimikatz invoke"}}},
		{name: "text phrase with dots", query: `powershell.file.script_block_text:"System.Reflection.Assembly"`,
			yes: []doc{{"powershell.file.script_block_text": "[System.Reflection.Assembly]::Load($b)"}},
			no:  []doc{{"powershell.file.script_block_text": "[System.Reflection.AssemblyName]"}, {"powershell.file.script_block_text": "System.Reflection.Assembly.Load"}}},
		{name: "text phrase list", query: `powershell.file.script_block_text:("a b" or "c" or "d e f" or "g" or "h i" or "j" or "k")`,
			yes: []doc{{"powershell.file.script_block_text": "x A-B y"}, {"powershell.file.script_block_text": "d e f"}, {"powershell.file.script_block_text": []any{"z", "K"}}},
			no:  []doc{{"powershell.file.script_block_text": "b a d e"}, {"powershell.file.script_block_text": "ab cd"}}},
		{name: "text no tokens", query: `message:"---"`, no: []doc{{"message": "---"}}},
		{name: "multi-field", query: `process.command_line.text:"cmd /c"`,
			yes: []doc{{"process.command_line": "CMD /C whoami"}}, no: []doc{{"process.command_line": "cmd.exe /c whoami"}}},
		// numbers
		{name: "long", query: `process.pid:4`,
			yes: []doc{{"process.pid": 4}, {"process.pid": "4"}, {"process.pid": 4.0}}, no: []doc{{"process.pid": 40}}},
		{name: "long quoted", query: `process.pid:"4"`, yes: []doc{{"process.pid": 4}}},
		{name: "long decimal", query: `process.pid:4.5`, no: []doc{{"process.pid": 4}, {"process.pid": 4.5}}},
		{name: "float", query: `event.risk_score:4.5`, yes: []doc{{"event.risk_score": 4.5}}, no: []doc{{"event.risk_score": 4}}},
		{name: "ranges", query: `destination.port >= 5800 and destination.port < 5810`,
			yes: []doc{{"destination.port": 5800}, {"destination.port": 5809}}, no: []doc{{"destination.port": 5810}, {"destination.port": 1}, {}}},
		{name: "range keyword", query: `process.name > b`,
			yes: []doc{{"process.name": "c"}, {"process.name": "ba"}}, no: []doc{{"process.name": "a"}, {"process.name": "b"}}},
		{name: "range unknown numeric", query: `ml_is_dga.malicious_probability > 0.98`,
			yes: []doc{{"ml_is_dga.malicious_probability": 0.99}}, no: []doc{{"ml_is_dga.malicious_probability": 0.5}}},
		// ip
		{name: "ip cidr", query: `source.ip:10.0.0.0/8`,
			yes: []doc{{"source.ip": "10.1.2.3"}}, no: []doc{{"source.ip": "11.0.0.1"}, {"source.ip": "x"}}},
		{name: "ip exact quoted", query: `source.ip:"::1"`, yes: []doc{{"source.ip": "::1"}}, no: []doc{{"source.ip": "::2"}}},
		{name: "ip list", query: `destination.ip:(127.0.0.0/8 or "::1")`,
			yes: []doc{{"destination.ip": "127.0.0.1"}, {"destination.ip": "::1"}}, no: []doc{{"destination.ip": "8.8.8.8"}}},
		{name: "ip range", query: `source.ip >= 10.0.0.5`, yes: []doc{{"source.ip": "10.0.0.9"}}, no: []doc{{"source.ip": "10.0.0.1"}}},
		// booleans
		{name: "bool", query: `process.code_signature.trusted:false`,
			yes: []doc{{"process.code_signature.trusted": false}, {"process.code_signature.trusted": "false"}},
			no:  []doc{{"process.code_signature.trusted": true}, {}}},
		// dates
		{name: "date day", query: `@timestamp:2024-01-02`,
			yes: []doc{{"@timestamp": "2024-01-02T23:59:59.999Z"}, {"@timestamp": "2024-01-02T00:00:00Z"}},
			no:  []doc{{"@timestamp": "2024-01-03T00:00:00Z"}, {"@timestamp": "2024-01-01T23:59:59Z"}}},
		{name: "date range lte rounds up", query: `@timestamp <= "2024-01-02"`,
			yes: []doc{{"@timestamp": "2024-01-02T12:00:00Z"}}, no: []doc{{"@timestamp": "2024-01-03T00:00:00Z"}}},
		{name: "date range gt rounds up", query: `@timestamp > "2024-01-02"`,
			yes: []doc{{"@timestamp": "2024-01-03T00:00:00Z"}}, no: []doc{{"@timestamp": "2024-01-02T12:00:00Z"}}},
		{name: "date math", query: `@timestamp >= "now-30d/d"`, opt: Options{Now: func() time.Time { return testNow }},
			yes: []doc{{"@timestamp": "2024-02-14T00:00:00Z"}, {"@timestamp": 1710505800000}}, no: []doc{{"@timestamp": "2024-02-13T23:59:59Z"}}},
		// exists, not, and, or, value lists
		{name: "exists", query: `process.name:*`, yes: []doc{{"process.name": ""}, {"process.name": []any{nil, "a"}}}, no: []doc{{}, {"process.name": nil}, {"process.name": []any{}}}},
		{name: "not exists", query: `not process.name:*`, yes: []doc{{}}, no: []doc{{"process.name": "a"}}},
		{name: "not missing", query: `not process.name:a`, yes: []doc{{}, {"process.name": "b"}}, no: []doc{{"process.name": "a"}}},
		{name: "value list", query: `process.name:(a or b and not c)`,
			yes: []doc{{"process.name": "a"}, {"process.name": "b"}}, no: []doc{{"process.name": "c"}, {"process.name": []any{"b", "c"}}}},
		{name: "and or", query: `a:1 and (b:2 or not c:3)`,
			yes: []doc{{"a": "1", "b": "2", "c": "3"}, {"a": "1"}}, no: []doc{{"a": "1", "c": "3"}, {"b": "2"}}},
		{name: "match all", query: `*:*`, yes: []doc{{}}},
		{name: "empty query", query: ``, yes: []doc{{}}},
		// nested and field patterns
		{name: "nested", query: `a:{b:c and d:e}`, yes: []doc{{"a.b": "c", "a.d": "e"}}, no: []doc{{"a.b": "c"}, {"b": "c", "d": "e"}}},
		{name: "field pattern", query: `process.hash.*:abc`,
			yes: []doc{{"process.hash.md5": "abc"}, {"process.hash.sha1": "abc"}}, no: []doc{{"process.hash.md5": "x"}}},
		{name: "field pattern exists", query: `process.hash.*:*`, yes: []doc{{"process.hash.sha1": "abc"}}, no: []doc{{"process.name": "x"}}},
		{name: "unknown field", query: `custom.thing:Value*`, yes: []doc{{"custom.thing": "Value1"}}, no: []doc{{"custom.thing": "value1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := event.NewSchema()
			for _, f := range []string{"process.hash.md5", "process.hash.sha1"} {
				s.Slot(f)
			}
			p, err := CompileQuery(tt.query, s, tt.opt)
			if err != nil {
				t.Fatalf("%s: %v", tt.query, err)
			}
			for _, d := range tt.yes {
				if !p.Match(d.Event(s)) {
					t.Errorf("%s does not match %v", tt.query, d)
				}
			}
			for _, d := range tt.no {
				if p.Match(d.Event(s)) {
					t.Errorf("%s matches %v", tt.query, d)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ query, want string }{
		{`process.pid:abc`, `1:13: kql: For input string: "abc" (field process.pid is of type long)`},
		{`process.pid:4*`, `1:13: kql: can only use wildcard queries on keyword, text and wildcard fields - not on process.pid which is of type long`},
		{`process.pid < x`, `1:15: kql: For input string: "x" (field process.pid is of type long)`},
		{`gen_ai.request.seed:3000000000`, `1:21: kql: Value [3000000000] is out of range for an integer`},
		{`source.ip:10.0.0.*`, `1:11: kql: can only use wildcard queries on keyword, text and wildcard fields - not on source.ip which is of type ip`},
		{`source.ip:foo`, `1:11: kql: 'foo' is not an IP string literal (field source.ip is of type ip)`},
		{`process.code_signature.trusted:yes`, `1:32: kql: Can't parse boolean value [yes], expected [true] or [false] (field process.code_signature.trusted is of type boolean)`},
		{`@timestamp:yesterday`, `1:12: kql: failed to parse date "yesterday": want strict_date_optional_time or epoch_millis (field @timestamp is of type date)`},
		{`@timestamp > "now-1x"`, `1:14: kql: bad date math "now-1x": want a unit (y, M, w, d, h, H, m, s) after -1 (field @timestamp is of type date)`},
		{`hello`, `1:1: kql: free text (hello, a value without a field) is not supported: name the field to search`},
		{`a:b and "quick fox"`, `1:9: kql: free text ("quick fox", a value without a field) is not supported: name the field to search`},
		{`*:x`, `1:1: kql: a value searched in all fields (*:value) is not supported: name the field`},
		{`a:null`, `1:3: kql: an unquoted null is no value to match (write "null" for the string)`},
		{`process.pid:a or process.pid:b`, "1:13: kql: For input string: \"a\" (field process.pid is of type long)\n1:30: kql: For input string: \"b\" (field process.pid is of type long)"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := CompileQuery(tt.query, event.NewSchema(), Options{})
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestCompileErrorSnippet(t *testing.T) {
	_, err := CompileQuery("event.category:process and\n  process.pid:abc", event.NewSchema(), Options{})
	list, ok := err.(srcpos.ErrorList)
	if !ok || len(list) != 1 {
		t.Fatalf("err = %v", err)
	}
	want := "   |   process.pid:abc\n   |               ^"
	if got := list[0].Snippet(); got != want {
		t.Errorf("snippet:\n%s\nwant:\n%s", got, want)
	}
}

func TestCompileWarnings(t *testing.T) {
	var got []string
	opt := Options{Warn: func(e *srcpos.Error) { got = append(got, e.Error()) }}
	if _, err := CompileQuery(`x.*.y:a and n:{m:1}`, event.NewSchema(), opt); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1:1: kql: field pattern x.*.y names no known field: it matches nothing",
		"1:13: kql: nested query on n is evaluated on the values of all its objects together, not object by object",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCompileTypes uses a caller's field types.
func TestCompileTypes(t *testing.T) {
	s := event.NewSchema()
	p, err := CompileQuery(`custom.n > 5 and custom.t:"Hello World"`, s, Options{Types: match.Layered{match.Fields{"custom.n": "long", "custom.t": "text"}, match.ECS()}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match(doc{"custom.n": "6", "custom.t": "say hello, world!"}.Event(s)) {
		t.Error("no match")
	}
	if p.Match(doc{"custom.n": 5, "custom.t": "hello world"}.Event(s)) {
		t.Error("match")
	}
}
