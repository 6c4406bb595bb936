package esql

import (
	"regexp"
	"strings"
	"testing"
)

// TestAnyToken checks MATCH's term test against the tokens it stands
// for: some token of the text is a token of the query.
func TestAnyToken(t *testing.T) {
	texts := []string{"", "svchost.exe", "SVCHOST.EXE", "svch0st.exe", "C:\\Windows\\svchost.exe -k netsvcs",
		"İstanbul ÇAĞ", "Ⅻ ⓐⒷ", "a\xffb", "x—y", strings.Repeat("A", 70) + " exe", "tab\tsep", "ǅungla"}
	for _, q := range []string{"svchost.exe", "exe", "istanbul", "i̇stanbul", "çağ", "ⅻ", "ⓑ", "a b", "", strings.Repeat("a", 70), "dž"} {
		set := termSet(q)
		for _, s := range texts {
			want := false
			for _, tok := range tokens(s) {
				want = want || set[tok]
			}
			if got := anyToken(s, set); got != want {
				t.Errorf("anyToken(%q, terms of %q) = %v, want %v", s, q, got, want)
			}
		}
	}
}

// TestLookaheadBounds checks that the class a lookahead rewrites to is
// the same whether classOf tests the bounds of its classes or every rune.
func TestLookaheadBounds(t *testing.T) {
	for _, tc := range []struct{ not, class string }{
		{`[rntb]|\r|\n|\d`, `[A-Za-z0-9_-]`},
		{`a`, `[a-c]`},
		{`[^a]`, `[a-c]`},
		{`\d`, `[^x]`},
		{`[\x{d7ff}-\x{e001}]`, `[^a]`},
		{`\x{fffd}`, `[^a]`},
		{`[a-z]`, `[a-z]`},
		{`\pL`, `[\x{100}-\x{ffff}]`},
		{`[[:alpha:]]|é`, `[^\x00-\x{7f}]`},
	} {
		not := regexp.MustCompile(`^(?:` + tc.not + `)$`)
		class := regexp.MustCompile(`^` + tc.class + `$`)
		in := func(r rune) bool { return class.MatchString(string(r)) && !not.MatchString(string(r)) }
		nb, ok1 := runeBounds(tc.not, nil)
		cb, ok2 := runeBounds(tc.class, nb)
		if !ok1 || !ok2 {
			t.Errorf("(?!%s)%s: no bounds", tc.not, tc.class)
			continue
		}
		if got, want := classOf(in, lookaheadBounds(cb)), classOf(in, nil); got != want {
			t.Errorf("(?!%s)%s: %s, want %s", tc.not, tc.class, got, want)
		}
	}
	for _, re := range []string{`(?i)a`, `ab`, `a*`, `.`} {
		if _, ok := runeBounds(re, nil); ok {
			t.Errorf("runeBounds(%q) is ok, want a fallback to every rune", re)
		}
	}
}
