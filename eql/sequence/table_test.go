package sequence

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTable drives the key table with random inserts, look-ups, touches
// and removals (bursts that grow and shrink its index) against a map, and
// checks that the oldest entry is the one touched least recently.
func TestTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	var tab table
	tab.init(0)
	want := map[string]int32{}
	touched := map[string]int{} // step of each key's last insert or touch
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
			want[string(k)] = tab.insert(h, int64(step))
			touched[string(k)] = step
		case ok && (!inserting || rng.IntN(4) == 0):
			tab.remove(i)
			delete(want, string(k))
			delete(touched, string(k))
		case ok && rng.IntN(2) == 0:
			tab.touch(i, int64(step))
			touched[string(k)] = step
		}
		if step%499 == 0 {
			oldest, first := "", step+1
			for k, s := range touched {
				if s < first {
					oldest, first = k, s
				}
			}
			got := tab.oldest()
			if oldest == "" && got != -1 || oldest != "" && (got < 0 || tab.ents[got].h != tab.hash([]byte(oldest))) {
				t.Fatalf("step %d: oldest entry %d, want %q (touched at %d)", step, got, oldest, first)
			}
		}
		if len(tab.order) > 2*tab.n+65 {
			t.Fatalf("step %d: %d touches queued for %d keys", step, len(tab.order), tab.n)
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
