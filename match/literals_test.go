package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestLiterals compares the automaton with strings.Index at every offset,
// on random literals over a small alphabet (overlapping, nested, repeated).
func TestLiterals(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string {
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = "ab.\xc3\xa9"[rng.IntN(5)]
		}
		return string(b)
	}
	for round := range 300 {
		var lits []string
		for range 1 + rng.IntN(10) {
			lits = append(lits, word(4))
		}
		x := NewLiterals(lits)
		// The table was sized once for exactly the trie's states.
		if len(x.out) != cap(x.out) || len(x.next) != cap(x.next) {
			t.Fatalf("round %d: %q: %d states, %d allocated", round, lits, len(x.out), cap(x.out))
		}
		for range 40 {
			text := word(16)
			got := x.Find(text, nil)
			var want []LiteralHit
			for end := 1; end <= len(text); end++ {
				for li, l := range lits {
					if strings.HasSuffix(text[:end], l) {
						want = append(want, LiteralHit{Lit: int32(li), End: int32(end)})
					}
				}
			}
			cmp := func(a, b LiteralHit) int {
				if a.End != b.End {
					return int(a.End - b.End)
				}
				return int(a.Lit - b.Lit)
			}
			slices.SortFunc(got, cmp)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: %q in %q: got %v, want %v", round, lits, text, got, want)
			}
		}
	}
}

// TestTrieStates counts the distinct prefixes of literal sets.
func TestTrieStates(t *testing.T) {
	tests := []struct {
		lits []string
		want int
	}{
		{[]string{"a"}, 2},
		{[]string{"abc", "abd"}, 5},
		{[]string{"abd", "abc", "ab"}, 5},
		{[]string{"x", "x"}, 2},
		{[]string{"ab", "b", "ba"}, 5},
	}
	for _, tc := range tests {
		if got := trieStates(tc.lits); got != tc.want {
			t.Errorf("trieStates(%q) = %d, want %d", tc.lits, got, tc.want)
		}
	}
}

func BenchmarkLiterals(b *testing.B) {
	lits := []string{`:\perflogs\`, `:\users\public\`, `\windows\tasks\`, `\intel\`, `\amd\temp\`, `\appreadiness\`,
		`\servicestate\`, `\security\`, `\identitycrl\`, `\branding\`, `\csc\`, `\digitallocker\`, `.exe`, `mimikatz`}
	x := NewLiterals(lits)
	text := `c:\program files\google\chrome\application\chrome.exe --type=renderer --field-trial-handle=1234`
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var hits []LiteralHit
	for b.Loop() {
		hits = x.Find(text, hits[:0])
	}
}
