package match

import (
	"fmt"
	"slices"
	"testing"
)

// TestDedupNeeds checks that dedupNeeds keeps the first of equal needs, in
// their order, whether it compares them pairwise or sorts them.
func TestDedupNeeds(t *testing.T) {
	for _, n := range []int{3, smallDedup, smallDedup + 1, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var in, want []Need
			for i := range n {
				u := Need{Slot: i % 3, Op: NeedOp(i % 2), Lit: fmt.Sprint("v", i%4), Unless: i / 50} // repeats every 12
				in = append(in, u)
				if !slices.Contains(want, u) {
					want = append(want, u)
				}
			}
			if got := dedupNeeds(slices.Clone(in)); !slices.Equal(got, want) {
				t.Errorf("dedupNeeds(%v)\n = %v\nwant %v", in, got, want)
			}
		})
	}
}
