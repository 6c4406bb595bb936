package sequence

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTable drives the key table with random inserts, look-ups and
// removals (bursts that grow and shrink its index) against a map.
func TestTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var tab table
	tab.init(0)
	want := map[string]int32{}
	key := func() []byte { return fmt.Appendf(nil, "k%d", rng.IntN(3000)) }
	for step := range 200_000 {
		// Alternate phases of mostly inserting and mostly removing.
		inserting := step/20_000%2 == 0
		k := key()
		i, h := tab.find(k)
		wi, ok := want[string(k)]
		if ok != (i >= 0) || ok && i != wi {
			t.Fatalf("step %d: find(%s) = %d, want %d (present %v)", step, k, i, wi, ok)
		}
		switch {
		case !ok && (inserting || rng.IntN(4) == 0):
			want[string(k)] = tab.insert(k, h, int64(step))
		case ok && (!inserting || rng.IntN(4) == 0):
			tab.remove(i)
			delete(want, string(k))
		}
		if tab.n != len(want) {
			t.Fatalf("step %d: %d keys, want %d", step, tab.n, len(want))
		}
		if 2*tab.used > len(tab.index) || len(tab.index) > minIndex && 8*tab.used < len(tab.index)/2 {
			t.Fatalf("step %d: %d of %d index slots used", step, tab.used, len(tab.index))
		}
	}
	for k, wi := range want {
		if i := tab.lookup([]byte(k)); i != wi {
			t.Fatalf("lookup(%s) = %d, want %d", k, i, wi)
		}
	}
}
