package eql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// evalCase is a query run over one JSON event.
type evalCase struct {
	query string
	doc   string
	want  bool
}

func runCases(t *testing.T, types match.FieldTypes, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.query+" "+tc.doc, func(t *testing.T) {
			got, err := matchDoc(tc.query, tc.doc, types)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func matchDoc(query, doc string, types match.FieldTypes) (bool, error) {
	s := event.NewSchema()
	p, err := CompileString(query, s, Options{Schema: types, AllowUnknownFields: true})
	if err != nil {
		return false, err
	}
	var ev event.Event
	if err := s.Decode([]byte(doc), &ev); err != nil {
		return false, err
	}
	return p.Match(&ev), nil
}

func TestOperators(t *testing.T) {
	runCases(t, nil, []evalCase{
		// == is case-sensitive and has no wildcards
		{`any where a == "Cmd.exe"`, `{"a":"Cmd.exe"}`, true},
		{`any where a == "cmd.exe"`, `{"a":"Cmd.exe"}`, false},
		{`any where a == "c*"`, `{"a":"cmd"}`, false},
		{`any where a == "c*"`, `{"a":"c*"}`, true},
		{`any where a != "x"`, `{"a":"y"}`, true},
		{`any where a != "x"`, `{"a":"x"}`, false},
		// : is case-insensitive, with * and ? wildcards, single or list
		{`any where a : "CMD.EXE"`, `{"a":"cmd.exe"}`, true},
		{`any where a : "c*.exe"`, `{"a":"CMD.EXE"}`, true},
		{`any where a : "c?d.exe"`, `{"a":"CMD.EXE"}`, true},
		{`any where a : "c?.exe"`, `{"a":"CMD.EXE"}`, false},
		{`any where a : "*"`, `{"a":""}`, true},
		{`any where a : ("x", "*md*")`, `{"a":"CMD.EXE"}`, true},
		{`any where a : ("x", "y")`, `{"a":"CMD.EXE"}`, false},
		{`any where a : "C:\\Windows\\*"`, `{"a":"c:\\windows\\system32"}`, true},
		{`any where a : "a*b*c"`, `{"a":"AxxBxxC"}`, true},
		{`any where a : "a*b*c"`, `{"a":"AxxCxxB"}`, false},
		{`any where a : "*b*b*"`, `{"a":"ab"}`, false},
		// like / like~
		{`any where a like "D*C"`, `{"a":"DISC"}`, true},
		{`any where a like "D*C"`, `{"a":"disc"}`, false},
		{`any where a like~ "D*C"`, `{"a":"disc"}`, true},
		{`any where a like ("x", "D?C")`, `{"a":"DOC"}`, true},
		// regex / regex~ (Lucene syntax, anchored)
		{`any where a regex "ab+c"`, `{"a":"abbbc"}`, true},
		{`any where a regex "b+"`, `{"a":"abbbc"}`, false},
		{`any where a regex ".*?net1.*?"`, `{"a":"C:\\net1 x"}`, true},
		{`any where a regex "[a-z]{3}"`, `{"a":"abc"}`, true},
		{`any where a regex "[a-z]{3}"`, `{"a":"ABC"}`, false},
		{`any where a regex~ "[a-z]{3}"`, `{"a":"ABC"}`, true},
		{`any where a regex "a.c"`, `{"a":"a\nc"}`, true},
		{`any where a regex "^a$"`, `{"a":"^a$"}`, true},
		{`any where a regex "\"a.b\""`, `{"a":"a.b"}`, true},
		{`any where a regex "\"a.b\""`, `{"a":"axb"}`, false},
		{`any where a regex "@"`, `{"a":"anything"}`, true},
		{`any where a regex ("x", "y+")`, `{"a":"yy"}`, true},
		{`any where a regex "\\d+"`, `{"a":"123"}`, true},
		{`any where a regex "*a]}>"`, `{"a":"*a]}>"}`, true},
		{`any where a regex "(a|)b"`, `{"a":"b"}`, true},
		{`any where a regex "a{2}"`, `{"a":"aa"}`, true},
		{`any where a regex "a{2,}"`, `{"a":"aaaa"}`, true},
		{`any where a regex "a{2,3}"`, `{"a":"aaaa"}`, false},
		{`any where a regex "a+?"`, `{"a":""}`, true},
		{`any where a regex "[^a-c]x"`, `{"a":"dx"}`, true},
		{`any where a regex "[\\]x]+"`, `{"a":"]x]"}`, true},
		// in / in~ / not in
		{`any where a in ("x", "Y")`, `{"a":"Y"}`, true},
		{`any where a in ("x", "Y")`, `{"a":"y"}`, false},
		{`any where a in~ ("x", "Y")`, `{"a":"y"}`, true},
		{`any where a in~ ("x*")`, `{"a":"xa"}`, false},
		{`any where a not in ("x", "y")`, `{"a":"z"}`, true},
		{`any where a not in ("x", "y")`, `{"a":"x"}`, false},
		{`any where a not in~ ("X", "y")`, `{"a":"x"}`, false},
		{`any where n in (1, 2, 3)`, `{"n":2}`, true},
		{`any where n in (1, 2, 3)`, `{"n":4}`, false},
		{`any where n in (1, 2.5)`, `{"n":2.5}`, true},
		// comparisons
		{`any where n < 4.5 and n >= 3.1`, `{"n":4}`, true},
		{`any where n <= 4`, `{"n":4}`, true},
		{`any where n > 4`, `{"n":4}`, false},
		{`any where 5 > n`, `{"n":4}`, true},
		{`any where -1 < n`, `{"n":0}`, true},
		{`any where s >= "System" and s <= "System Idle Process"`, `{"s":"System"}`, true},
		{`any where s > "system"`, `{"s":"System"}`, false},
		{`any where b == true`, `{"b":true}`, true},
		{`any where b`, `{"b":true}`, true},
		{`any where b`, `{"b":false}`, false},
		{`any where b == false`, `{"b":false}`, true},
		// and / or / not, precedence
		{`any where true or false and false`, `{}`, true},
		{`any where not true or true`, `{}`, true},
		{`any where not (true or true)`, `{}`, false},
		{`any where not not true`, `{}`, true},
		// arithmetic
		{`any where n / 2 == 41`, `{"n":83}`, true},
		{`any where n / 2.0 == 41.5`, `{"n":83}`, true},
		{`any where n % 40 == 3`, `{"n":83}`, true},
		{`any where -n % 5 == -3`, `{"n":83}`, true},
		{`any where n + ((1 + 3) * 2 / (3 - 1)) * 2 == 54`, `{"n":46}`, true},
		{`any where 66.0 / n == 1`, `{"n":66}`, true},
		// integer division by zero and overflow fail the query in
		// Elasticsearch; here they are null, so the event does not match
		{`any where n / 0 == null`, `{"n":1}`, true},
		{`any where n / 0 != null`, `{"n":1}`, false},
		{`any where n / 0 > 0`, `{"n":1}`, false},
		{`any where n * 2 == 9223372036854775806`, `{"n":4611686018427387903}`, true},
		{`any where n + 1 > 0`, `{"n":9223372036854775807}`, false},
		{`any where n + 1.0 > 0`, `{"n":9223372036854775807}`, true},
		{`any where 1.0 / n > 1000000`, `{"n":0}`, true},
		{`any where 7 % -3 == 1`, `{}`, true},
		{`any where -7 / 2 == -3`, `{}`, true},
	})
}

func TestNulls(t *testing.T) {
	runCases(t, nil, []evalCase{
		// comparisons with a missing field are null, hence false...
		{`any where x > -1`, `{}`, false},
		{`any where x <= 0`, `{}`, false},
		{`any where x == 1`, `{}`, false},
		{`any where x : "a"`, `{}`, false},
		{`any where x in ("a")`, `{}`, false},
		// ...and not(x < 1) is x >= 1, also false (Elasticsearch negates
		// comparisons)...
		{`any where not (x > -1)`, `{}`, false},
		{`any where not x > -1`, `{}`, false},
		// ...but !=, not in and not : are complements of queries, true
		// when the field is missing, as in Elasticsearch
		{`any where x != "a"`, `{}`, true},
		{`any where not x == "a"`, `{}`, true},
		{`any where x not in ("a", "b")`, `{}`, true},
		{`any where not x : "a"`, `{}`, true},
		{`any where not (x : "a" and y == 1)`, `{}`, true},
		// scripts keep null: not(null) is null
		{`any where not length(x) > 1`, `{}`, false},
		{`any where not startsWith(concat(x), "a")`, `{}`, false},
		// == null and != null test presence
		{`any where x == null`, `{}`, true},
		{`any where x == null`, `{"x":null}`, true},
		{`any where x == null`, `{"x":[null]}`, true},
		{`any where x == null`, `{"x":[]}`, true},
		{`any where x == null`, `{"x":1}`, false},
		{`any where x != null`, `{"x":1}`, true},
		{`any where null == x`, `{}`, true},
		{`any where null == (x > -1)`, `{}`, true},
		{`any where null == (x > -1)`, `{"x":1}`, false},
		{`any where (x > -1) == null`, `{}`, true},
		{`any where indexOf(s, "z") == null`, `{"s":"abc"}`, true},
		{`any where concat(s, x) == null`, `{"s":"abc"}`, true},
		{`any where concat(s, null) == null`, `{"s":"abc"}`, true},
		{`any where null`, `{}`, false},
		{`any where ?x`, `{}`, false},
		{`any where ?x == null`, `{}`, true},
	})
}

func TestArrays(t *testing.T) {
	runCases(t, nil, []evalCase{
		{`any where args : "\\\\*"`, `{"args":["sc.exe","\\\\host","create"]}`, true},
		{`any where args : ("binPath=*", "binpath=*")`, `{"args":["sc.exe","BINPATH=x"]}`, true},
		{`any where args == "create"`, `{"args":["sc.exe","create"]}`, true},
		{`any where args != "create"`, `{"args":["sc.exe","create"]}`, false},
		{`any where args != "start"`, `{"args":["sc.exe","create"]}`, true},
		{`any where args in ("x", "create")`, `{"args":["sc.exe","create"]}`, true},
		{`any where args not in ("x", "create")`, `{"args":["sc.exe","create"]}`, false},
		{`any where n > 5`, `{"n":[1,7]}`, true},
		{`any where n > 5 and n < 2`, `{"n":[1,7]}`, true},
		{`any where not n > 5`, `{"n":[1,7]}`, true},
		{`any where args regex "c.*"`, `{"args":["sc.exe","create"]}`, true},
		{`any where length(args) == 6`, `{"args":["sc.exe","create"]}`, true},
		{`any where startsWith(args, "cr")`, `{"args":["sc.exe","create"]}`, true},
		{`any where startsWith~(args, "CR")`, `{"args":["sc.exe","create"]}`, true},
		{`any where stringContains(args, "eat")`, `{"args":["sc.exe","create"]}`, true},
		{`any where concat(args, "!") : "create!"`, `{"args":["sc.exe","create"]}`, true},
		{`any where n + 1 == 8`, `{"n":[1,7]}`, true},
		{`any where x == null`, `{"x":[null, null]}`, true},
		{`any where x != null`, `{"x":[null, 1]}`, true},
		{`any where args : "a"`, `{"args":[]}`, false},
	})
}

func TestCategory(t *testing.T) {
	runCases(t, nil, []evalCase{
		{`process where true`, `{"event":{"category":"process"}}`, true},
		{`process where true`, `{"event":{"category":["network","process"]}}`, true},
		{`process where true`, `{"event":{"category":"Process"}}`, false},
		{`process where true`, `{}`, false},
		{`"process" where true`, `{"event.category":"process"}`, true},
		{`any where true`, `{}`, true},
		{`file where true`, `{"event":{"category":"process"}}`, false},
	})
}

func TestUnicode(t *testing.T) {
	runCases(t, nil, []evalCase{
		{`any where a : "ÉCOLE"`, `{"a":"école"}`, true},
		{`any where a == "ÉCOLE"`, `{"a":"école"}`, false},
		{`any where a : "?cole"`, `{"a":"école"}`, true},
		{`any where a like~ "*Σ"`, `{"a":"ΟΔΟΣ"}`, true},
		{`any where a like~ "*σ"`, `{"a":"ΟΔΟΣ"}`, true},
		{`any where a in~ ("straße")`, `{"a":"STRAẞE"}`, true},
		{`any where a : "\u{e9}cole"`, `{"a":"ÉCOLE"}`, true},
		{`any where a : "k"`, `{"a":"\u212a"}`, true},
		{`any where length(a) == 2`, `{"a":"😀"}`, true},
		{`any where length(a) == 5`, `{"a":"école"}`, true},
		{`any where substring(a, 1) == "cole"`, `{"a":"école"}`, true},
		{`any where substring(a, 2) == "x"`, `{"a":"😀x"}`, true},
		{`any where indexOf(a, "x") == 2`, `{"a":"😀x"}`, true},
		{`any where stringContains~(a, "ÉC")`, `{"a":"une école"}`, true},
		{`any where a regex~ "ÉCOLE"`, `{"a":"école"}`, true},
	})
}

func TestFunctions(t *testing.T) {
	runCases(t, nil, []evalCase{
		// add subtract multiply divide modulo
		{`any where add(n, 0) == 1 and add(0, 1) == n`, `{"n":1}`, true},
		{`any where subtract(n, -5) == 6`, `{"n":1}`, true},
		{`any where multiply(6, n) == 30 and divide(30, 4.0) == 7.5`, `{"n":5}`, true},
		{`any where divide(30, 4) == 7`, `{}`, true},
		{`any where modulo(11, 10) == n`, `{"n":1}`, true},
		{`any where divide(n, 0) == null`, `{"n":1}`, true},
		{`any where add(n, 1) == null`, `{}`, true},
		{`any where ADD(1, 1) == 2`, `{}`, true},
		// between
		{`any where between(s, "s", "e") : "t"`, `{"s":"System Idle Process"}`, true},
		{`any where between~(s, "s", "E") : "yst"`, `{"s":"System Idle Process"}`, true},
		{`any where between(s, "S", "e", true) == "ystem Idle Proc"`, `{"s":"System Idle Process"}`, true},
		{`any where between(s, "dev", ".json", false) : "\\TestLogs\\something"`, `{"s":"C:\\dev\\TestLogs\\something.json"}`, true},
		{`any where length(between(s, "g", "z")) == 0`, `{"s":"abc"}`, true},
		{`any where between(s, "", "c") == "abc"`, `{"s":"abc"}`, true},
		{`any where between(s, "a", "c") == null`, `{}`, true},
		{`any where between(s, "x", "a", true) == ""`, `{"s":"abxc"}`, true},
		// cidrMatch
		{`any where cidrMatch(ip, "10.6.48.157/8")`, `{"ip":"10.1.2.3"}`, true},
		{`any where cidrMatch(ip, "192.168.0.0/16")`, `{"ip":"10.1.2.3"}`, false},
		{`any where cidrMatch(ip, "192.168.0.0/16", "10.0.0.0/8")`, `{"ip":"10.1.2.3"}`, true},
		{`any where cidrMatch(ip, "0.0.0.0/0")`, `{"ip":"10.1.2.3"}`, true},
		{`any where cidrMatch(ip, "fe80::/10")`, `{"ip":"fe80::1"}`, true},
		{`any where cidrMatch(ip, "10.0.0.0/8")`, `{"ip":"::ffff:10.1.2.3"}`, true},
		{`any where cidrMatch(ip, "10.0.0.0/8")`, `{"ip":["1.1.1.1","10.1.2.3"]}`, true},
		{`any where cidrMatch(ip, "10.0.0.0/8") == true`, `{"ip":"10.1.2.3"}`, true},
		{`any where string(cidrMatch(ip, "10.0.0.0/8")) : "true"`, `{"ip":"10.1.2.3"}`, true},
		{`any where cidrMatch(ip, "10.0.0.0/8") == null`, `{}`, true},
		// concat
		{`any where concat(n, ":", s, o) : "5:wininit.exe3"`, `{"n":5,"s":"WININIT.exe","o":3}`, true},
		{`any where concat(n) == "1"`, `{"n":1}`, true},
		{`any where concat(1.5, true) == "1.5true"`, `{}`, true},
		{`any where concat(s, t) == null`, `{"s":"a"}`, true},
		// endsWith / startsWith
		{`any where endsWith(s, "lorer.exe")`, `{"s":"explorer.exe"}`, true},
		{`any where endsWith(s, "LORER.exe")`, `{"s":"explorer.exe"}`, false},
		{`any where endsWith~(s, "loREr.exe")`, `{"s":"explorer.exe"}`, true},
		{`any where startsWith(s, "explorer.")`, `{"s":"explorer.exe"}`, true},
		{`any where startsWith(s, "Explorer.")`, `{"s":"explorer.exe"}`, false},
		{`any where startsWith~(s, "EXPLORER.")`, `{"s":"explorer.exe"}`, true},
		{`any where startsWith("explorer.exeaaaa", s)`, `{"s":"explorer.exe"}`, true},
		{`any where STARTSWITH~("explorer.exeaAAAA", "EXPLORER.exe")`, `{}`, true},
		{`any where startsWith(s, "")`, `{"s":"x"}`, true},
		{`any where startsWith(s, "a") == null`, `{}`, true},
		// indexOf
		{`any where indexOf(s, "plorer.", 0) == 2`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "plorer.", 2) == 2`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "plorer.", 4) == null`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "plorer.", 100) == null`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "PLORER") == null`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf~(s, "PLORER") == 2`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "e", -5) == 0`, `{"s":"explorer.exe"}`, true},
		{`any where indexOf(s, "") == 0`, `{"s":"explorer.exe"}`, true},
		// length
		{`any where length(s) == 12`, `{"s":"explorer.exe"}`, true},
		{`any where length(s) == 0`, `{"s":""}`, true},
		{`any where length(s) == null`, `{}`, true},
		// number
		{`any where number("5") == 5`, `{}`, true},
		{`any where number("0x32", 16) == 50`, `{}`, true},
		{`any where number("0x32") == 50`, `{}`, true},
		{`any where number("32", 16) == 50`, `{}`, true},
		{`any where number("31", 13) == 40`, `{}`, true},
		{`any where number("1.5") == 1.5`, `{}`, true},
		{`any where number("1e3") == 1000`, `{}`, true},
		{`any where number("-12") == -12`, `{}`, true},
		{`any where number("abc") == null`, `{}`, true},
		{`any where number(s, null) == 17`, `{"s":"17"}`, true},
		{`any where number(s) == null`, `{}`, true},
		// string
		{`any where string(n) : "1"`, `{"n":1}`, true},
		{`any where string(n) == "1.0"`, `{"n":1.0}`, true},
		{`any where string(1.5) == "1.5"`, `{}`, true},
		{`any where string(10000000.0) == "1.0E7"`, `{}`, true},
		{`any where string(0.0001) == "1.0E-4"`, `{}`, true},
		{`any where string(123456.789) == "123456.789"`, `{}`, true},
		{`any where string(true) == "true"`, `{}`, true},
		{`any where string(s) == "x"`, `{"s":"x"}`, true},
		{`any where string(x) == null`, `{}`, true},
		{`any where number(string(n), 16) == 17`, `{"n":11}`, true},
		// stringContains
		{`any where stringContains("ABCDEFGHIexplorer.exeJKLMNOP", s)`, `{"s":"explorer.exe"}`, true},
		{`any where stringContains(s, "XP")`, `{"s":"explorer.exe"}`, false},
		{`any where stringContains~(s, "XP")`, `{"s":"explorer.exe"}`, true},
		{`any where stringContains(s, "")`, `{"s":"explorer.exe"}`, false},
		{`any where stringContains(s, "a")`, `{"s":""}`, false},
		// substring (Python slices)
		{`any where substring(s, 0, 4) : "expl"`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, 1, 3) == "xp"`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, -4) == ".exe"`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, -4, -1) == ".ex"`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, 10, 2) == ""`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, -100, 100) == "explorer.exe"`, `{"s":"explorer.exe"}`, true},
		{`any where substring(s, 5) regex ".*?net[1]?  localgroup.*?"`, `{"s":"C:\\\\net1  localgroup x"}`, false},
	})
}

func TestTypedFields(t *testing.T) {
	types := match.Fields{"ip": "ip", "ts": "date", "v": "version", "n": "long", "k": "keyword"}
	runCases(t, types, []evalCase{
		{`any where ip == "10.0.0.1"`, `{"ip":"10.0.0.1"}`, true},
		{`any where ip == "10.0.0.1"`, `{"ip":"::ffff:10.0.0.1"}`, true},
		{`any where ip == "10.0.0.0/8"`, `{"ip":"10.9.0.1"}`, true},
		{`any where ip != "127.0.0.1"`, `{"ip":"10.9.0.1"}`, true},
		{`any where ip != "127.0.0.1"`, `{"ip":"127.0.0.1"}`, false},
		{`any where ip < "10.0.0.2"`, `{"ip":"10.0.0.1"}`, true},
		{`any where ip < "9.0.0.1"`, `{"ip":"10.0.0.1"}`, false},
		{`any where ip in ("1.1.1.1", "10.0.0.1")`, `{"ip":"10.0.0.1"}`, true},
		{`any where ts == "2017-08-30T20:47:33Z"`, `{"ts":"2017-08-30T20:47:33.000Z"}`, true},
		{`any where ts == 1504126053000`, `{"ts":"2017-08-30T20:47:33Z"}`, true},
		{`any where ts < "2017-08-30T20:47:33Z"`, `{"ts":1504126052999}`, true},
		{`any where ts > "2017-08-30T20:47:33.000000001Z"`, `{"ts":"2017-08-30T20:47:33.000000002Z"}`, true},
		{`any where v > "1.5.0"`, `{"v":"1.11.3"}`, true},
		{`any where v < "1.5.0"`, `{"v":"1.2.4-SNAPSHOT"}`, true},
		{`any where v < "1.2.4"`, `{"v":"1.2.4-SNAPSHOT"}`, true},
		{`any where v < "1.5.0"`, `{"v":"bad"}`, false},
		{`any where v == "1.2.4"`, `{"v":"1.2.4"}`, true},
		{`any where n == "123"`, `{"n":123}`, true},
		{`any where n > 5`, `{"n":"7"}`, true},
		{`any where k == 123`, `{"k":"123"}`, true},
		{`any where k == "123"`, `{"k":123}`, true},
		{`any where k : "12*"`, `{"k":123}`, true},
	})
}

func TestOptionalFields(t *testing.T) {
	types := match.Fields{"known": "keyword"}
	runCases(t, types, []evalCase{
		{`any where ?unknown == null`, `{"unknown":"x"}`, true},
		{`any where ?unknown == ?other`, `{}`, true},
		{`any where ?known == "x"`, `{"known":"x"}`, true},
		{`any where ?known == null`, `{}`, true},
	})
}
