package esql

import (
	"os"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestReplacerClasses checks REPLACE's rune-by-rune and literal-run paths against the
// regexp it stands for, on edge cases and on the raw lines of the shared
// winlog corpus (PowerShell script blocks among them), with the patterns
// of Elastic's PowerShell-obfuscation rules and a few more.
func TestReplacerClasses(t *testing.T) {
	patterns := []string{`[^0-9A-Za-z\s#=-]`, `[0-9]`, `🔥`, `(?i)[a-z]`, `[\p{L}]`, `a`, `\s`, `.`, `[^a]`,
		`\n\s+`, `\n\n+`, `ab[0-9]+`, `🔥\s+`, `a[^a]+`, `(?i)a\s+`, `\n\s+?`,
		"[A-Za-z0-9_-]`(?![rntb]|\\r|\\n|\\d)[A-Za-z0-9_-]", "[a-c]xy[b-d]", "[a-c]ab[a-d]", "[ab]`[é]"}
	inputs := []string{"", "abc", "a1b2c3", "🔥x🔥", "bad\xffutf8\xfe", "tab\tnew\nline", "ÄÖÜ straße", "$1 \\ $",
		"\n", "x\n", "\n\n\n", "a\n \t\n  b\nc\n", "ab1ab22abab3", "🔥 🔥\n🔥\xff ", "aaab", "\n\xff\n\v",
		"a`b`c`d", "``a`b``", "x`r y`Z", "a`é", "é`b\xff`b", "axyb axyd cxyc", "aab aabb cabd"}
	sameAsRegexp(t, patterns, inputs, "🔥", "", "$0", `\$`)
}

// sameAsRegexp checks that REPLACE of each pattern (Java syntax) by each
// replacement, through replacer, gives the regexp's result on each input,
// and on 200 records of the winlog corpus when VIGIL_SHARED is set.
func sameAsRegexp(t *testing.T, patterns, inputs []string, repls ...string) {
	t.Helper()
	if os.Getenv("VIGIL_SHARED") != "" {
		for _, l := range testenv.WinlogSample(t, 200) {
			inputs = append(inputs, string(l))
		}
	}
	for _, p := range patterns {
		gp := javaRegex(p)
		re := regexp.MustCompile(gp)
		fast := replacer(re, gp)
		for _, repl := range repls {
			for _, s := range inputs {
				want := re.ReplaceAllString(s, javaReplacement(repl))
				if got := fast(s, repl); got != want {
					t.Fatalf("replace(%.200q, %q, %q) = %.200q, want %.200q", s, p, repl, got, want)
				}
			}
		}
	}
}

// TestReplacerLiteralRun: the indentation squeeze of Elastic's PowerShell
// rules, `\n\s+`, takes the literal-run path (TestReplacerClasses checks
// that path against the regexp).
func TestReplacerLiteralRun(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    bool
	}{{`\n\s+`, true}, {`ab[0-9]+`, true}, {`\n\s+?`, false}, {`(?i)a\s+`, false}, {`\n\s*`, false}, {`[0-9]`, false}} {
		p, err := syntax.Parse(javaRegex(tc.pattern), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := literalRun(p.Simplify()); ok != tc.want {
			t.Errorf("literalRun(%q) = %v, want %v", tc.pattern, ok, tc.want)
		}
	}
}

// BenchmarkReplaceIndent squeezes the indentation of a 20 kB script
// block, as Elastic's PowerShell rules do: the literal-run path against
// the regexp it stands for.
func BenchmarkReplaceIndent(b *testing.B) {
	line := "    if ($x -eq 1) {\n        Write-Host \"a b c\" -ForegroundColor Red\n\t\t}\n"
	benchAgainstRegexp(b, strings.Repeat(line, 20_000/len(line)), `\n\s+`, "literal-run", "\n ")
}

// benchAgainstRegexp runs REPLACE of pattern (Java syntax) by repl over
// text, through replacer (its sub-benchmark named fast) and through the
// regexp alone.
func benchAgainstRegexp(b *testing.B, text, pattern, fast, repl string) {
	gp := javaRegex(pattern)
	re := regexp.MustCompile(gp)
	for _, tc := range []struct {
		name string
		fn   func(s, repl string) string
	}{{fast, replacer(re, gp)}, {"regexp", func(s, repl string) string { return re.ReplaceAllString(s, repl) }}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				tc.fn(text, repl)
			}
		})
	}
}

