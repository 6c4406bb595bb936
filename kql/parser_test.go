package kql

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// dump writes a tree as an S-expression without positions. Values are
// Go-quoted Text, prefixed with q for a phrase and w[stars] for wildcards.
func dump(n Node) string {
	switch n := n.(type) {
	case nil:
		return "nil"
	case *Or:
		return "(or " + dumpAll(n.Terms) + ")"
	case *And:
		return "(and " + dumpAll(n.Terms) + ")"
	case *Not:
		return "(not " + dump(n.X) + ")"
	case *Paren:
		return "(paren " + dump(n.X) + ")"
	case *Match:
		return "(match " + dump(n.Field) + " " + dump(n.Value) + ")"
	case *Exists:
		return "(exists " + dump(n.Field) + ")"
	case *Range:
		return "(range " + dump(n.Field) + " " + n.Op.String() + " " + dump(n.Value) + ")"
	case *Nested:
		return "(nested " + dump(n.Field) + " " + dump(n.Query) + ")"
	case *FreeText:
		return "(free " + dump(n.Value) + ")"
	case *Value:
		s := fmt.Sprintf("%q", n.Text)
		if n.Quoted {
			s = "q" + s
		}
		if n.Wildcard {
			s = fmt.Sprintf("w%v", n.Stars) + s
		}
		return s
	}
	return fmt.Sprintf("?%T", n)
}

