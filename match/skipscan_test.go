package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestAnyFolded compares the skip scan with the automaton over the folded
// text, on random literals over a small alphabet in both cases (so that
// windows overlap, repeat and collide in the pair hash) and texts with
// other UTF-8 and invalid bytes, and checks that text with a rune that
// folds to ASCII is left to the caller.
func TestAnyFolded(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	word := func(alpha string, lo, n int) string { return randWord(rng, alpha, lo, n) }
	for round := range 400 {
		var lits []string
		for range 1 + rng.IntN(8) {
			lits = append(lits, FoldKeyword(word("abAB.:", 5, 6)))
		}
		a := NewAnyFolded(lits)
		if a == nil {
			t.Fatalf("round %d: %q: no skip scan", round, lits)
		}
		x := NewLiterals(lits)
		for range 60 {
			text := word("abAB.:x", 0, 40)
			if rng.IntN(3) == 0 {
				text = strings.ReplaceAll(text, "x", []string{"\u00e9", "\xff", "\u0100"}[rng.IntN(3)])
			}
			want := len(x.Find(FoldKeyword(text), nil)) > 0
			got, ok := a.Contains(text)
			if !ok || got != want {
				t.Fatalf("round %d: %q in %q: got %v %v, want %v", round, lits, text, got, ok, want)
			}
		}
		for _, r := range foldsToASCII {
			if _, ok := a.Contains(strings.Repeat("ab", 9) + r); ok {
				t.Fatalf("round %d: text with %q scanned", round, r)
			}
		}
	}
	// Short and non-ASCII literals are left to the automaton.
	for _, lits := range [][]string{{"abcdef", "abcd"}, {"abcdef", "abcd\u00e9"}} {
		if NewAnyFolded(lits) != nil {
			t.Fatalf("%q got a skip scan", lits)
		}
	}
}

// TestFoldsToASCII checks the premise of AnyFolded: of the non-ASCII
// runes, exactly those of foldsToASCII fold to ASCII.
func TestFoldsToASCII(t *testing.T) {
	var got []string
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if foldRune(r) < utf8.RuneSelf {
			got = append(got, string(r))
		}
	}
	if !slices.Equal(got, []string{foldsToASCII[1], foldsToASCII[0]}) {
		t.Fatalf("runes folding to ASCII: %q, want %q", got, foldsToASCII)
	}
}