// TestReplacerFlanked: the backquote pattern of Elastic's PowerShell
// rules takes the class-literal-class path (TestReplacerClasses checks
// that path against the regexp).
func TestReplacerFlanked(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    bool
	}{{"[A-Za-z0-9_-]`(?![rntb]|\\r|\\n|\\d)[A-Za-z0-9_-]", true}, {`[a-c]xy[b-d]`, true}, {`[a-c]ab[a-d]`, false}, {"[ab]`[é]", false}, {`(?i)[a-c]xy[b-d]`, false}} {
		p, err := syntax.Parse(javaRegex(tc.pattern), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := classLiteralClass(p.Simplify()); ok != tc.want {
			t.Errorf("classLiteralClass(%q) = %v, want %v", tc.pattern, ok, tc.want)
		}
	}
}

// TestStartSkipper checks REPLACE tried only where a match may begin
// (startSkipper) against the regexp, with the pattern of Elastic's
// dynamic-IEX-reconstruction rule and others, on edge cases and the raw
// lines of the shared winlog corpus; and that it stands aside for
// patterns whose matches may be empty, that hold assertions, or may
// begin with too many or non-ASCII characters.
func TestStartSkipper(t *testing.T) {
	iex := `(?i)(\$(?:\w+|\w+\:\w+)\[\d++\]\+\$(?:\w+|\w+\:\w+)\[\d++\]\+['"]x['"]|\$(?:\w+\:\w+)\[\d++,\d++,\d++\]|\.name\[\d++,\d++,\d++\])`
	for _, tc := range []struct {
		pattern string
		skips   bool
	}{
		{iex, true}, {`\$\w+`, true}, {`\$\{[^}]+\}`, true}, {`(?i)\.name\[\d+\]`, true}, {`a|b|\.`, true},
		{`(?:\$|@)?\(\w+\)`, true}, {`x(?:y|)`, true}, {`[%$]\w*\b`, false}, {`^\$\w+`, false}, {`\$*`, false},
		{`(?i)k\w+`, false}, {`\w+`, false}, {`.x`, false}, {`é\w`, false}, {`(?:a|b)?c`, true}, {`a?`, false},
	} {
		gp := javaRegex(tc.pattern)
		p, err := syntax.Parse(gp, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := newStartSkipper(p.Simplify(), gp) != nil; got != tc.skips {
			t.Errorf("newStartSkipper(%q): %v, want %v", tc.pattern, got, tc.skips)
		}
	}
	patterns := []string{iex, `\$\w+`, `\$\{[^}]+\}`, `(?i)\.name\[\d+\]`, `a|b|\.`, `(?:\$|@)?\(\w+\)`, `x(?:y|)`, `(?:a|b)?c`}
	inputs := []string{"", "$", "$a", "$a[1]+$b[2]+'x'", "$env:x[1,2,3]", ".Name[1,2,3]", "$$a$b", "${x}${", "ab.c",
		"@(x)$(y)(z)", "xy x xyy", "\xff$a\xfe$", "ä$ä$a", "$a:b[1,2,3]$c:d[4,5,6]", "bc ac c cc"}
	sameAsRegexp(t, patterns, inputs, "🔥", "", "$0")
}

// BenchmarkReplaceIEX runs the pattern of Elastic's dynamic IEX
// reconstruction rule over a 20 kB script block full of variables and
// method calls, where it never matches: tried where a match may begin
// (startSkipper) against the regexp over the whole text.
func BenchmarkReplaceIEX(b *testing.B) {
	line := "    $items = $list.Where({ $_.Name -ne $null }) | ForEach-Object { $_.Value[0] }\n"
	benchAgainstRegexp(b, strings.Repeat(line, 20_000/len(line)),
		`(?i)(\$(?:\w+|\w+\:\w+)\[\d++\]\+\$(?:\w+|\w+\:\w+)\[\d++\]\+['"]x['"]|\$(?:\w+\:\w+)\[\d++,\d++,\d++\]|\.name\[\d++,\d++,\d++\])`, "skipper", "🔥")
}

// FuzzStartSkipper: REPLACE tried only where a match may begin gives the
// regexp's result for any pattern it takes and any text.
func FuzzStartSkipper(f *testing.F) {
	f.Add(`\$(?:\w+|\w+:\w+)\[\d+\]`, "$a[1] $b:c[22]")
	f.Add(`(?i)\.name\[\d+,\d+\]|\$\{[^}]+\}`, ".NAME[1,2] ${x}")
	f.Add(`(?:a|b)?c`, "bc ac c cc")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		p, err := syntax.Parse(pattern, syntax.Perl)
		if err != nil {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		sk := newStartSkipper(p.Simplify(), pattern)
		if sk == nil {
			return
		}
		if got, want := sk.replaceAll(s, "#"), re.ReplaceAllLiteralString(s, "#"); got != want {
			t.Fatalf("replace(%q, %q) = %q, want %q", s, pattern, got, want)
		}
	})
}