func dumpAll(ns []Node) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = dump(n)
	}
	return strings.Join(s, " ")
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		// Matches, phrases, exists.
		{`a:b`, `(match "a" "b")`},
		{`process.name : cmd.exe`, `(match "process.name" "cmd.exe")`},
		{`a:"b c"`, `(match "a" q"b c")`},
		{`"a b":c`, `(match q"a b" "c")`},
		{`a:*`, `(exists "a")`},
		{`a: *`, `(exists "a")`},
		{`*:*`, `(exists w[0]"*")`},
		{`a:"*"`, `(match "a" q"*")`},
		{`a:\*`, `(match "a" "*")`},
		{`a:(*)`, `(match "a" (paren w[0]"*"))`},
		// Boolean operators and precedence: not > and > or.
		{`a:b or c:d and e:f`, `(or (match "a" "b") (and (match "c" "d") (match "e" "f")))`},
		{`a:b and c:d or e:f`, `(or (and (match "a" "b") (match "c" "d")) (match "e" "f"))`},
		{`not a:b and c:d`, `(and (not (match "a" "b")) (match "c" "d"))`},
		{`not (a:b or c:d)`, `(not (paren (or (match "a" "b") (match "c" "d"))))`},
		{`(a:b or c:d) and e:f`, `(and (paren (or (match "a" "b") (match "c" "d"))) (match "e" "f"))`},
		{`a:b OR c:d AnD NOT e:f`, `(or (match "a" "b") (and (match "c" "d") (not (match "e" "f"))))`},
		{`a:b or c:d or e:f`, `(or (match "a" "b") (match "c" "d") (match "e" "f"))`},
		{"a:b\n\tand\r\nc:d", `(and (match "a" "b") (match "c" "d"))`},
		{"a:b\u00a0and\u00a0c:d", `(and (match "a" "b") (match "c" "d"))`},
		{`  a:b  `, `(match "a" "b")`},
		{`((a:b))`, `(paren (paren (match "a" "b")))`},
		// Value lists.
		{`a:(b or c)`, `(match "a" (paren (or "b" "c")))`},
		{`a:(b or c and d)`, `(match "a" (paren (or "b" (and "c" "d"))))`},
		{`a:(not b and not (c or d))`, `(match "a" (paren (and (not "b") (not (paren (or "c" "d"))))))`},
		{`a:( "b" or c* )`, `(match "a" (paren (or q"b" w[1]"c*")))`},
		// Unquoted values: spaces, trimming, wildcards; ? is literal.
		{`a:quick brown fox`, `(match "a" "quick brown fox")`},
		{`a:400 401 404 and b:c`, `(and (match "a" "400 401 404") (match "b" "c"))`},
		{`a:b  and c:d`, `(and (match "a" "b") (match "c" "d"))`},
		{`a:*.exe`, `(match "a" w[0]"*.exe")`},
		{`a:*\\Windows\\*`, `(match "a" w[0 10]"*\\Windows\\*")`},
		{`a:file?.txt`, `(match "a" "file?.txt")`},
		{`a:notepad.exe`, `(match "a" "notepad.exe")`},
		{`a:knot`, `(match "a" "knot")`},
		{`a:b or`, `(match "a" "b or")`},
		{`a:b and`, `(match "a" "b and")`},
		{`a: and b`, `(match "a" "and b")`},
		{`a:not`, `(match "a" "not")`},
		{`a:10.0.0.0/8`, `(match "a" "10.0.0.0/8")`},
		{`a:true`, `(match "a" "true")`},
		{`a:-1.5`, `(match "a" "-1.5")`},
		{`a:é日本`, `(match "a" "é日本")`},
		// Escapes in unquoted literals.
		{`a:\(x\)`, `(match "a" "(x)")`},
		{`a:C\:\\x`, `(match "a" "C:\\x")`},
		{`a:\<\>\"\{\}`, `(match "a" "<>\"{}")`},
		{`a:b\*c`, `(match "a" "b*c")`},
		{`a:b\*c*`, `(match "a" w[3]"b*c*")`},
		{`a:x\ty\rz\n`, `(match "a" "x\ty\rz")`},
		{`a:\u0041\u00e9`, `(match "a" "Aé")`},
		{`a:\ud83d\ude00`, `(match "a" "😀")`},
		{`a:b \or c`, `(match "a" "b or c")`},
		{`a:b \AND c`, `(match "a" "b AND c")`},
		{`a:\or`, `(match "a" "or")`},
		{`a:\not x`, `(match "a" "ot x")`}, // \n is a newline, trimmed
		{`a:x\not`, `(match "a" "x\not")`},
		{`a:\NOT x`, `(match "a" "NOT x")`},
		// Escapes in phrases.
		{`a:"C:\Windows\System32"`, `(match "a" q"C:\\Windows\\System32")`},
		{`a:"C:\\Windows"`, `(match "a" q"C:\\Windows")`},
		{`a:"say \"hi\""`, `(match "a" q"say \"hi\"")`},
		{`a:"x\ty\nz"`, `(match "a" q"x\ty\nz")`},
		{`a:"\u0041"`, `(match "a" q"A")`},
		{`a:"b*c"`, `(match "a" q"b*c")`},
		{`a:"x or y"`, `(match "a" q"x or y")`},
		{"a:\"multi\nline\"", `(match "a" q"multi\nline")`},
		// Ranges.
		{`a < 5`, `(range "a" < "5")`},
		{`a<=5`, `(range "a" <= "5")`},
		{`a > 2020-01-01`, `(range "a" > "2020-01-01")`},
		{`a >= "now-1d"`, `(range "a" >= q"now-1d")`},
		{`a >= abc and b < 1`, `(and (range "a" >= "abc") (range "b" < "1"))`},
		// Nested fields.
		{`a:{ b:c and d:e }`, `(nested "a" (and (match "b" "c") (match "d" "e")))`},
		{`a:{b:xnot}`, `(nested "a" (match "b" "xnot"))`},
		{`not<0`, `(range "not" < "0")`},
		{`0 or<0`, `(range "0 or" < "0")`},
		{`a < =5`, `(range "a" < "=5")`},
		{`a:{b:{c:d}}`, `(nested "a" (nested "b" (match "c" "d")))`},
		{`not a:{b:c}`, `(not (nested "a" (match "b" "c")))`},
		// Wildcards in field names.
		{`process.*:x`, `(match w[8]"process.*" "x")`},
		{`*:x`, `(match w[0]"*" "x")`},
		// Free text.
		{`hello`, `(free "hello")`},
		{`"hello world"`, `(free q"hello world")`},
		{`hello world and a:b`, `(and (free "hello world") (match "a" "b"))`},
		{`error*`, `(free w[5]"error*")`},
		// Empty.
		{``, `nil`},
		{" \n ", `nil`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := dump(n); got != tc.want {
				t.Errorf("Parse(%q) =\n%s\nwant\n%s", tc.in, got, tc.want)
			}
			checkRoundTrip(t, tc.in, n)
		})
	}
}

// stripPos zeroes every position of the tree, so trees can be compared.
func stripPos(n Node) Node {
	Walk(n, func(x Node) bool {
		switch x := x.(type) {
		case *Not:
			x.NotPos = srcpos.Pos{}
		case *Paren:
			x.Lparen, x.Rparen = srcpos.Pos{}, srcpos.Pos{}
		case *Exists:
			x.Star = srcpos.Pos{}
		case *Range:
			x.OpPos = srcpos.Pos{}
		case *Nested:
			x.Lbrace, x.Rbrace = srcpos.Pos{}, srcpos.Pos{}
		case *Value:
			x.Start, x.Stop = srcpos.Pos{}, srcpos.Pos{}
		}
		return true
	})
	return n
}

func checkRoundTrip(t *testing.T, in string, n Node) {
	t.Helper()
	if n == nil {
		return
	}
	s := n.String()
	m, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q).String() = %q does not parse: %v", in, s, err)
	}
	// Parse again rather than strip n, which the caller may still use.
	n2, _ := Parse(in)
	if !reflect.DeepEqual(stripPos(n2), stripPos(m)) {
		t.Errorf("round trip of %q through %q:\n%s\n%s", in, s, dump(n2), dump(m))
	}
}

