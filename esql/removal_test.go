package esql

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLengthOfRemoval checks LENGTH(REPLACE(col, lit, "")), counted
// without the copy, against the same through an expression that is not
// a column (which builds the copy), on strings valid and not, nulls and
// multi-values; and that only a column, a literal pattern and an empty
// replacement take the count.
func TestLengthOfRemoval(t *testing.T) {
	const counted = `from s | eval a = length(replace(x, "🔥", "")), b = length(replace(x, "ab", "")), c = length(replace(x, """a\.b""", "")), d = length(replace(x, "a", "")) | keep a, b, c, d`
	const copied = `from s | eval a = length(replace(concat(x, ""), "🔥", "")), b = length(replace(concat(x, ""), "ab", "")), c = length(replace(concat(x, ""), """a\.b""", "")), d = length(replace(concat(x, ""), "a", "")) | keep a, b, c, d`
	inputs := []any{"", "a", "🔥", "x🔥y🔥🔥", "abab aab a.b a🔥b", "\xff🔥\xf0\x9f\x94", "\xf0\x9f🔥\x94\xa5", "aaaa", nil, []any{"a🔥", "b"}, "ä🔥ab"}
	run := func(query string) ([]string, []string) {
		q, err := Parse(query)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(q, Options{Now: time.Unix(0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		var w Warnings
		for _, in := range inputs {
			cells := make([]any, len(p.Inputs)) // the open source has a, b, c, d too
			cells[colIndex(p.Inputs, "x")] = in
			rows := p.Run([]Row{{Cells: cells}}, &w)
			if len(rows) == 0 {
				t.Fatalf("%v: no row (%q)", in, w.List())
			}
			out = append(out, fmt.Sprint(rows[0].Cells))
		}
		return out, w.List()
	}
	got, gotW := run(counted)
	want, wantW := run(copied)
	if !slices.Equal(got, want) {
		t.Errorf("counted %q\nwant    %q", got, want)
	}
	if len(gotW) != len(wantW) {
		t.Errorf("warnings %q, want as many as %q", gotW, wantW)
	}
	for _, tc := range []struct {
		call    string
		removal bool
	}{
		{`replace(x, "🔥", "")`, true}, {`replace(x, """a\.b""", "")`, true}, {`replace(x, "(?i)a", "")`, false},
		{`replace(x, "a.", "")`, false}, {`replace(x, "a", "b")`, false}, {`replace(concat(x, ""), "a", "")`, false}, {`replace(x, "", "")`, false},
	} {
		q, err := Parse("from s | eval y = " + tc.call)
		if err != nil {
			t.Fatal(err)
		}
		c := &compiler{src: "from s | eval y = " + tc.call, opts: &Options{}}
		e := c.expr(q.Commands[1].(*Eval).Fields[0].Expr, []Column{{Name: "x", Type: TKeyword}})
		if got := e.removal != nil; got != tc.removal {
			t.Errorf("%s: removal %v, want %v", tc.call, got, tc.removal)
		}
	}
}

// BenchmarkLengthOfRemoval counts the emoji of a 20 kB script block as
// Elastic's PowerShell-obfuscation rules do, LENGTH(tmp) -
// LENGTH(REPLACE(tmp, "🔥", "")): "counted" reads the column (the count
// without the copy), "copied" an expression (the copy built).
func BenchmarkLengthOfRemoval(b *testing.B) {
	line := "    $items = $list.Where({ $_.Name -ne $null }) | ForEach-Object { $_.Value[🔥] }\n"
	text := strings.Repeat(line, 20_000/len(line))
	for _, tc := range []struct{ name, arg string }{{"counted", "x"}, {"copied", `concat(x, "")`}} {
		b.Run(tc.name, func(b *testing.B) {
			q, err := Parse(`from s | eval n = length(x) - length(replace(` + tc.arg + `, "🔥", "")) | keep n`)
			if err != nil {
				b.Fatal(err)
			}
			p, err := Compile(q, Options{Now: time.Unix(0, 0)})
			if err != nil {
				b.Fatal(err)
			}
			cells := make([]any, len(p.Inputs))
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				cells[colIndex(p.Inputs, "x")] = text
				var w Warnings
				p.Run([]Row{{Cells: cells}}, &w)
			}
		})
	}
}
