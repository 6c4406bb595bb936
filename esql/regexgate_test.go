package esql

import (
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// gatePatterns are REPLACE patterns of the corpus's PowerShell rules (in
// Go's syntax, as javaRegex gives them) and a few shapes the gate must
// not guess about.
var gatePatterns = []struct {
	pattern string
	lits    []string // folded, sorted; nil: no gate
}{
	{`(?i)(rahc|metsys|stekcos|ecalper|eman\.|:vne$|daolnwod)`, []string{":vne", "calper", "daolnwod", "man.", "metsys", "rahc", "stekcos"}},
	// the parser factors e(?:calper|man\.) out of the alternation
	{`(?i)(rahc|metsys|stekcos|ecalper|eman\.|daolnwod)`, []string{"calper", "daolnwod", "man.", "metsys", "rahc", "stekcos"}},
	{`(char\[\]\]\(\d+,\d+[^)]+|(\s?\(\[char\]\d+\s?\)\+){2,})`, []string{"([char]", "char[]]("}},
	{`\$\w+\[\-\s?1\.\.`, []string{"1.."}},
	{`((\{\d+\}){2,}["']\s?-f|::Format[^\{]+(\{\d+\}){2,})`, []string{"-f", "::format"}},
	{`(?i)['"]['"].(Insert|Normalize|Chars|substring)[^\[]+\[\d+,\d+,\d+\]`, []string{"chars", "insert", "normalize", "substring"}},
	{`\$\{(\w+` + "`" + `){2,}\w+\}`, []string{"${"}},
	{`a*`, nil},
	{`(abc)?x*`, nil},
	{`[0-9]+`, nil},
	{`abc|\d`, nil},
	{`é+x`, []string{"É"}}, // folded: the least rune of its orbit
	{`éé`, []string{"ÉÉ"}},
	{`(?:ab){0,3}`, nil},
	{`(?:abc){1,3}d?`, []string{"abc"}},
}

func TestRegexGateLiterals(t *testing.T) {
	for _, tc := range gatePatterns {
		t.Run(tc.pattern, func(t *testing.T) {
			p, err := syntax.Parse(tc.pattern, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			g := newRegexGate(p.Simplify())
			got := gateLiterals(p.Simplify())
			if (g == nil) != (got == nil) {
				t.Errorf("gate %v with literals %q", g != nil, got)
			}
			if !slices.Equal(got, tc.lits) {
				t.Errorf("gate literals %q, want %q", got, tc.lits)
			}
			if g != nil && g.mayMatch("nothing to see here") {
				t.Errorf("gate lets through a text without its literals")
			}
		})
	}
}

// TestRegexGateNeverHidesAMatch runs every pattern over texts made of its
// own pieces, in both cases, with and without non-ASCII bytes: a text the
// gate stops must be one the regexp does not match.
func TestRegexGateNeverHidesAMatch(t *testing.T) {
	texts := []string{
		"", "plain text", "$Env:ComSpec[4,15,25]", "'Abc'+'DEF'+'gh'", "{0}{1}'-f", "[String]::Format('{0}{1}', 'a')",
		"$a[-1..-10]", "$a[- 1..", "([char]65)+([char]66)+", "char[]](72,101,108)", "''.Insert(1,'x')[1,2,3]",
		"${a`b`c}", "noitcennoc ECALPER", "RAHC", "KELVIN \u212a and long \u017f", "daolnwod\xff", "x", "éx", "ééx", "abcabc",
	}
	if os.Getenv("VIGIL_SHARED") != "" {
		for _, l := range testenv.WinlogSample(t, 200) {
			texts = append(texts, string(l))
		}
	}
	for _, tc := range gatePatterns {
		re := regexp.MustCompile(tc.pattern)
		p, _ := syntax.Parse(tc.pattern, syntax.Perl)
		g := newRegexGate(p.Simplify())
		var all []string
		for _, s := range texts {
			all = append(all, s, strings.ToUpper(s), strings.ToLower(s), "é"+s, s+"\u212a")
		}
		for _, s := range all {
			if re.MatchString(s) && !g.mayMatch(s) {
				t.Errorf("%s: gate stops %q, which the regexp matches", tc.pattern, s)
			}
		}
	}
}

// TestReplaceGated checks REPLACE through the gate against the regexp
// alone, over texts that hold a literal and texts that do not.
func TestReplaceGated(t *testing.T) {
	for _, tc := range gatePatterns {
		re := regexp.MustCompile(tc.pattern)
		replace := replacer(re, tc.pattern)
		for _, s := range []string{"nothing here", "RAHC and metsys", "$x[-1..", "([char]65)+([char]66)+", "'x'.Chars(1)[1,2,3]"} {
			if got, want := replace(s, "🔥"), re.ReplaceAllString(s, "🔥"); got != want {
				t.Errorf("%s over %q: %q, want %q", tc.pattern, s, got, want)
			}
		}
	}
}

// TestRegexGateParts: a sequence needs a literal of each of its parts'
// sets, so a text with "${" and no backquote is stopped; the texts of
// TestRegexGateNeverHidesAMatch check that no match is.
func TestRegexGateParts(t *testing.T) {
	for _, tc := range []struct {
		pattern, text string
		may           bool
	}{
		{`\$\{(\w+` + "`" + `){2,}\w+\}`, "${env:path}", false},
		{`\$\{(\w+` + "`" + `){2,}\w+\}`, "${a" + "`" + "b" + "`" + "c}", true},
		{`\$\{(\w+` + "`" + `){2,}\w+\}`, "} ` and ${", true},
		{`\$\{(\w+` + "`" + `){2,}\w+\}`, "` and ${", false},
		{`abc\d+xyz`, "abc1", false},
		{`abc\d+xyz`, "xyz abc", true},
		{`abc(?:d|e)xyz`, "abcd", false},
	} {
		p, err := syntax.Parse(tc.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := newRegexGate(p.Simplify()).mayMatch(tc.text); got != tc.may {
			t.Errorf("%s over %q: mayMatch %v, want %v", tc.pattern, tc.text, got, tc.may)
		}
	}
}
