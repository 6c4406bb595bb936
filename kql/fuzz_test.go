package kql

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
)

func errorsAs(err error, list *srcpos.ErrorList) bool { return errors.As(err, list) }

func typeName(n Node) string { return fmt.Sprintf("%T", n) }

var fuzzSeeds = []string{
	`a:b`, `a:b or c:d and not e:f`, `a:(b or c and not (d))`, `a:"x \"y\" \u0041"`,
	`a:*`, `a < 5 and b >= "x"`, `a:{ b:c }`, `process.*:x\*y*`, `hello world`,
	`a:\not x \or y`, `a:(b or `, `(a:(b or ) and c:d) and e:f and :g`, `a:"unterminated`,
	"a:b\u00a0and\tc:d\r\n", `event.action:(network_flow or flow_started) and destination.port:* and network.packets <= 2`,
}

// FuzzParse checks that Parse does not panic or hang, that errors are
// well formed, and that a parsed tree prints back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			var list srcpos.ErrorList
			if !errors.As(err, &list) || len(list) == 0 || len(list) > maxErrors {
				t.Fatalf("error %v is not a list of 1 to %d errors", err, maxErrors)
			}
			for _, e := range list {
				if e.Pos.Offset < 0 || e.Pos.Offset > len(q) || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("error at bad position %+v in %q", e.Pos, q)
				}
				_ = e.Snippet()
			}
			return
		}
		if n == nil {
			if strings.TrimLeft(q, " \t\r\n\u00a0") != "" {
				t.Fatalf("nil tree for %q", q)
			}
			return
		}
		s := n.String()
		m, err := Parse(s)
		if err != nil {
			t.Fatalf("%q prints as %q, which does not parse: %v", q, s, err)
		}
		if !reflect.DeepEqual(stripPos(n), stripPos(m)) {
			t.Fatalf("%q prints as %q, which parses differently:\n%s\n%s", q, s, dump(n), dump(m))
		}
	})
}

// FuzzEscape checks that values written by String for hand-built trees
// parse back to the same text and wildcards.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"a", "C:\\Windows\\*.exe", "x or y and z", "cannot be", "a\tb\nc", "(x): <1> \"q\" {}", "\\not ", "é*"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, star bool) {
		if !utf8.ValidString(text) {
			return
		}
		// Quoted: any text.
		n, err := Parse("a:" + quote(text))
		if err != nil {
			t.Fatalf("quote(%q) = %s: %v", text, quote(text), err)
		}
		if v := n.(*Match).Value.(*Value); v.Text != text || !v.Quoted {
			t.Fatalf("quote(%q) parses to %q", text, v.Text)
		}
		// Unquoted: Kibana trims, so no surrounding whitespace; not empty.
		if tt, _ := trimJS(text, nil); tt != text || text == "" {
			return
		}
		var stars []int
		if star {
			for i := 0; i < len(text); i++ {
				if text[i] == '*' {
					stars = append(stars, i)
				}
			}
		}
		src := escapeUnquoted(text, stars)
		n, err = Parse("a:" + src)
		if err != nil {
			t.Fatalf("escapeUnquoted(%q) = %s: %v", text, src, err)
		}
		var v *Value
		switch n := n.(type) {
		case *Match:
			v = n.Value.(*Value)
		case *Exists:
			if text != "*" || !star {
				t.Fatalf("escapeUnquoted(%q) = %s parses as exists", text, src)
			}
			return
		default:
			t.Fatalf("escapeUnquoted(%q) = %s parses as %s", text, src, dump(n))
		}
		if v.Text != text || !reflect.DeepEqual(v.Stars, stars) {
			t.Fatalf("escapeUnquoted(%q) = %s parses to %q stars %v, want stars %v", text, src, v.Text, v.Stars, stars)
		}
	})
}

// FuzzCompile checks that compiling any query that parses never panics,
// that errors are positioned inside the query, and that the predicate can
// be matched against events holding values of every kind.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range []string{
		`process.pid:abc`, `source.ip:10.0.0.0/8 or source.ip:* or source.ip:x*`, `@timestamp >= "now-30d/d"`,
		`powershell.file.script_block_text:("a b" or c* or d) and message:x`, `a:{b:{c:d}}`, `process.*:x*`,
		`user_agent.original:*S3 Browser* \u3000x*`, `@timestamp:2024-01-02`, `event.risk_score > 1.5`,
	} {
		f.Add(s)
	}
	values := []event.Value{
		event.Str("a b"), event.Int(5), event.Float(1.5), event.Bool(true), event.Null(),
		event.Str("2024-01-02T00:00:00Z"), event.Str("10.1.2.3"), event.Array(event.Str("x"), event.Int(1)),
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q)
		if err != nil {
			return
		}
		s := event.NewSchema()
		p, err := Compile(n, s, Options{Warn: func(*srcpos.Error) {}})
		if err != nil {
			var list srcpos.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %v is not a list of errors", err)
			}
			for _, e := range list {
				if e.Pos.Offset < 0 || e.Pos.Offset > len(q) || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("error at bad position %+v in %q", e.Pos, q)
				}
			}
			return
		}
		for _, v := range values {
			ev := &event.Event{}
			for i := 0; i < s.Len(); i++ {
				ev.Set(i, v)
			}
			p.Match(ev)
		}
	})
}
