package match

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randWord returns lo to lo+n-1 random bytes of alphabet.
func randWord(rng *rand.Rand, alphabet string, lo, n int) string {
	b := make([]byte, lo+rng.IntN(n))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// TestLiterals compares the automaton with strings.Index at every offset,
// on random literals over a small alphabet (overlapping, nested, repeated).
func TestLiterals(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string { return randWord(rng, "ab.\xc3\xa9", 1, n) }
	for round := range 300 {
		var lits []string
		for range 1 + rng.IntN(10) {
			l := word(4)
			if round%5 == 2 {
				l = randWord(rng, "ab.\xc3\xa9", 4, 5) // four bytes or more: Find tests quads
			}
			if round%3 == 0 {
				l = "." + l // one first byte for all: Find skips to it by IndexByte
			}
			lits = append(lits, l)
		}
		textOf := func(n int) string { return word(n) }
		if round%4 == 1 {
			// Every literal begins with a byte from 0x80, not all
			// with one: runs of ASCII are passed over.
			for i := range lits {
				lits[i] = []string{"\xc3\xa9", "\xd0\x96"}[rng.IntN(2)] + lits[i]
			}
			lits = append(lits, "\xd0\x96a", "\xc3\xa9b")
			if round%8 == 1 {
				lits = append(lits, "\xd0") // one byte: Find without pairs
			}
			textOf = func(n int) string {
				var b strings.Builder
				for b.Len() < n {
					if rng.IntN(4) == 0 {
						b.WriteString(lits[rng.IntN(len(lits))])
					} else {
						b.WriteString(randWord(rng, "ab.", 1, 12))
					}
				}
				return b.String()
			}
		}
		x := NewLiterals(lits)
		high := true
		for _, l := range lits {
			high = high && l[0] >= 0x80
		}
		if x.high != high || round%4 == 1 && !high {
			t.Fatalf("round %d: %q: high %v", round, lits, x.high)
		}
		// The table was sized once for exactly the trie's states.
		if len(x.out) != cap(x.out) || len(x.next) != cap(x.next) {
			t.Fatalf("round %d: %q: %d states, %d allocated", round, lits, len(x.out), cap(x.out))
		}
		if (x.pairs != nil) != (x.minLen >= 2) || (x.quads != nil) != (x.minLen >= 4) {
			t.Fatalf("round %d: %q: pairs %v with shortest literal %d", round, lits, x.pairs != nil, x.minLen)
		}
		for k := range 40 {
			text := textOf(16)
			if k%4 == 0 {
				text = textOf(80) // long: passes over text between shallow states
			}
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

// TestLiteralsFindFolded compares FindFolded with Find over the folded
// text: the same hits for ASCII text, none and false for other text.
func TestLiteralsFindFolded(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	word := func(n int) string { return randWord(rng, "aAbB:\\.\xc3\xa9", 1, n) }
	for round := range 300 {
		var lits []string
		for range 1 + rng.IntN(10) {
			lits = append(lits, FoldKeyword(word(4)))
		}
		x := NewLiterals(lits)
		for range 40 {
			text := word(16)
			got, ok := x.FindFolded(text, []LiteralHit{{Lit: 99}})
			want := x.Find(FoldKeyword(text), []LiteralHit{{Lit: 99}})
			ascii := !strings.ContainsFunc(text, func(r rune) bool { return r >= 0x80 })
			if ok != ascii || ok && !slices.Equal(got, want) || !ok && len(got) != 1 {
				t.Fatalf("round %d: %q in %q: got %v, %v; want %v, %v", round, lits, text, got, ok, want, ascii)
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

// TestLiteralsShared checks that a set compiled again while in use is the
// same automaton, and that sets with the same bytes split otherwise are
// not.
func TestLiteralsShared(t *testing.T) {
	a := NewLiterals([]string{"ab", "c"})
	for _, tc := range []struct {
		lits []string
		same bool
		hits int // in "xabcx"
	}{
		{[]string{"ab", "c"}, true, 2},
		{[]string{"a", "bc"}, false, 2},
		{[]string{"abc"}, false, 1},
		{[]string{"c", "ab"}, false, 2}, // numbered by position
	} {
		b := NewLiterals(tc.lits)
		if (a == b) != tc.same {
			t.Errorf("%q: shared %v, want %v", tc.lits, a == b, tc.same)
		}
		got := b.Find("xabcx", nil)
		if len(got) != tc.hits {
			t.Errorf("%q in xabcx: %v", tc.lits, got)
		}
		for _, h := range got {
			if !strings.HasSuffix("xabcx"[:h.End], tc.lits[h.Lit]) {
				t.Errorf("%q in xabcx: hit %v is not its literal", tc.lits, h)
			}
		}
	}
}
