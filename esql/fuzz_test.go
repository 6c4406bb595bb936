package esql

import (
	"testing"
	"time"
)

// FuzzCompile checks that no query, however malformed, makes the parser
// or the checker panic, and that a compiled query runs on a row of
// arbitrary source values without crashing.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`from logs-* metadata _id | where process.name == "sc.exe" and process.args like "*\\\\*" | keep _id`,
		`from logs-* | eval x = to_lower(a) | stats n = count(*), v = values(b) by host.name, t = date_trunc(1 hour, @timestamp) | where n > 3`,
		`row a = [1, 2, 3], b = "x" | mv_expand a | eval c = a * 2 | sort c desc nulls first | limit 2`,
		`from x | grok m "%{WORD:w} %{NUMBER:n:int}" | dissect m "%{a} %{+a}" | rename a as b | drop w`,
		`from x | inline stats m = max(v) by k | where case(v > 1, true, false) and cidr_match(ip, "10.0.0.0/8")`,
		`from x | where kql("a:b") and a rlike "ab.*" and b in (1, 2, null) and c is not null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			return
		}
		p, err := Compile(q, Options{Now: time.Unix(0, 0)})
		if err != nil {
			return
		}
		row := make([]any, len(p.Inputs))
		for i, c := range p.Inputs {
			switch c.Type {
			case TKeyword, TText:
				row[i] = []any{"a", "b"}
			case TLong, TInt:
				row[i] = int64(1)
			}
		}
		var w Warnings
		p.Run([]Row{{Cells: row}}, &w)
	})
}
