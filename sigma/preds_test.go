package sigma

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRegexLiteralPrefilter: a regular expression runs only on values
// whose folded form holds the literal every match holds; the prefilter
// must never turn a match away (case-sensitive or not, arrays, values
// with non-ASCII text).
func TestRegexLiteralPrefilter(t *testing.T) {
	tests := []struct {
		name, re, doc string
		want          bool
	}{
		{"literal in other case, case-sensitive", `'Invoke-Mimi\w+'`, `"CommandLine":"invoke-mimikatz"`, false},
		{"literal in its case", `'Invoke-Mimi\w+'`, `"CommandLine":"x Invoke-Mimikatz"`, true},
		{"i flag", `'(?i)invoke-mimi\w+'`, `"CommandLine":"INVOKE-MIMIKATZ"`, true},
		{"literal absent", `'Invoke-Mimi\w+'`, `"CommandLine":"Invoke-Expression"`, false},
		{"literal without the rest", `'Invoke-Mimi\d+'`, `"CommandLine":"Invoke-Mimix"`, false},
		{"non-ASCII value", `'(?i)KATZ\.exe'`, `"CommandLine":"C:\\Üser\\mimiKatz.EXE"`, true},
		{"array element", `'(?i)KATZ\.exe'`, `"CommandLine":["a","C:\\mimikatz.exe"]`, true},
		{"array without", `'(?i)KATZ\.exe'`, `"CommandLine":["a","C:\\mimikatz.ex"]`, false},
		{"no literal", `'^\w+$'`, `"CommandLine":"abc"`, true},
		{"alternation", `'(?i)(Net1?|Whoami)\.exe\s'`, `"CommandLine":"C:\\WHOAMI.exe /all"`, true},
		{"alternation, other member", `'(?i)(Net1?|Whoami)\.exe\s'`, `"CommandLine":"net1.exe user"`, true},
		{"alternation absent", `'(?i)(Net1?|Whoami)\.exe\s'`, `"CommandLine":"net2.exe user"`, false},
		{"repeat", `'(abc-){2}x'`, `"CommandLine":"abc-abc-x"`, true},
		{"every member's literal", `'(?i)set.*&&.*invoke'`, `"CommandLine":"SET x && Invoke"`, true},
		{"a member's literal missing", `'(?i)set.*&&.*invoke'`, `"CommandLine":"SET x & Invoke"`, false},
		{"optional literal not required", `'(?i)set(&&)?x'`, `"CommandLine":"setx"`, true},
		{"long enough", `'.{10,}'`, `"CommandLine":"0123456789"`, true},
		{"too short", `'.{10,}'`, `"CommandLine":"012345678"`, false},
		{"runes, not bytes", `'^.{3}$'`, `"CommandLine":"äöü"`, true},
		{"minimum of an alternation", `'^(ab|c)$'`, `"CommandLine":"c"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, match, err := compileOne(t, ruleWith("  sel:\n    CommandLine|re: "+tc.re+"\n  condition: sel"), Env{})
			if err != nil {
				t.Fatal(err)
			}
			if got := match(sysmon1(tc.doc)); got != tc.want {
				t.Errorf("%s on %s: %v, want %v", tc.re, tc.doc, got, tc.want)
			}
		})
	}
}

// TestKeywordsFolding: keywords are found ignoring case in ASCII values
// (folded as they are read) and in others (folded first); an event
// without its document is searched in its message.
func TestKeywordsFolding(t *testing.T) {
	const detection = "  keywords:\n    - 'sekurlsa::'\n    - 'Kiwi Legit Printer'\n    - 'mimi*.sys'\n  condition: keywords"
	tests := []struct {
		name, message string
		want          bool
	}{
		{"ASCII, other case", "x SEKURLSA::logonpasswords", true},
		{"non-ASCII, other case", "Ünïcode kiwi LEGIT printer", true},
		{"Kelvin sign folds to k", "\u212aiwi Legit Printer", true},
		{"wildcard keyword", `C:\\MIMIDRV.SYS`, true},
		{"absent", "sekurlsa:logonpasswords", false},
		{"absent, non-ASCII", "Ü sekurlsa:", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, match, err := compileOne(t, ruleWith(detection), Env{})
			if err != nil {
				t.Fatal(err)
			}
			doc := `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"},"message":` + strconv.Quote(tc.message) + `}`
			if got := match(doc); got != tc.want {
				t.Errorf("%q: %v, want %v", tc.message, got, tc.want)
			}
		})
	}
}

