package eql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

func TestPredicateConstructors(t *testing.T) {
	s := event.NewSchema()
	name, args, n, ip, ts, v, missing := s.Slot("name"), s.Slot("args"), s.Slot("n"), s.Slot("ip"), s.Slot("ts"), s.Slot("v"), s.Slot("missing")
	var ev event.Event
	doc := `{"name":"Cmd.exe","args":["a","/c","whoami"],"n":[3,42],"ip":"192.168.1.20","ts":"2024-01-01T00:00:00Z","v":"1.10.0"}`
	if err := s.Decode([]byte(doc), &ev); err != nil {
		t.Fatal(err)
	}
	must := func(p Pred, err error) Pred {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		p    Pred
		want bool
	}{
		{"True", True(), true},
		{"False", False(), false},
		{"StringEquals", StringEquals(name, "Cmd.exe", false), true},
		{"StringEquals case", StringEquals(name, "cmd.exe", false), false},
		{"StringEquals fold", StringEquals(name, "CMD.EXE", true), true},
		{"StringEquals array", StringEquals(args, "/c", false), true},
		{"StringEquals missing", StringEquals(missing, "", false), false},
		{"Not missing", Not(StringEquals(missing, "x", false)), true},
		{"Wildcard prefix", Wildcard(name, "cmd*", true), true},
		{"Wildcard suffix", Wildcard(name, "*.EXE", true), true},
		{"Wildcard contains", Wildcard(name, "*d.e*", false), true},
		{"Wildcard general", Wildcard(name, "C?d*e", false), true},
		{"Wildcard no match", Wildcard(name, "x*", true), false},
		{"Prefix", Prefix(name, "Cm", false), true},
		{"Suffix fold", Suffix(name, "EXE", true), true},
		{"Contains", Contains(args, "hoa", false), true},
		{"StringIn", StringIn(args, []string{"x", "whoami"}, false), true},
		{"StringIn fold", StringIn(name, []string{"x", "CMD.EXE"}, true), true},
		{"StringIn none", StringIn(name, []string{"x", "y"}, true), false},
		{"WildcardIn", WildcardIn(args, []string{"x", "who*"}, false, true), true},
		{"Regex", must(Regex(name, "[A-Z]md\\.exe", false)), true},
		{"Regex fold", must(Regex(name, "cmd\\.EXE", true)), true},
		{"Compare int", must(Compare(n, OpGt, event.Int(40), TInt)), true},
		{"Compare int none", must(Compare(n, OpGt, event.Int(50), TInt)), false},
		{"Compare neq", must(Compare(n, OpNeq, event.Int(3), TInt)), false},
		{"Range one element", must(Range(n, event.Int(4), event.Int(41), true, true, TInt)), false},
		{"Range", must(Range(n, event.Int(40), event.Value{}, true, false, TInt)), true},
		{"Compare ip", must(Compare(ip, OpEq, event.Str("::ffff:192.168.1.20"), TIP)), true},
		{"Compare date", must(Compare(ts, OpGte, event.Int(1704067200000), TDate)), true},
		{"Compare version", must(Compare(v, OpGt, event.Str("1.9.9"), TVersion)), true},
		{"CIDR", must(CIDR(ip, []string{"10.0.0.0/8", "192.168.0.0/16"})), true},
		{"CIDR none", must(CIDR(ip, []string{"10.0.0.0/8"})), false},
		{"Exists", Exists(name), true},
		{"Exists missing", Exists(missing), false},
		{"And", And(Exists(name), StringEquals(name, "Cmd.exe", false), True()), true},
		{"Or", Or(False(), Exists(missing), Exists(name)), true},
		{"Not", Not(Exists(name)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Match(&ev); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			if a := testing.AllocsPerRun(20, func() { tt.p.Match(&ev) }); a != 0 {
				t.Errorf("Match allocates %v times", a)
			}
		})
	}
	for _, bad := range []func() error{
		func() error { _, err := CIDR(ip, []string{"10.0.0.0/33"}); return err },
		func() error { _, err := Regex(name, "a<1-2>", false); return err },
		func() error { _, err := Compare(ip, OpEq, event.Str("x"), TIP); return err },
		func() error { _, err := Compare(ts, OpEq, event.Str("x"), TDate); return err },
	} {
		if bad() == nil {
			t.Error("invalid argument accepted")
		}
	}
}

func TestCompileDoesNotAllocateOnMatch(t *testing.T) {
	for _, q := range []string{
		`process where process.name : "sc.exe"`,
		`process where process.args : ("create", "config", "fail*") and not process.name in ("a", "b")`,
		`network where destination.ip != "127.0.0.1" and cidrMatch(source.ip, "10.0.0.0/8")`,
		`process where process.command_line regex~ ".*binpath.*" and process.pid > 4`,
		`process where startsWith~(process.name, "SC") and endsWith(process.name, ".exe")`,
	} {
		s := event.NewSchema()
		p, err := CompileString(q, s, Options{Schema: ECS()})
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
