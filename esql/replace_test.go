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
	if os.Getenv("VIGIL_SHARED") != "" {
		for _, l := range testenv.WinlogSample(t, 200) {
			inputs = append(inputs, string(l))
		}
	}
	for _, p := range patterns {
		gp := javaRegex(p)
		re := regexp.MustCompile(gp)
		fast := replacer(re, gp)
		for _, repl := range []string{"🔥", "", "$0", `\$`} {
			for _, s := range inputs {
				want := re.ReplaceAllString(s, javaReplacement(repl))
				if got := fast(s, repl); got != want {
					t.Fatalf("replace(%q, %q, %q) = %q, want %q", s, p, repl, got, want)
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
	text := strings.Repeat(line, 20_000/len(line))
	gp := javaRegex(`\n\s+`)
	re := regexp.MustCompile(gp)
	for _, tc := range []struct {
		name string
		fn   func(s, repl string) string
	}{{"literal-run", replacer(re, gp)}, {"regexp", func(s, repl string) string { return re.ReplaceAllString(s, repl) }}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				tc.fn(text, "\n ")
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
