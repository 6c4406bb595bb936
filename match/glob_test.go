package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// refElem is an element of a pattern for the reference matcher: a literal
// rune, or a wildcard.
type refElem struct {
	r        rune
	any, one bool
}

// refParse reads a pattern the way each syntax is documented, rune by
// rune, independently of parseGlob.
func refParse(p string, syntax GlobSyntax) []refElem {
	var out []refElem
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '*':
			out = append(out, refElem{any: true})
		case r == '?' && syntax != GlobStar:
			out = append(out, refElem{one: true})
		case r == '\\' && syntax == GlobLucene && i+1 < len(rs):
			i++
			out = append(out, refElem{r: rs[i]})
		default:
			out = append(out, refElem{r: r})
		}
	}
	return out
}

// refMatch is the textbook dynamic programme over runes: m[i][j] says
// whether the first i elements match the first j runes.
func refMatch(elems []refElem, s string, fold bool) bool {
	rs := []rune(s)
	m := make([][]bool, len(elems)+1)
	for i := range m {
		m[i] = make([]bool, len(rs)+1)
	}
	m[0][0] = true
	for i := 1; i <= len(elems); i++ {
		e := elems[i-1]
		for j := 0; j <= len(rs); j++ {
			switch {
			case e.any:
				m[i][j] = m[i-1][j] || j > 0 && m[i][j-1]
			case j == 0:
			case e.one:
				m[i][j] = m[i-1][j-1]
			default:
				m[i][j] = m[i-1][j-1] && (e.r == rs[j-1] || fold && strings.EqualFold(string(e.r), string(rs[j-1])))
			}
		}
	}
	return m[len(elems)][len(rs)]
}

