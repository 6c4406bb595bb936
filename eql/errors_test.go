package eql

import (
	"errors"
	"testing"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// testTypes is the schema of the error tests.
var testTypes = match.Fields{"a": "keyword", "b": "keyword", "n": "long", "ip": "ip", "ts": "date", "d": "boolean", "x": "keyword", "y": "keyword"}

func TestErrors(t *testing.T) {
	tests := []struct{ query, want string }{
		{"process where", "1:14: eql: expected an expression, found end of query"},
		{"process where process.name = \"x\"", "1:28: eql: '=' is not an operator in EQL; use '==' (case-sensitive) or ':' (case-insensitive)"},
		{"process where a == 1 == 2", "1:22: eql: comparisons cannot be chained; combine them with 'and'"},
		{"process where a : b", "1:19: eql: the right side of ':' must be a string constant or a list of them, found identifier \"b\""},
		{"process where \"abc", "1:15: eql: unterminated string"},
		{"process where 'abc'", "1:15: eql: single-quoted strings are not supported; use double quotes"},
		{"process where a == \"\\x\"", "1:21: eql: unknown escape sequence \\x (use \\\\ for a backslash)"},
		{"process where a == \"\\u{zz}\"", "1:21: eql: invalid hex digits in unicode escape \\u{zz}"},
		{"process where a == \"\"\"abc", "1:20: eql: unterminated raw string"},
		{"process where a[0] == 1", "1:16: eql: array indexes are not supported by Elasticsearch EQL"},
		{"process where a == 1 | sort a", "1:24: eql: the sort pipe is not supported by Elasticsearch EQL (only head and tail are)"},
		{"process where a == 1 | head -1", "1:29: eql: the head pipe needs a positive integer, found '-'"},
		{"process where a == 1 | head", "1:28: eql: the head pipe needs a positive integer, found end of query"},
		{"process where a == 1 | count", "1:24: eql: the count pipe is not supported by Elasticsearch EQL (only head and tail are)"},
		{"process where foo(a)", "1:15: eql: unknown function \"foo\""},
		{"process where a == \"é\" and foo(a)", "1:29: eql: unknown function \"foo\""}, // columns count bytes
		{"process where startswth(a, \"b\")", "1:15: eql: unknown function \"startswth\" (did you mean \"startsWith\"?)"},
		{"process where length(a, 1)", "1:15: eql: function length takes 1 argument, found 2"},
		{"process where length~(a)", "1:15: eql: function length has no case-insensitive form length~"},
		{"process where add(a)", "1:15: eql: function add takes 2 arguments, found 1"},
		{"process where a == b", "1:17: eql: comparing a field to another field is not supported by Elasticsearch EQL: a == b"},
		{"process where a like b", "1:22: eql: the right side of 'like' must be a string constant or a list of them, found identifier \"b\""},
		{"process where a in (b, 1)", "1:21: eql: the values of 'in' must be constants, found field b (keyword)"},
		{"process where cidrMatch(a, \"300.0.0.0/8\")", "1:25: eql: argument 1 of cidrMatch must be an ip field, found field a (keyword)"},
		{"process where a regex \"<1-10>\"", "1:23: eql: regex \"<1-10>\" at offset 0: intervals and named automata (<...>) are not supported"},
		{"process where a regex \"a&b\"", "1:23: eql: regex \"a&b\" at offset 1: intersection (&) is not supported"},
		{"process where a regex \"(ab\"", "1:23: eql: regex \"(ab\" at offset 3: missing )"},
		{"process where 1", "1:15: eql: a condition must be boolean, found 1 (integer)"},
		{"process where a == 1 and b ==", "1:30: eql: expected an expression, found end of query"},
		{"process where a === 1 and b == )", "1:19: eql: expected an expression, found '='\n1:32: eql: expected an expression, found ')'"},
		{"sequence [process where true]", "1:1: eql: a sequence needs at least 2 stages (with runs=N counting N), found 1"},
		{"sequence with maxspan=10 [a where true] [b where true]", "1:23: eql: maxspan needs a time unit (ms, s, m, h, d), as in maxspan=10s"},
		{"sequence with maxspan=10x [a where true] [b where true]", "1:25: eql: unknown time unit \"x\" (use ms, s, m, h or d)"},
		{"sequence with maxspan=1m by a [a where true] [b where true]", "1:26: eql: write 'sequence by ...' before 'with maxspan', not after"},
		{"sequence [a where true] by x [b where true] by x, y", "1:30: eql: stage 2 has 2 join keys, but the first stage has 1: every stage needs the same number"},
		{"sequence [a where true] with runs=0 [b where true]", "1:35: eql: runs must be an integer from 1 to 100, found 0"},
		{"sample [a where true] with runs=2 [b where true]", "1:8: eql: a sample stage cannot have 'with runs'"},
		{"join [a where true] [b where true]", "1:1: eql: join is not supported by Elasticsearch EQL"},
		{"process where a /* unterminated", "1:17: eql: unterminated comment"},
		{"process where descendant of [file where true]", "1:26: eql: lineage queries (child of, descendant of, event of) are not supported by Elasticsearch EQL"},
		{"process.x where true", "1:8: eql: an event category containing '.' must be quoted: \"process.…\""},
		{"process where number(\"1\", 99)", "1:27: eql: number: base must be from 2 to 36, found 99"},
		{"process where between(a, \"b\", \"c\", d)", "1:36: eql: argument 4 of between must be a constant, found field d (boolean)"},
		{"process where ip == \"1.2.3\"", "1:18: eql: ip: \"1.2.3\" is not an IP address"},
		{"process where length(n)", "1:22: eql: argument 1 of length must be a string, found field n (long)"},
		{"process where ts == \"yesterday\"", "1:18: eql: ts: \"yesterday\" is not a date"},
		{"process where a : 1", "1:19: eql: the patterns of ':' must be strings, found 1 (integer)"},
		{"process where not n", "1:19: eql: a condition must be boolean, found field n (long)"},
		{"process where n + \"a\" > 1", "1:17: eql: '+' needs numbers, found \"a\" (string)"},
		{"process where nofield == 1", "1:15: eql: unknown field \"nofield\" (write ?nofield if it may be absent from the mapping)"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := CompileString(tt.query, nil, Options{Schema: testTypes})
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
			var list srcpos.ErrorList
			if !errors.As(err, &list) {
				t.Errorf("error is %T, not srcpos.ErrorList", err)
			}
		})
	}
}

func TestErrorSnippet(t *testing.T) {
	_, err := CompileString("process where true and\n  startswth(a, \"x\")", nil, Options{Schema: testTypes})
	var list srcpos.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	want := "rule.toml:2:3: eql: unknown function \"startswth\" (did you mean \"startsWith\"?)\n" +
		"   |   startswth(a, \"x\")\n" +
		"   |   ^"
	for _, e := range list {
		e.Pos.File = "rule.toml"
	}
	if got := list.Render(); got != want {
		t.Errorf("Render:\n%s\nwant:\n%s", got, want)
	}
}