func TestPositions(t *testing.T) {
	src := "a:b and\n  not c.d : (\"x\\\"y\" or f*g)\n  and e >= 5"
	n, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	Walk(n, func(x Node) bool {
		s := fmt.Sprintf("%T %s-%s", x, x.Pos(), x.End())
		if v, ok := x.(*Value); ok {
			s += fmt.Sprintf(" raw=%s text=%q quoted=%v wildcard=%v stars=%v", v.Raw, v.Text, v.Quoted, v.Wildcard, v.Stars)
			if src[v.Start.Offset:v.Stop.Offset] != v.Raw {
				t.Errorf("offsets %d-%d give %q, Raw is %q", v.Start.Offset, v.Stop.Offset, src[v.Start.Offset:v.Stop.Offset], v.Raw)
			}
		}
		got = append(got, s)
		return true
	})
	want := []string{
		`*kql.And 1:1-3:13`,
		`*kql.Match 1:1-1:4`,
		`*kql.Value 1:1-1:2 raw=a text="a" quoted=false wildcard=false stars=[]`,
		`*kql.Value 1:3-1:4 raw=b text="b" quoted=false wildcard=false stars=[]`,
		`*kql.Not 2:3-2:28`,
		`*kql.Match 2:7-2:28`,
		`*kql.Value 2:7-2:10 raw=c.d text="c.d" quoted=false wildcard=false stars=[]`,
		`*kql.Paren 2:13-2:28`,
		`*kql.Or 2:14-2:27`,
		`*kql.Value 2:14-2:20 raw="x\"y" text="x\"y" quoted=true wildcard=false stars=[]`,
		`*kql.Value 2:24-2:27 raw=f*g text="f*g" quoted=false wildcard=true stars=[1]`,
		`*kql.Range 3:7-3:13`,
		`*kql.Value 3:7-3:8 raw=e text="e" quoted=false wildcard=false stars=[]`,
		`*kql.Value 3:12-3:13 raw=5 text="5" quoted=false wildcard=false stars=[]`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`a:`, `1:3: kql: expected a value, "(" or "{" after ":", found end of input`},
		{`a:b and `, `1:9: kql: expected a field, a value, "(" or "not", found end of input`},
		{`a:b and c:d or `, `1:16: kql: expected a field, a value, "(" or "not", found end of input`},
		{`a:b c:d`, `1:6: kql: expected "and", "or" or end of input, found ":"`},
		{`a:(b or c`, `1:10: kql: expected ")" to close "(" at 1:3, found end of input`},
		{`(a:b`, `1:5: kql: expected ")" to close "(" at 1:1, found end of input`},
		{`a:{b:c`, `1:7: kql: expected "}" to close "{" at 1:3, found end of input`},
		{`a:"b`, `1:3: kql: unterminated quoted string`},
		{`a:b)`, `1:4: kql: expected "and", "or" or end of input, found ")"`},
		{`a < `, `1:5: kql: expected a value after "<", found end of input`},
		{`a:b\c`, `1:4: kql: expected "and", "or" or end of input, found "\" ("\c" is not an escape: escape only \ ( ) : < > " * { } and the words and, or, not; or quote the value)`},
		{`a:cannot be`, `1:6: kql: expected "and", "or" or end of input, found "not"`},
		{`not not a:b`, `1:5: kql: expected a field, a value, "(" or "not", found "not"`},
		{`not(a:b)`, `1:4: kql: expected "and", "or" or end of input, found "("`},
		{`a:b and(c:d)`, `1:8: kql: expected "and", "or" or end of input, found "("`},
		{`a:(b or )`, `1:9: kql: expected a value, "(" or "not", found ")"`},
		{`:b`, `1:1: kql: expected a field, a value, "(" or "not", found ":"`},
		{`a:b and :c`, `1:9: kql: expected a field, a value, "(" or "not", found ":"`},
		{`a:"x" "y"`, `1:7: kql: expected "and", "or" or end of input, found '"'`},
		{"a:b and\n  c:(d or ", "2:11: kql: expected a value, \"(\" or \"not\", found end of input"},
		{"a:b and\n  c:(d or", "2:10: kql: expected \")\" to close \"(\" at 2:5, found end of input"},
		// Several errors, one per term.
		{`a:(b or ) and c:d and e:) and f:"g`, "1:9: kql: expected a value, \"(\" or \"not\", found \")\"\n" +
			"1:25: kql: expected a value, \"(\" or \"{\" after \":\", found \")\"\n" +
			"1:33: kql: unterminated quoted string"},
		{`(a:(b or ) and c:d) and e:f and :g`, "1:10: kql: expected a value, \"(\" or \"not\", found \")\"\n" +
			"1:33: kql: expected a field, a value, \"(\" or \"not\", found \":\""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %s", tc.in, dump(n), tc.want)
			}
			if n != nil {
				t.Errorf("Parse(%q) returned a tree with an error", tc.in)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%q) error:\n%s\nwant:\n%s", tc.in, err, tc.want)
			}
			var list srcpos.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want srcpos.ErrorList", err)
			}
		})
	}
}

