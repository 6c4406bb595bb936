package esql

import (
	"os"
	"regexp"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestReplacerClasses checks REPLACE's rune-by-rune path against the
// regexp it stands for, on edge cases and on the raw lines of the shared
// winlog corpus (PowerShell script blocks among them), with the patterns
// of Elastic's PowerShell-obfuscation rules and a few more.
func TestReplacerClasses(t *testing.T) {
	patterns := []string{`[^0-9A-Za-z\s#=-]`, `[0-9]`, `🔥`, `(?i)[a-z]`, `[\p{L}]`, `a`, `\s`, `.`, `[^a]`}
	inputs := []string{"", "abc", "a1b2c3", "🔥x🔥", "bad\xffutf8\xfe", "tab\tnew\nline", "ÄÖÜ straße", "$1 \\ $"}
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
