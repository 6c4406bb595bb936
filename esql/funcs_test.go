package esql

import (
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