// checkGlob compares a compiled pattern with the reference on one value
// (valid UTF-8 only: the reference reads runes, the fast paths bytes).
func checkGlob(t *testing.T, pattern string, syntax GlobSyntax, fold bool, v string) bool {
	t.Helper()
	g := CompileGlob(pattern, syntax, fold)
	got, gotFolded := g.Match(v), g.MatchFolded(v, foldString(v))
	if !utf8.ValidString(pattern) || !utf8.ValidString(v) {
		return false
	}
	want := refMatch(refParse(pattern, syntax), v, fold)
	if got != want {
		t.Fatalf("%q (syntax %d, fold %v) on %q: got %v, want %v", pattern, syntax, fold, v, got, want)
	}
	if gotFolded != want {
		t.Fatalf("%q (syntax %d, fold %v) on %q folded: got %v, want %v", pattern, syntax, fold, v, gotFolded, want)
	}
	return want
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern string
		syntax  GlobSyntax
		fold    bool
		value   string
		want    bool
	}{
		{`C:\*\sc.exe`, GlobStarQuestion, true, `c:\windows\SC.EXE`, true},
		{`C:\*\sc.exe`, GlobStarQuestion, false, `c:\windows\SC.EXE`, false},
		{`?:\users\*`, GlobStarQuestion, true, `D:\Users\x`, true},
		{`a?c`, GlobStarQuestion, false, `a?c`, true},
		{`a?c`, GlobStar, false, `abc`, false},
		{`a?c`, GlobStar, false, `a?c`, true},
		{`logs-*`, GlobStar, false, `logs-endpoint.events.process-default`, true},
		{`a\*b*`, GlobLucene, false, `a*bc`, true},
		{`a\*b*`, GlobLucene, false, `axbc`, false},
		{`a\?b?`, GlobLucene, false, `a?bc`, true},
		{`a\?b?`, GlobLucene, false, `axbc`, false},
		{`x\`, GlobLucene, false, `x\`, true},
		{`*ſ*`, GlobStarQuestion, true, `S`, true},
		{`k?`, GlobStarQuestion, true, "\u212aé", true},
		{`*`, GlobStar, true, ``, true},
		{``, GlobStarQuestion, false, ``, true},
		{``, GlobStarQuestion, false, `a`, false},
		// index and field name patterns
		{"logs-*", GlobStar, false, "logs", false},
		{"logs-*", GlobStar, false, "metrics-x", false},
		{"", GlobStar, false, "", true},
		{"file.hash.*", GlobStar, false, "file.hash.sha256", true},
		{"file.hash.*", GlobStar, false, "file.hashes", false},
		{"*.hash.*", GlobStar, false, "dll.hash.md5", true},
		{"logs-*-default", GlobStar, false, "logs-system.security-default", true},
		{"logs-*-default", GlobStar, false, "logs-system.security-other", false},
		{"a*b*c", GlobStar, false, "aXbYbZc", true},
		{"a*b*c", GlobStar, false, "acb", false},
		{"a*aa", GlobStar, false, "aa", false}, // prefix and suffix must not overlap
		{"a*aa", GlobStar, false, "aaa", true},
		{"ab*ab", GlobStar, false, "aba", false},
		{"winlogbeat-?", GlobStar, false, "winlogbeat-8", false}, // ? is literal
		{"[a]*", GlobStar, false, "[a]b", true},                  // so is [
	}
	for _, tt := range tests {
		g := CompileGlob(tt.pattern, tt.syntax, tt.fold)
		if got := g.Match(tt.value); got != tt.want {
			t.Errorf("%q (syntax %d, fold %v) on %q: got %v, want %v", tt.pattern, tt.syntax, tt.fold, tt.value, got, tt.want)
		}
		checkGlob(t, tt.pattern, tt.syntax, tt.fold, tt.value)
	}
}

// TestGlobRandom compares every pattern shape (exact, prefix, suffix,
// contains, segments, with ?) in every syntax with the reference, on
// random patterns and values (escapes, literal wildcards, Unicode folding
// included).
func TestGlobRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []string{"a", "B", "b", "\\", "K", "\u212a", "ſ", "S", "é", "É", "?", "*", "ab", "xyz"}
	word := func(n int, wild bool) string {
		var b strings.Builder
		for range rng.IntN(n + 1) {
			c := alphabet[rng.IntN(len(alphabet))]
			if !wild && (c == "?" || c == "*") && rng.IntN(4) > 0 {
				c = "b"
			}
			b.WriteString(c)
		}
		return b.String()
	}
	matched := 0
	for range 3000 {
		p := word(7, true)
		for _, syntax := range []GlobSyntax{GlobStarQuestion, GlobStar, GlobLucene} {
			for _, fold := range []bool{false, true} {
				for range 10 {
					if checkGlob(t, p, syntax, fold, word(9, false)) {
						matched++
					}
				}
			}
		}
	}
	if matched < 3000 {
		t.Errorf("only %d matches: the values are too unlike the patterns", matched)
	}
}

func TestEscapeGlob(t *testing.T) {
	for _, s := range []string{"", "a", `a*b?c\d`, `\`, `**`, "é?"} {
		g := CompileGlob(EscapeGlob(s), GlobLucene, false)
		if !g.IsLiteral() || g.Literal() != s || !g.Match(s) {
			t.Errorf("EscapeGlob(%q) = %q: not the literal", s, EscapeGlob(s))
		}
	}
}

// FuzzGlob checks patterns and values of any bytes against the reference
// (where both are valid UTF-8), and that nothing panics.
func FuzzGlob(f *testing.F) {
	f.Add(`*\sc.exe`, `C:\x\SC.EXE`, uint8(0), true)
	f.Add(`a?*b\*`, `aXXb*`, uint8(2), false)
	f.Add(`logs-*-?`, `logs-x-?`, uint8(1), false)
	f.Add("*\u212a?*", "ak\xffé", uint8(0), true)
	f.Fuzz(func(t *testing.T, pattern, value string, syntax uint8, fold bool) {
		if len(pattern) > 64 || len(value) > 256 {
			return
		}
		checkGlob(t, pattern, GlobSyntax(syntax%3), fold, value)
	})
}
