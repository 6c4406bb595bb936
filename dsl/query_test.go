package dsl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
)

// tree decodes JSON into the tree form the rule loader gives: maps,
// slices, strings, int64, float64 and booleans.
func tree(t testing.TB, src string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return numbers(v)
}

func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	}
	return v
}

// doc is an event for tests: field paths and values (string, int, float64,
// bool, nil, []any for arrays).
type doc = testevent.Doc

func TestQuery(t *testing.T) {
	now := func() time.Time { return time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, q string
		yes, no []doc
	}{
		{"term keyword", `{"term": {"process.name": "cmd.exe"}}`,
			[]doc{{"process.name": "cmd.exe"}}, []doc{{"process.name": "CMD.exe"}}},
		{"term object form", `{"term": {"process.name": {"value": "cmd.exe", "case_insensitive": true, "boost": 2}}}`,
			[]doc{{"process.name": "CMD.EXE"}}, []doc{{"process.name": "cmd"}}},
		{"term number on keyword", `{"term": {"event.code": 4688}}`,
			[]doc{{"event.code": "4688"}}, []doc{{"event.code": "4688.0"}}},
		{"match text dotted I", `{"match": {"message": "invoke"}}`, []doc{{"message": "\u0130nvoke x"}, {"message": "INVOKE"}}, []doc{{"message": "invoked"}}},
		{"phrase text kelvin", `{"match_phrase": {"message": "kill it"}}`, []doc{{"message": "\u212aILL IT"}}, []doc{{"message": "kil it"}}},
		{"term on text is a token", `{"term": {"message": "hello"}}`,
			[]doc{{"message": "Hello World"}}, []doc{{"message": "helloworld"}}},
		{"term upper case on text", `{"term": {"message": "Hello"}}`, nil, []doc{{"message": "Hello"}}},
		{"terms", `{"terms": {"process.name": ["a", "b"], "boost": 1}}`,
			[]doc{{"process.name": "a"}, {"process.name": []any{"x", "b"}}}, []doc{{"process.name": "c"}}},
		{"terms numeric", `{"terms": {"process.pid": [1, "2"]}}`,
			[]doc{{"process.pid": 1}, {"process.pid": 2}}, []doc{{"process.pid": 3}}},
		{"match keyword", `{"match": {"process.name": "a b"}}`, []doc{{"process.name": "a b"}}, []doc{{"process.name": "a"}}},
		{"match text", `{"match": {"message": {"query": "a b"}}}`, []doc{{"message": "x a"}, {"message": "B"}}, []doc{{"message": "ab"}}},
		{"match text and", `{"match": {"message": {"query": "a b", "operator": "and"}}}`, []doc{{"message": "b x a"}}, []doc{{"message": "a"}}},
		{"match_phrase keyword", `{"match_phrase": {"event.category": "threat"}}`, []doc{{"event.category": "threat"}}, []doc{{"event.category": "Threat"}}},
		{"match_phrase text", `{"match_phrase": {"message": "out-of-tree module"}}`,
			[]doc{{"message": "loading out-of-tree module taints kernel."}}, []doc{{"message": "out of the tree module"}}},
		{"wildcard lucene", `{"wildcard": {"file.path": {"value": "?:\\\\Windows\\\\Sys?????\\\\*", "case_insensitive": true}}}`,
			[]doc{{"file.path": `C:\windows\SYSTEM32\x.dll`}}, []doc{{"file.path": `C:\Windows\System\x`}, {"file.path": `CC:\Windows\System32\x`}}},
		{"wildcard escapes", `{"wildcard": {"file.path": "a\\*b\\?c*"}}`, []doc{{"file.path": "a*b?cd"}}, []doc{{"file.path": "axb?cd"}, {"file.path": "a*bxcd"}}},
		// A single backslash escapes the next character: C:\Program Files\*
		// reads as C:Program Files* with a literal star (a rule bug
		// Elasticsearch reproduces).
		{"wildcard single backslash", `{"wildcard": {"file.path": {"value": "C:\\Program Files\\*"}}}`,
			[]doc{{"file.path": "C:Program Files*"}}, []doc{{"file.path": `C:\Program Files\x`}, {"file.path": "C:Program Filesx"}}},
		{"wildcard key", `{"wildcard": {"file.name": {"wildcard": "*.exe"}}}`, []doc{{"file.name": "a.exe"}}, []doc{{"file.name": "a.dll"}}},
		{"wildcard text", `{"wildcard": {"message": "mimi*"}}`, []doc{{"message": "Run MIMIKATZ"}}, []doc{{"message": "Run mim-ikatz"}}},
		// The wildcard query does not normalize its pattern: upper case
		// never matches the lowercased tokens.
		{"wildcard text upper", `{"wildcard": {"message": "Mimi*"}}`, nil, []doc{{"message": "Mimikatz"}}},
		{"prefix", `{"prefix": {"process.name": {"value": "CM", "case_insensitive": true}}}`, []doc{{"process.name": "cmd"}}, []doc{{"process.name": "xcmd"}}},
		{"exists", `{"exists": {"field": "user_agent.original"}}`, []doc{{"user_agent.original": "x"}}, []doc{{}}},
		{"range numeric", `{"range": {"process.pid": {"gt": 5, "lte": "10"}}}`, []doc{{"process.pid": 6}, {"process.pid": 10}}, []doc{{"process.pid": 5}, {"process.pid": 11}}},
		{"range from to", `{"range": {"process.pid": {"from": 5, "to": 10, "include_lower": false}}}`, []doc{{"process.pid": 10}}, []doc{{"process.pid": 5}}},
		{"range date math", `{"range": {"@timestamp": {"gte": "now-1d/d", "lt": "now"}}}`,
			[]doc{{"@timestamp": "2024-03-14T00:00:00Z"}}, []doc{{"@timestamp": "2024-03-13T23:00:00Z"}, {"@timestamp": "2024-03-15T12:00:00Z"}}},
		{"range date anchored math", `{"range": {"@timestamp": {"gt": "2024-01-01||+1M/M"}}}`,
			[]doc{{"@timestamp": "2024-03-01T00:00:00Z"}}, []doc{{"@timestamp": "2024-02-29T23:59:59Z"}}},
		{"range epoch millis", `{"range": {"@timestamp": {"gte": 1704067200000}}}`,
			[]doc{{"@timestamp": "2024-01-01T00:00:00Z"}}, []doc{{"@timestamp": "2023-12-31T23:59:59Z"}}},
		{"bool", `{"bool": {"must": {"term": {"a": "1"}}, "must_not": [{"term": {"b": "2"}}], "should": [{"term": {"c": "3"}}]}}`,
			[]doc{{"a": "1"}, {"a": "1", "c": "3"}}, []doc{{"a": "1", "b": "2"}, {"c": "3"}}},
		{"bool should only", `{"bool": {"should": [{"term": {"a": "1"}}, {"term": {"b": "2"}}]}}`,
			[]doc{{"a": "1"}, {"b": "2"}}, []doc{{}}},
		{"bool minimum_should_match", `{"bool": {"should": [{"term": {"a": "1"}}, {"term": {"b": "2"}}, {"term": {"c": "3"}}], "minimum_should_match": 2}}`,
			[]doc{{"a": "1", "c": "3"}}, []doc{{"a": "1"}}},
		{"bool minimum_should_match percent", `{"bool": {"filter": [{"term": {"x": "1"}}], "should": [{"term": {"a": "1"}}, {"term": {"b": "2"}}], "minimum_should_match": "50%"}}`,
			[]doc{{"x": "1", "b": "2"}}, []doc{{"x": "1"}}},
		{"bool should with must is optional", `{"bool": {"must": [{"term": {"x": "1"}}], "should": [{"term": {"a": "1"}}]}}`,
			[]doc{{"x": "1"}}, nil},
		{"empty bool", `{"bool": {}}`, []doc{{}}, nil},
		{"match_all", `{"match_all": {}}`, []doc{{}}, nil},
		{"match_none", `{"match_none": {}}`, nil, []doc{{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := event.NewSchema()
			p, err := New(s, Options{Now: now}).Query(tree(t, tt.q))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range tt.yes {
				if !p.Match(d.Event(s)) {
					t.Errorf("%s does not match %v", tt.q, d)
				}
			}
			for _, d := range tt.no {
				if p.Match(d.Event(s)) {
					t.Errorf("%s matches %v", tt.q, d)
				}
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct{ q, want string }{
		{`{"query_string": {"query": "a:b"}}`, `unsupported query type "query_string"`},
		{`{"bool": {"must": [{"term": {"a": "b"}}, {"nested": {}}]}}`, `bool.must[1]: unsupported query type "nested"`},
		{`{"term": {"a": "b"}, "match": {}}`, `a query must have exactly one key (the query type), not match, term`},
		{`{"term": {"process.pid": "x"}}`, `term: For input string: "x" (field process.pid is of type long)`},
		{`{"wildcard": {"source.ip": "10.*"}}`, `wildcard: can only use wildcard queries on keyword, text and wildcard fields - not on source.ip which is of type ip`},
		{`{"term": {"a": {"value": "b", "fuzzy": 1}}}`, `term: unsupported parameter "fuzzy"`},
		{`{"match_phrase": {"message": {"query": "a b", "slop": 2}}}`, `match_phrase: match_phrase with slop is not supported`},
		{`{"terms": {"a": {"index": "i"}}}`, `terms: terms needs a list of values (terms lookup is not supported)`},
		{`{"range": {"@timestamp": {"gte": "now-1d", "time_zone": "Europe/Paris"}}}`, `range: time_zone Europe/Paris is not supported (only UTC)`},
		{`{"bool": {"should": [], "minimum_should_match": "x"}}`, `bool.minimum_should_match: bad minimum_should_match "x"`},
		{`{"exists": {}}`, `exists: exists needs a field name`},
		{`"x"`, `a query must be an object, not "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, err := New(event.NewSchema(), Options{}).Query(tree(t, tt.q))
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	s := event.NewSchema()
	filters := tree(t, `[
		{"meta": {"negate": true}, "query": {"wildcard": {"file.path": {"case_insensitive": true, "value": "?:\\\\Program Files\\\\*"}}}},
		{"$state": {"store": "appState"}, "exists": {"field": "user_agent.original"}, "meta": {"disabled": false, "negate": false, "type": "exists"}},
		{"meta": {"disabled": true}, "query": {"match_none": {}}},
		{"meta": {"negate": false, "type": "phrase", "key": "event.kind", "params": {"query": "enrichment"}}, "query": {"match_phrase": {"event.kind": "enrichment"}}}
	]`).([]any)
	p, err := New(s, Options{}).Filters(filters)
	if err != nil {
		t.Fatal(err)
	}
	yes := doc{"file.path": `D:\Temp\x`, "user_agent.original": "curl", "event.kind": "enrichment"}
	if !p.Match(yes.Event(s)) {
		t.Errorf("no match on %v", yes)
	}
	for _, d := range []doc{
		{"file.path": `c:\program files\x`, "user_agent.original": "curl", "event.kind": "enrichment"},
		{"file.path": `D:\Temp\x`, "event.kind": "enrichment"},
		{"user_agent.original": "curl", "event.kind": "alert"},
	} {
		if p.Match(d.Event(s)) {
			t.Errorf("match on %v", d)
		}
	}

	_, err = New(s, Options{}).Filters(tree(t, `[{"query": {"match_all": {}}}, {"meta": {}, "query": {"regexp": {"a": "b.*"}}}]`).([]any))
	var fe *FilterError
	if !errors.As(err, &fe) || fe.Index != 1 {
		t.Fatalf("err = %v, want a FilterError for filter 1", err)
	}
	if want := `filter 1: unsupported query type "regexp"`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	_, err = New(s, Options{}).Filters(tree(t, `[{"meta": {"negate": true}}]`).([]any))
	if want := `filter 0: the filter has no query`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
