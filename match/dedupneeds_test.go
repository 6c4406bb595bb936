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

// TestSetNeeds checks the needs of a pattern list against every need of
// its members and patterns with the repeats dropped: a folded list
// skips comparing its members' needs, which must not change them.
func TestSetNeeds(t *testing.T) {
	many := []string{"Many*"}
	for i := range 2 * smallSet {
		many = append(many, fmt.Sprintf("v%d.EXE", i%(smallSet+3)), fmt.Sprintf("V%d*.exe", i%5))
	}
	lists := [][]string{
		{"cmd.exe", "CMD.EXE", "cmd*", "CMD*.exe", `cmd.exe\*`, "cmd.exe*", "c?d.exe", "pwsh.exe"},
		{"a", "b", "A*", "a*", "*a", "**a", "b?"},
		{"x\\*", "x*", "X*", "ünï*", "ÜNÏ.exe", "ünï.exe"},
		many,
	}
	scores := map[string]func(Need) int{
		"one":     func(Need) int { return 1 },
		"longest": func(n Need) int { return 100 - len(n.Lit) },
	}
	for i, list := range lists {
		for _, fold := range []bool{true, false} {
			for name, score := range scores {
				t.Run(fmt.Sprint(i, fold, name), func(t *testing.T) {
					x, ok := patternTest(list, fold, true).(*setTest)
					if !ok {
						t.Fatalf("%q is not a set test", list)
					}
					var want []Need
					add := func(n Need) {
						if !slices.Contains(want, n) {
							want = append(want, n)
						}
					}
					members := x.small
					if members == nil {
						for m := range x.set {
							members = append(members, m)
						}
					}
					for _, m := range members {
						add(equalNeed(1, m))
					}
					for _, w := range x.wild {
						n, _ := globNeed(1, w, score)
						add(n)
					}
					got, ok := testNeeds(1, x, score)
					if !ok {
						t.Fatal("no needs")
					}
					if x.small == nil { // the set's order is the map's
						slices.SortFunc(got, compareNeeds)
						slices.SortFunc(want, compareNeeds)
					}
					if !slices.Equal(got, want) {
						t.Errorf("needs of %q\n = %v\nwant %v", list, got, want)
					}
				})
			}
		}
	}
}

// BenchmarkSetNeeds analyses a case-insensitive list of 60 values and 20
// patterns, the shape of an EQL `:` list of process names (the real
// rules' lists: engine's BenchmarkNewUnmatchedWindows).
func BenchmarkSetNeeds(b *testing.B) {
	var list []string
	for i := range 60 {
		list = append(list, fmt.Sprintf("Tool%d.EXE", i))
	}
	for i := range 20 {
		list = append(list, fmt.Sprintf("*\\Temp\\x%d*.exe", i%15))
	}
	x := patternTest(list, true, true).(*setTest)
	score := func(n Need) int { return 100 - len(n.Lit) }
	b.ReportAllocs()
	for b.Loop() {
		if ns, ok := testNeeds(1, x, score); !ok || len(ns) != 75 {
			b.Fatalf("%d needs", len(ns))
		}
	}
}
