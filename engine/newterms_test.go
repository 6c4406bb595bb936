package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

// BenchmarkNewTermsAtCapacity adds distinct terms, all within the history
// window, to a new_terms state holding up to 100,000 terms: once it is
// full every term overflows. Eviction must not scan the store per term.
func BenchmarkNewTermsAtCapacity(b *testing.B) {
	const max = 100_000
	k := &newTermsKind{slots: []int{0}, history: int64(24 * time.Hour), max: max}
	st := k.newRunner(nil, nil).(*newTermsState)
	names := make([]string, 2*max)
	for i := range names {
		names[i] = "p" + strconv.Itoa(i) + ".exe"
	}
	see := func(name string, t int64) {
		st.vals[0] = append(st.vals[0][:0], event.Str(name))
		clear(st.pick)
		st.observe(t)
	}
	// Fill the store, then measure terms added at capacity.
	for i := range max {
		see(names[i], int64(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		see(names[max+i%max], int64(max+i))
		i++
	}
	if st.overflow == 0 {
		b.Error("the store never overflowed")
	}
}

// TestTermStore checks the store's order: touching a term moves it to
// the recent end, and removing the oldest frees a node for reuse.
func TestTermStore(t *testing.T) {
	s := newTermStore()
	for i, k := range []string{"a", "b", "c"} {
		s.add([]byte(k), int64(10*i))
	}
	if last, ok := s.touch([]byte("a"), 25); !ok || last != 0 {
		t.Fatalf("touch a = %d, %v", last, ok)
	}
	// Out of order: b seen at 5 keeps its later time, but moves.
	if last, ok := s.touch([]byte("b"), 5); !ok || last != 10 {
		t.Fatalf("touch b = %d, %v", last, ok)
	}
	var order []string
	for s.len() > 0 {
		last, _ := s.oldest()
		order = append(order, s.nodes[s.head].key+"@"+strconv.FormatInt(last, 10))
		s.removeOldest()
	}
	if got := strings.Join(order, " "); got != "c@20 a@25 b@10" {
		t.Errorf("order %s", got)
	}
	s.add([]byte("d"), 30)
	if len(s.nodes) != 3 {
		t.Errorf("%d nodes: a removed node was not reused", len(s.nodes))
	}
	if _, ok := s.touch([]byte("a"), 31); ok {
		t.Error("a removed term is still there")
	}
}
