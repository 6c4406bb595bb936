package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vigilsec/vigil/match"
)

// TestLitIndex compares the automaton with testing each literal in turn,
// on random literals and values over a small alphabet (so that literals
// overlap, nest and repeat).
func TestLitIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		b := make([]byte, 1+rng.IntN(max))
		for i := range b {
			b[i] = "ab\\.x"[rng.IntN(5)]
		}
		return string(b)
	}
	ops := []match.NeedOp{match.NeedPrefix, match.NeedSuffix, match.NeedContains}
	for round := range 300 {
		var b litBuilder
		var needs []match.Need
		for i := range 1 + rng.IntN(12) {
			n := match.Need{Op: ops[rng.IntN(3)], Lit: word(5)}
			needs = append(needs, n)
			b.add(n.Op, n.Lit, entry{r: i})
		}
		x := b.build()
		for range 50 {
			v := word(12)
			var got []int64
			for _, h := range x.match(v, nil) {
				for _, en := range x.lits[h.Lit].ents {
					got = append(got, int64(en.r))
				}
			}
			var want []int64
			for i, n := range needs {
				if n.Holds(v) {
					want = append(want, int64(i))
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: %q against %v: got %v, want %v", round, v, needs, got, want)
			}
		}
	}
}

func TestLengthSet(t *testing.T) {
	var l lengthSet
	for _, n := range []int{0, 3, 63, 64, 200, 300} {
		l.add(n)
	}
	for n, want := range map[int]bool{0: true, 1: false, 3: true, 63: true, 64: true, 65: false, 200: true, 255: true, 1000: true, 254: false} {
		if l.has(n) != want {
			t.Errorf("has(%d) = %v", n, !want)
		}
	}
}
