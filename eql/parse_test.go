package eql

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/testenv"
)

// dump renders an expression fully parenthesised, without positions, to
// compare parse trees.
func dump(e Expr) string {
	switch e := e.(type) {
	case *Literal:
		switch e.Kind {
		case LitString:
			return fmt.Sprintf("%q", e.Str)
		case LitInt:
			return fmt.Sprintf("int(%d)", e.Int)
		case LitFloat:
			return fmt.Sprintf("float(%v)", e.Float)
		}
		return e.String()
	case *Field:
		return fmt.Sprintf("field(%q,%v)", e.Parts, e.Optional)
	case *Unary:
		return "(" + e.Op + " " + dump(e.X) + ")"
	case *Binary:
		return "(" + dump(e.L) + " " + e.Op + " " + dump(e.R) + ")"
	case *Match:
		var ps []string
		for _, p := range e.Patterns {
			ps = append(ps, dump(p))
		}
		return "(" + dump(e.X) + " " + e.Op + " [" + strings.Join(ps, ",") + "])"
	case *In:
		var ps []string
		for _, p := range e.List {
			ps = append(ps, dump(p))
		}
		return fmt.Sprintf("(%s in not=%v fold=%v [%s])", dump(e.X), e.Not, e.Insensitive, strings.Join(ps, ","))
	case *Call:
		var ps []string
		for _, p := range e.Args {
			ps = append(ps, dump(p))
		}
		return fmt.Sprintf("%s~%v(%s)", e.Name, e.Insensitive, strings.Join(ps, ","))
	}
	return "?"
}

func dumpFilter(f *EventFilter) string {
	return fmt.Sprintf("[%q %v where %s]", f.Category, f.Quoted, dump(f.Cond))
}

func dumpStage(s *Stage) string {
	var keys []string
	for _, k := range s.By {
		keys = append(keys, dump(k))
	}
	return fmt.Sprintf("%v%s by %v runs %d", s.Missing, dumpFilter(s.Filter), keys, s.Runs)
}

func dumpQuery(q *Query) string {
	var b strings.Builder
	switch q.Kind {
	case EventQuery:
		b.WriteString(dumpFilter(q.Event))
	case SequenceQuery:
		s := q.Sequence
		fmt.Fprintf(&b, "sequence by %d", len(s.By))
		for _, k := range s.By {
			b.WriteString(" " + dump(k))
		}
		if s.MaxSpan != nil {
			fmt.Fprintf(&b, " maxspan %v", s.MaxSpan.D)
		}
		for _, st := range s.Stages {
			b.WriteString(" " + dumpStage(st))
		}
		if s.Until != nil {
			b.WriteString(" until " + dumpStage(s.Until))
		}
	case SampleQuery:
		s := q.Sample
		fmt.Fprintf(&b, "sample by %d", len(s.By))
		for _, k := range s.By {
			b.WriteString(" " + dump(k))
		}
		for _, st := range s.Stages {
			b.WriteString(" " + dumpStage(st))
		}
	}
	for _, p := range q.Pipes {
		fmt.Fprintf(&b, " | %s %d", p.Name, p.N)
	}
	return b.String()
}

var roundTripQueries = []string{
	`process where process.name : "sc.exe"`,
	`any where true`,
	`"my-category" where a == 1`,
	`process where a == 1 and (b == 2 or c == 3) and not d`,
	`process where not (a == 1 and b == 2)`,
	`process where a - (b - c) == 1 and a - b - c == 2`,
	`process where a / (b * c) == 1 and -a == 2 and - -a == 3 and -(a + b) == 4`,
	`process where a : ("x*", "y?") and b like~ "z" and c regex """a\d+""" and d regex~ ("e", "f")`,
	`process where a in (1, 2.5, "x", null, true) and b not in~ ("y") and c in~ ("z")`,
	`process where startsWith~(a, "x") and CONCAT(a, 1) : "y" and length(?b) > 1`,
	"process where `my-field` == \"x\" and ?`a b`.c == null and process.`any` == 1",
	`process where a == "tab\there \"quoted\" back\\slash \u{1F600} \u{07}"`,
	`process where a == """raw \ " string"""`,
	`process where a == 1e3 and b == .5 and c == 1.0 and d == -2 and e == 9999999999999999999`,
	`process where (a + 1) in (2, 3) and string(a) : "1"`,
	`process where true | head 5 | tail 2`,
	`sequence by user.name with maxspan=1m
  [process where true] by process.pid with runs=3
  ![file where x == 1] by process.pid
  [network where true] by source.pid
until [process where event.type == "end"] by process.pid
| tail 3`,
	`sequence with maxspan=500ms [a where true] [b where true]`,
	`sample by host [any where uptime > 0] by os [any where port > 100] by op_sys`,
	`sequence ![a where true] [b where true] ![c where true]`,
	`process where - 5 == a and -5 == b and + 5 == c and - -5 == d and -(5) == e and 1 - -1 == f`,
	"process where process.`any` == 1 and a.`in~`.b == 2 and `where` == 3",
	`sequence with maxspan = 5 m [a where true] [b where true]`,
}

