package eql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

var fuzzDocs = []string{
	`{}`,
	`{"a":"x","b":1,"c":[1,"y",null],"ip":"10.1.2.3","d":true,"e":1.5}`,
	`{"a":["X","yy"],"b":"2","n":-3}`,
}

// decodeFuzzDoc decodes doc for a program compiled without a schema of its
// own: the program's fields are in a fresh schema rebuilt from its query.
func decodeFuzzDoc(p *Program, doc string) *event.Event {
	s := event.NewSchema()
	p2, err := Compile(p.Query, s, Options{})
	if err != nil {
		return &event.Event{}
	}
	*p = *p2
	var ev event.Event
	if err := s.Decode([]byte(doc), &ev); err != nil {
		return &event.Event{}
	}
	return &ev
}

const benchEvent = `{"@timestamp":"2024-05-01T12:00:00.000Z","event":{"category":["process"],"type":["start"],"kind":"event"},` +
	`"host":{"name":"ws-01","os":{"type":"windows"}},"process":{"name":"sc.exe","pid":4242,"entity_id":"{8a7b}",` +
	`"executable":"C:\\Windows\\System32\\sc.exe","command_line":"sc.exe \\\\fs02 create svc binPath= c:\\x.exe",` +
	`"args":["sc.exe","\\\\fs02","create","svc","binPath=","c:\\x.exe"],"parent":{"name":"cmd.exe"},` +
	`"pe":{"original_file_name":"sc.exe"}},"user":{"name":"alice"}}`

func benchProgram(b *testing.B, query string) (*Program, *event.Event) {
	b.Helper()
	s := event.NewSchema()
	p, err := CompileString(query, s, Options{Schema: match.ECS()})
	if err != nil {
		b.Fatal(err)
	}
	var ev event.Event
	if err := s.Decode([]byte(benchEvent), &ev); err != nil {
		b.Fatal(err)
	}
	if !p.Match(&ev) {
		b.Fatalf("%s does not match the benchmark event", query)
	}
	return p, &ev
}

// BenchmarkSimplePredicate is the yardstick: one case-insensitive
// equality with the category, on a decoded event.
func BenchmarkSimplePredicate(b *testing.B) {
	p, ev := benchProgram(b, `process where process.name : "sc.exe"`)
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// BenchmarkSeedStage is the first stage of the seed rule (Service Command
// Lateral Movement).
func BenchmarkSeedStage(b *testing.B) {
	p, ev := benchProgram(b, `process where host.os.type == "windows" and event.type == "start" and
     (process.name : "sc.exe" or process.pe.original_file_name : "sc.exe") and
      process.args : "\\\\*" and process.args : ("binPath=*", "binpath=*") and
      process.args : ("create", "config", "failure", "start")`)
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

func BenchmarkFunctions(b *testing.B) {
	p, ev := benchProgram(b, `process where endsWith~(process.executable, "\\SC.EXE") and length(process.command_line) > 10 and substring(process.name, -4) == ".exe"`)
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

func BenchmarkRegex(b *testing.B) {
	p, ev := benchProgram(b, `process where process.command_line regex~ """.*binpath= .*\.exe"""`)
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

func BenchmarkParseCompile(b *testing.B) {
	src := `sequence by process.entity_id with maxspan = 1m
  [process where host.os.type == "windows" and event.type == "start" and
     (process.name : "sc.exe" or process.pe.original_file_name : "sc.exe") and
      process.args : "\\\\*" and process.args : ("binPath=*", "binpath=*") and
      process.args : ("create", "config", "failure", "start")]
  [network where host.os.type == "windows" and process.name : "sc.exe" and destination.ip != "127.0.0.1"]`
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := CompileString(src, event.NewSchema(), Options{Schema: match.ECS()}); err != nil {
			b.Fatal(err)
		}
	}
}
