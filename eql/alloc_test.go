package eql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

func TestCompileDoesNotAllocateOnMatch(t *testing.T) {
	for _, q := range []string{
		`process where process.name : "sc.exe"`,
		`process where process.args : ("create", "config", "fail*") and not process.name in ("a", "b")`,
		`network where destination.ip != "127.0.0.1" and cidrMatch(source.ip, "10.0.0.0/8")`,
		`process where process.command_line regex~ ".*binpath.*" and process.pid > 4`,
		`process where startsWith~(process.name, "SC") and endsWith(process.name, ".exe")`,
		`process where between(process.name, "s", ".") == "c" and indexOf(process.name, "e") == 3 and length(substring(process.name, 1)) == 5`,
	} {
		s := event.NewSchema()
		p, err := CompileString(q, s, Options{Schema: match.ECS()})
		if err != nil {
			t.Fatal(err)
		}
		var ev event.Event
		doc := `{"event":{"category":["process","network"]},"process":{"name":"sc.exe","pid":8,"args":["sc","create"],"command_line":"sc binPath= x"},"source":{"ip":"10.1.1.1"},"destination":{"ip":"1.1.1.1"}}`
		if err := s.Decode([]byte(doc), &ev); err != nil {
			t.Fatal(err)
		}
		if !p.Match(&ev) {
			t.Errorf("%s: no match", q)
		}
		if a := testing.AllocsPerRun(50, func() { p.Match(&ev) }); a != 0 {
			t.Errorf("%s: Match allocates %v times", q, a)
		}
	}
}