func TestRoundTrip(t *testing.T) {
	for _, src := range roundTripQueries {
		checkRoundTrip(t, src)
	}
}

func checkRoundTrip(t *testing.T, src string) {
	t.Helper()
	q, err := Parse(src)
	if err != nil {
		t.Errorf("Parse(%q): %v", src, err)
		return
	}
	printed := q.String()
	q2, err := Parse(printed)
	if err != nil {
		t.Errorf("Parse(String()) of %q:\n%s\n%v", src, printed, err)
		return
	}
	if a, b := dumpQuery(q), dumpQuery(q2); a != b {
		t.Errorf("round trip of %q changed the tree:\n%s\n%s\nprinted: %s", src, a, b, printed)
	}
	if again := q2.String(); again != printed {
		t.Errorf("String is not stable:\n%s\n%s", printed, again)
	}
}

// TestRoundTripConformance round-trips every query of the Elasticsearch
// suite.
func TestRoundTripConformance(t *testing.T) {
	dir := testenv.Shared(t)
	files, err := filepath.Glob(filepath.Join(dir, "conformance", "eql", "elasticsearch", "*.toml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec files under %s: %v", dir, err)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// the queries are the '''...''' and '...' strings after query =
		for _, part := range strings.Split(string(data), "\nquery = ")[1:] {
			var q string
			switch {
			case strings.HasPrefix(part, "'''"):
				end := strings.Index(part[3:], "'''")
				q = part[3 : 3+end]
			case strings.HasPrefix(part, "'"):
				end := strings.Index(part[1:], "'")
				q = part[1 : 1+end]
			case strings.HasPrefix(part, `"`):
				end := strings.Index(part[1:], `"`)
				q = part[1 : 1+end]
			default:
				continue
			}
			n++
			checkRoundTrip(t, q)
		}
	}
	if n < 250 {
		t.Errorf("found only %d queries", n)
	}
}

func TestParseDetails(t *testing.T) {
	q, err := Parse(`sequence by a with maxspan=2h [x where true] by b with runs=2 [y where true] by c`)
	if err != nil {
		t.Fatal(err)
	}
	s := q.Sequence
	if s.MaxSpan.D != 2*time.Hour || s.Stages[0].Runs != 2 || len(s.By) != 1 {
		t.Errorf("sequence = %+v", s)
	}
	q, err = Parse("process where // a comment\n /* and another */ true")
	if err != nil || q.Event.Cond.String() != "true" {
		t.Errorf("comments: %v %v", q, err)
	}
	e, err := ParseExpr(`a == "x"`)
	if err != nil || e.String() != `a == "x"` {
		t.Errorf("ParseExpr: %v %v", e, err)
	}
	// positions are 1-based lines and rune columns
	_, err = Parse("process where\n  é == ")
	if err == nil || !strings.HasPrefix(err.Error(), "2:3:") {
		t.Errorf("position: %v", err)
	}
}

// FuzzScanner checks that the scanner ends on any input without panicking.
func FuzzScanner(f *testing.F) {
	for _, q := range roundTripQueries {
		f.Add(q)
	}
	f.Add(`"unterminated`)
	f.Add(`"""`)
	f.Add("`x``y`")
	f.Add(`"\u{`)
	f.Add("/* x")
	f.Fuzz(func(t *testing.T, src string) {
		var errs srcpos.ErrorList
		s := newScanner(src, &errs)
		for i := 0; ; i++ {
			tok := s.next()
			if tok.kind == tEOF {
				break
			}
			if i > len(src)+1 {
				t.Fatalf("scanner does not advance on %q", src)
			}
		}
	})
}

// FuzzParse checks that parsing never panics, and that what parses prints
// back to a query that parses to the same tree; what compiles evaluates
// without panicking.
func FuzzParse(f *testing.F) {
	for _, q := range roundTripQueries {
		f.Add(q)
	}
	f.Add(`process where a regex "(a|b)*?c{2,3}[^x-z]\\d"`)
	f.Add(`any where between~(a, "x", "y", true) == substring(b, -3, -1)`)
	f.Add(`any where number(a, 16) + 1 > 0.5 and cidrMatch(ip, "10.0.0.0/8")`)
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			if e, ok := err.(srcpos.ErrorList); !ok || len(e) == 0 {
				t.Fatalf("Parse error is %T %v", err, err)
			}
			return
		}
		if !utf8.ValidString(src) {
			return
		}
		printed := q.String()
		q2, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", src, printed, err)
		}
		if a, b := dumpQuery(q), dumpQuery(q2); a != b {
			t.Fatalf("round trip of %q changed the tree:\n%s\n%s", src, a, b)
		}
		p, err := Compile(q, nil, Options{})
		if err != nil {
			return
		}
		for _, doc := range fuzzDocs {
			ev := decodeFuzzDoc(p, doc)
			p.Match(ev)
			for _, st := range p.Stages {
				st.Pred.Match(ev)
				for _, k := range st.Keys {
					k.Get(ev)
				}
			}
		}
	})
}