func TestErrorSnippet(t *testing.T) {
	_, err := Parse("a:b and\n\tc:(d or é) and e:")
	var list srcpos.ErrorList
	if !errors.As(err, &list) {
		t.Fatal(err)
	}
	got := list[0].Snippet()
	want := "   | \tc:(d or é) and e:\n   | \t                 ^"
	if got != want {
		t.Errorf("Snippet:\n%s\nwant:\n%s", got, want)
	}
	if list[0].Error() != `2:20: kql: expected a value, "(" or "{" after ":", found end of input` {
		t.Errorf("Error() = %s", list[0])
	}
}

func TestTooManyErrors(t *testing.T) {
	q := strings.Repeat("a: and ", 20) + "b:c"
	_, err := Parse(q)
	var list srcpos.ErrorList
	if !errors.As(err, &list) || len(list) != maxErrors {
		t.Fatalf("got %d errors, want %d: %v", len(list), maxErrors, err)
	}
}

func TestDeepNesting(t *testing.T) {
	q := strings.Repeat("(", maxDepth+1) + "a:b" + strings.Repeat(")", maxDepth+1)
	_, err := Parse(q)
	if err == nil || !strings.Contains(err.Error(), "parentheses nested deeper than 1000") {
		t.Fatalf("err = %v", err)
	}
	q = strings.Repeat("(", maxDepth) + "a:b" + strings.Repeat(")", maxDepth)
	if _, err := Parse(q); err != nil {
		t.Fatal(err)
	}
}

// TestStringHandBuilt checks that trees built by hand (no Raw, no Paren
// nodes) print as KQL that parses back to the same meaning.
func TestStringHandBuilt(t *testing.T) {
	v := func(text string, stars ...int) *Value {
		return &Value{Text: text, Wildcard: len(stars) > 0, Stars: stars}
	}
	q := func(text string) *Value { return &Value{Text: text, Quoted: true} }
	for _, tc := range []struct {
		n    Node
		want string
	}{
		{&Match{Field: v("a"), Value: v("b")}, `a:b`},
		{&And{Terms: []Node{&Or{Terms: []Node{&Match{Field: v("a"), Value: v("b")}, &Exists{Field: v("c")}}}, &Not{X: &Not{X: &FreeText{Value: v("x")}}}}},
			`(a:b or c:*) and not (not x)`},
		{&Match{Field: v("a"), Value: &Or{Terms: []Node{v("b"), q(`C:\new "x"`)}}}, `a:(b or "C:\\new \"x\"")`},
		{&Match{Field: v("a"), Value: &Not{X: v("b")}}, `a:(not b)`},
		{&Match{Field: v("a"), Value: v(`C:\Windows\*.exe (x86): <1> "q" {}`, 11)}, `a:C\:\\Windows\\*.exe \(x86\)\: \<1\> \"q\" \{\}`},
		{&Match{Field: v("a"), Value: v("x or y and z")}, `a:x \or y \and z`},
		{&Match{Field: v("a"), Value: v("cannot be NOT x")}, `a:can\u006eot be \u004eOT x`},
		{&Match{Field: v("a"), Value: v("tab\there\nnl")}, `a:tab\there\nnl`},
		{&Range{Field: v("a b"), Op: Gte, Value: q("now-1d")}, `a b >= "now-1d"`},
		{&Nested{Field: v("n"), Query: &Match{Field: v("x"), Value: v("y")}}, `n:{x:y}`},
	} {
		got := tc.n.String()
		if got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
			continue
		}
		m, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%s): %v", got, err)
			continue
		}
		// Compare meaning: the dump, ignoring the Paren nodes String added.
		if a, b := strings.ReplaceAll(dump(m), "(paren ", "("), dump(tc.n); !sameIgnoringParens(a, b) {
			t.Errorf("%s parses to\n%s\nwant\n%s", got, dump(m), dump(tc.n))
		}
	}
}

func sameIgnoringParens(a, b string) bool {
	strip := func(s string) string {
		s = strings.ReplaceAll(s, "(paren ", "")
		return strings.NewReplacer("(", "", ")", "").Replace(s)
	}
	return strip(a) == strip(b)
}

func TestPattern(t *testing.T) {
	n, err := Parse(`a:*x\*y*z*`)
	if err != nil {
		t.Fatal(err)
	}
	v := n.(*Match).Value.(*Value)
	if got, want := v.Pattern(), []string{"", "x*y", "z", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("Pattern() = %q, want %q", got, want)
	}
	if v.IsStar() {
		t.Error("IsStar() = true")
	}
}
