package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// TestLitIndex compares the automaton (over the folded value) and, where
// the field has few contained literals, the unfolded matcher of ASCII
// values (plainLits) with testing each literal in turn, on random
// literals and values over a small alphabet (so that literals overlap,
// nest and repeat, and candidates for an anchor often fail) in both
// cases.
func TestLitIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string { return randomWord(rng, "abAB\\.x :_", max) }
	ops := []match.NeedOp{match.NeedPrefix, match.NeedSuffix, match.NeedContains}
	plain := 0
	for round := range 400 {
		var b litBuilder
		var needs []match.Need
		for i := range 1 + rng.IntN(12) {
			n := match.Need{Op: ops[rng.IntN(3)], Lit: match.FoldKeyword(word(5))}
			needs = append(needs, n)
			b.add(n.Op, n.Lit, entry{r: i})
		}
		x := b.build()
		rules := func(hits []match.LiteralHit) []int64 {
			var got []int64
			for _, h := range hits {
				for _, en := range x.lits[h.Lit].ents {
					got = append(got, int64(en.r))
				}
			}
			slices.Sort(got)
			return slices.Compact(got)
		}
		for range 60 {
			v := word(30)
			folded := match.FoldKeyword(v)
			var want []int64
			for i, n := range needs {
				if n.Holds(folded) {
					want = append(want, int64(i))
				}
			}
			if got := rules(x.match(folded, nil)); !slices.Equal(got, want) {
				t.Fatalf("round %d: %q against %v: got %v, want %v", round, v, needs, got, want)
			}
			if x.plain == nil {
				continue
			}
			plain++
			if got := rules(x.plain.match(x, v, nil)); !slices.Equal(got, want) {
				t.Fatalf("round %d, unfolded: %q against %v: got %v, want %v", round, v, needs, got, want)
			}
		}
	}
	if plain < 10_000 {
		t.Fatalf("only %d values matched unfolded: plainLits was rarely built", plain)
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

// randomWord returns 1 to max bytes of alphabet: literals and values
// over a small alphabet overlap, nest and repeat.
func randomWord(rng *rand.Rand, alphabet string, max int) string {
	b := make([]byte, 1+rng.IntN(max))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// TestMemoHits checks that the literals an engine remembers for a value
// (hitMemo) are those the automaton finds in it, for values seen again,
// values that share a memo entry, empty values and values too long to
// keep, with and without capitals and bytes from 0x80.
func TestMemoHits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(max int) string { return randomWord(rng, "abAB\\.x :_\u00e9\u0130", max) }
	ops := []match.NeedOp{match.NeedPrefix, match.NeedSuffix, match.NeedContains}
	for round := range 100 {
		var b litBuilder
		for i := range fewLits + 1 + rng.IntN(12) {
			b.add(ops[rng.IntN(3)], match.FoldKeyword(word(4)), entry{r: i})
		}
		fi := &fieldIndex{slot: 0, lits: b.build()}
		var e Engine
		values := []string{""}
		for range 2 * hitMemoSize {
			values = append(values, word(12))
		}
		values = append(values, strings.Repeat("ab\\", hitMemoLen))
		for range 4 * len(values) {
			s := values[rng.IntN(len(values))]
			var ev event.Event
			want := fi.lits.match(match.FoldKeyword(s), nil)
			got := e.memoHits(fi, 0, s, &ev)
			if len(got) != len(want) {
				t.Fatalf("round %d: %q: got %v, want %v", round, s, got, want)
			}
			for i := range got {
				if got[i].Lit != want[i].Lit {
					t.Fatalf("round %d: %q: got %v, want %v", round, s, got, want)
				}
			}
			e.hits = got
		}
	}
}

// BenchmarkMemoHits finds a path field's literals (too many contained
// ones for plainLits) in a few recurring executables' paths: "automaton"
// folds each and runs the automaton, "memo" remembers them (hitMemo).
func BenchmarkMemoHits(b *testing.B) {
	var lb litBuilder
	for i, l := range []string{`\users\public\`, `\programdata\`, `\windows\temp\`, `\appdata\local\temp\`, `\downloads\`,
		`\perflogs\`, `\intel\`, `\$recycle.bin\`, `\windows\tasks\`, `.scr`, `.pif`, `c:\windows\`} {
		op := match.NeedContains
		if strings.HasPrefix(l, ".") {
			op = match.NeedSuffix
		}
		lb.add(op, l, entry{r: i})
	}
	fi := &fieldIndex{lits: lb.build()}
	values := []string{`C:\Windows\System32\svchost.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		`C:\Users\Public\Downloads\x.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		`C:\Windows\explorer.exe`, `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18\MsMpEng.exe`}
	for _, memo := range []bool{false, true} {
		name := "automaton"
		if memo {
			name = "memo"
		}
		b.Run(name, func(b *testing.B) {
			var e Engine
			var ev event.Event
			var buf []byte
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := values[i%len(values)]
				i++
				if memo {
					e.hits = e.memoHits(fi, 0, s, &ev)
				} else {
					buf = match.AppendFolded(buf[:0], s)
					e.hits = fi.lits.match(unsafe.String(unsafe.SliceData(buf), len(buf)), e.hits[:0])
				}
			}
		})
	}
}
