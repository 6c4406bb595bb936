package rule

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// TestOffsetPos checks the line and column of every offset of a document,
// asked in order, backwards, and at random (offsetPos steps on from the
// last line it found), against a binary search of the line starts.
func TestOffsetPos(t *testing.T) {
	data := []byte("a = 1\n\n" + strings.Repeat("x", 40) + "\n[t]\nb = \"\"\"\n" + strings.Repeat("l\n", 30) + "\"\"\"\nc = 2")
	b := &builder{lines: lineStarts(nil, data)}
	want := func(off int) (int, int) {
		i := sort.SearchInts(b.lines, off+1) - 1
		return i + 1, off - b.lines[i] + 1
	}
	var offs []int
	for off := range len(data) + 1 {
		offs = append(offs, off)
	}
	for off := len(data); off >= 0; off-- {
		offs = append(offs, off)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		offs = append(offs, rnd.IntN(len(data)+1))
	}
	for _, off := range offs {
		line, col := b.offsetPos(off)
		if wl, wc := want(off); line != wl || col != wc {
			t.Fatalf("offsetPos(%d) = %d:%d, want %d:%d", off, line, col, wl, wc)
		}
	}
}