func TestReLiteral(t *testing.T) {
	tests := []struct {
		re          string
		want, short []string // at least 3 bytes, at least 1
	}{
		{`Invoke-Mimi\w+`, []string{"invoke-mimi"}, []string{"invoke-mimi"}},
		{`(?i)\s-e(nc|ncodedcommand)?\s`, nil, []string{"-e"}},
		{`(?i)(Net1?|Whoami)\.exe\s`, []string{".exe"}, []string{".exe"}},
		{`(?i)(certutil|bitsadmin)\s`, []string{"certutil", "bitsadmin"}, []string{"certutil", "bitsadmin"}},
		{`(abc|de)x`, nil, []string{"abc", "de"}},
		{`(abc-){2}x`, []string{"abc-"}, []string{"abc-"}},
		{`(abc)?xy`, nil, []string{"xy"}},
		{"\\w+`(?:\\w+|-|.)`", nil, []string{"`"}},
		{`[a-z]+`, nil, nil},
	}
	for _, tc := range tests {
		if got := reLiteral(tc.re, 3); !slices.Equal(got, tc.want) {
			t.Errorf("reLiteral(%q, 3) = %q, want %q", tc.re, got, tc.want)
		}
		if got := reLiteral(tc.re, 1); !slices.Equal(got, tc.short) {
			t.Errorf("reLiteral(%q, 1) = %q, want %q", tc.re, got, tc.short)
		}
	}
}

// TestRegexRequired: the literal sets and the length a regular
// expression's matches must have.
func TestRegexRequired(t *testing.T) {
	tests := []struct {
		re    string
		sets  [][]string
		runes int
	}{
		{`(?i)(set).*&&\s?set.*(environment|invoke|\$?\{?input).*&&.*"`, [][]string{{"set"}, {"&&"}, {"environment", "invoke", "input"}, {`"`}}, 16},
		{`.{1000,}`, nil, 1000},
		{`a(b|c)?d`, [][]string{{"a"}, {"d"}}, 2},
		{`(ab)+|x`, [][]string{{"ab", "x"}}, 1},
		{`^\w*$`, nil, 0},
	}
	for _, tc := range tests {
		sets, runes := reRequired(tc.re, nil)
		if !slices.EqualFunc(sets, tc.sets, slices.Equal) || runes != tc.runes {
			t.Errorf("%s: %q, %d; want %q, %d", tc.re, sets, runes, tc.sets, tc.runes)
		}
	}
}

// TestRunSameAsRegexp: a pattern that is one class repeated (`.{n,}`) is
// answered by counting characters; the count must agree with Go's
// regexp on lines, newlines, multi-byte and invalid UTF-8, flags and
// classes.
func TestRunSameAsRegexp(t *testing.T) {
	patterns := []string{`.{5,}`, `(?s).{5,}`, `.{3,8}`, `(.{4,})`, `[a-f0-9]{4,}`, `(?i)[a-c]{3,}`, `[^\\]{3,}`, `\S{4,}`, `(?m).{4,}`}
	values := []string{"", "abcd", "abcde", "ab\ncde", "abcd\nabcde", "abcd\n\nabc", "äöüß", "äöüßx", "ab\xffcd", "ab\xff\n", "\xff\xff\xff\xff\xff",
		"ABCabc", "aBc", "cafe0", "ca fe01", `a\b\cd`, "x y z", "tab\tbed", "long line " + strings.Repeat("w", 40) + "\nshort"}
	for _, p := range patterns {
		r := runOf(parsed(t, p))
		if r == nil {
			t.Fatalf("%s: not taken for a run", p)
		}
		re := regexp.MustCompile(p)
		for _, v := range values {
			if got, want := r.in(v), re.MatchString(v); got != want {
				t.Errorf("%s on %q: count %v, regexp %v", p, v, got, want)
			}
		}
	}
	for _, p := range []string{`a{5,}`, `.{5,}x`, `^.{5,}`, `.+`, `.{1}`} {
		if runOf(parsed(t, p)) != nil {
			t.Errorf("%s: taken for a run", p)
		}
	}
}

// TestRequiredRunsNeverReject: an expression without literals runs only
// on values holding the runs of characters every match holds; the check
// must never turn a match away. Random values over a small alphabet.
func TestRequiredRunsNeverReject(t *testing.T) {
	patterns := []string{`\s[a-f0-9]{8}\s[a-f0-9]{9}`, `(?i)x[a-c]{8,}y`, `(ab[0-9]{8})+z`, `[^\\]{8,}\.exe`, `(?s)q.{8,}q`, `(?i)[a-f]{8}|zz`, `k?[0-9]{8,12}`}
	alphabet := []string{"a", "b", "c", "F", "0", "9", " ", "\\", "x", "y", "z", "q", "\n", "é", "\xff", ".exe", "ab", "K"}
	rng := rand.New(rand.NewPCG(9, 10))
	checked := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		find := finder(re, p)
		for range 3000 {
			var b strings.Builder
			for range rng.IntN(40) {
				c := alphabet[rng.IntN(len(alphabet))]
				b.WriteString(strings.Repeat(c, 1+rng.IntN(3)))
			}
			v := b.String()
			want := re.MatchString(v)
			if want {
				checked++
			}
			if got := find(v); got != want {
				t.Fatalf("%s on %q: %v, regexp %v", p, v, got, want)
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d values matched: the test tests little", checked)
	}
	if len(requiredRuns(parsed(t, `\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}`))) != 2 {
		t.Error("the hash runs of a literal-free expression were not found")
	}
}

// parsed is a pattern's syntax tree, as finder parses it.
func parsed(t *testing.T, pattern string) *syntax.Regexp {
	t.Helper()
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	return re
}
