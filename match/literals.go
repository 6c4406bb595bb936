package match

import (
	"encoding/binary"
	"runtime"
	"slices"
	"strings"
	"sync"
	"weak"
)

// Literals finds in one pass which of a set of literals occur in a text:
// an Aho-Corasick automaton with a dense transition table whose columns
// are the bytes the literals use (any other byte leads back to the start).
// Rule indexes use it to find the literals a value holds; lists of
// wildcard patterns use it to try only the patterns whose literal text
// occurs. A Literals is immutable and safe for concurrent use.
type Literals struct {
	class  [256]int32 // byte → column; 0 for bytes no literal holds
	cols   int32
	next   []int32   // state*cols + column → next state's state*cols<<2, | 1 if literals end there, | 2 if it is shallow
	out    [][]int32 // per state: the literals that end there
	minLen int       // the shortest literal: shorter texts hold none
	start  [256]bool // the first bytes of literals: from the start state, others lead back to it
	// first is the one byte every literal begins with (-1: several): the
	// start state then skips to it by IndexByte, many bytes at a time.
	first int
	// high: every literal begins with a byte from 0x80 (non-ASCII text:
	// Cyrillic look-alikes, UTF-16), so runs of ASCII are passed over
	// eight bytes at a time.
	high bool
	// pairs, when every literal has two bytes or more, holds the hashes
	// of their first two bytes (pairHash): Find passes over text where
	// no literal can begin by testing pairs, not running the automaton,
	// whenever its state is shallow (the start or one byte deep).
	pairs *[pairBits / 64]uint64
	// quads, when every literal has four bytes or more, holds the hashes
	// of their first four bytes (quadHash), and is tested instead of
	// pairs: far fewer places of a long text (a script block, a command
	// line) pass the test where a large set's pairs are common in text.
	quads *[quadBits / 64]uint64
}

// quadBits is the size of Literals.quads, in bits.
const quadBits = 1 << 16

// quadHash hashes four bytes (little endian) for Literals.quads.
func quadHash(w uint32) uint32 { return w * 0x9E3779B1 >> (32 - 16) }

// quadAt returns the four bytes of s from i, little endian.
func quadAt(s string, i int) uint32 {
	s = s[i : i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// pairBits is the size of Literals.pairs, in bits.
const pairBits = 4096

// pairHash hashes a pair of bytes for Literals.pairs.
func pairHash(a, b byte) int { return (int(a)<<5 ^ int(b)) & (pairBits - 1) }

// LiteralHit is one occurrence of literal Lit ending before byte End.
type LiteralHit struct {
	Lit, End int32
}

// litCache holds the automatons in use by their literals: rule indexes of
// many routes, and the same pattern list in many rules, often compile the
// same set, and a large automaton takes megabytes. Entries go when their
// automaton is collected.
var litCache struct {
	sync.Mutex
	m map[string]weak.Pointer[Literals]
}

// NewLiterals compiles a set of non-empty literals, numbered by position.
// A set compiled before and still in use is shared.
func NewLiterals(lits []string) *Literals {
	n := 0
	for _, l := range lits {
		n += len(l) + 4
	}
	k := make([]byte, 0, n)
	for _, l := range lits {
		k = binary.LittleEndian.AppendUint32(k, uint32(len(l)))
		k = append(k, l...)
	}
	key := string(k)
	litCache.Lock()
	if w, ok := litCache.m[key]; ok {
		if x := w.Value(); x != nil {
			litCache.Unlock()
			return x
		}
	}
	litCache.Unlock()
	x := newLiterals(lits)
	litCache.Lock()
	if litCache.m == nil {
		litCache.m = map[string]weak.Pointer[Literals]{}
	}
	litCache.m[key] = weak.Make(x)
	litCache.Unlock()
	runtime.AddCleanup(x, func(key string) {
		litCache.Lock()
		if w, ok := litCache.m[key]; ok && w.Value() == nil {
			delete(litCache.m, key)
		}
		litCache.Unlock()
	}, key)
	return x
}

func newLiterals(lits []string) *Literals {
	x := &Literals{cols: 1, minLen: 1 << 30}
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			if x.class[l[i]] == 0 {
				x.class[l[i]] = x.cols
				x.cols++
			}
		}
	}
	// The trie, with -1 for missing edges, allocated once for all its
	// states: a large set of patterns would otherwise regrow (and clear)
	// the table many times over.
	states := trieStates(lits)
	x.next = make([]int32, x.cols, states*int(x.cols))
	x.out = make([][]int32, 1, states)
	depth := make([]int32, 1, states)
	for i := range x.next {
		x.next[i] = -1
	}
	for li, l := range lits {
		x.minLen = min(x.minLen, len(l))
		if len(l) > 0 {
			x.start[l[0]] = true
		}
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := int32(x.class[l[i]])
			t := x.next[s*x.cols+c]
			if t < 0 {
				t = int32(len(x.out))
				x.out = append(x.out, nil)
				depth = append(depth, depth[s]+1)
				n := len(x.next)
				x.next = slices.Grow(x.next, int(x.cols))[:n+int(x.cols)]
				for j := n; j < len(x.next); j++ {
					x.next[j] = -1
				}
				x.next[s*x.cols+c] = t
			}
			s = t
		}
		x.out[s] = append(x.out[s], int32(li))
	}
	x.high = !slices.Contains(x.start[:0x80], true)
	x.first = -1
	for c := range x.start {
		if x.start[c] {
			if x.first != -1 {
				x.first = -1
				break
			}
			x.first = c
		}
	}
	// Breadth first: failure links become transitions, and each state
	// inherits the outputs of its failure state.
	fail := make([]int32, len(x.out))
	var queue []int32
	for c := range x.cols {
		if t := x.next[c]; t < 0 {
			x.next[c] = 0
		} else {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := range x.cols {
			i := s*x.cols + c
			t := x.next[i]
			f := x.next[fail[s]*x.cols+c]
			if t < 0 {
				x.next[i] = f
				continue
			}
			fail[t] = f
			if len(x.out[f]) > 0 {
				x.out[t] = append(x.out[t][:len(x.out[t]):len(x.out[t])], x.out[f]...)
			}
			queue = append(queue, t)
		}
	}
	// Premultiply: a transition gives the next state's row, its low bit
	// whether literals end there and the next whether the state is at
	// most one byte deep, so that Find needs no other load for most
	// bytes.
	for i, t := range x.next {
		v := t * x.cols << 2
		if len(x.out[t]) > 0 {
			v |= 1
		}
		if depth[t] <= 1 {
			v |= 2
		}
		x.next[i] = v
	}
	if x.minLen >= 4 {
		x.quads = new([quadBits / 64]uint64)
		for _, l := range lits {
			h := quadHash(quadAt(l, 0))
			x.quads[h>>6] |= 1 << (h & 63)
		}
	}
	if x.minLen >= 2 {
		x.pairs = new([pairBits / 64]uint64)
		for _, l := range lits {
			h := pairHash(l[0], l[1])
			x.pairs[h>>6] |= 1 << (h & 63)
		}
	}
	return x
}

// trieStates returns the number of states of the trie of lits: one per
// distinct prefix, counting the empty one. In sorted order a literal adds
// the prefixes beyond those it shares with the one before it.
func trieStates(lits []string) int {
	sorted := slices.Clone(lits)
	slices.Sort(sorted)
	n, prev := 1, ""
	for _, l := range sorted {
		common := 0
		for common < len(l) && common < len(prev) && l[common] == prev[common] {
			common++
		}
		n += len(l) - common
		prev = l
	}
	return n
}

// Find appends to hits every occurrence of a literal in text.
func (x *Literals) Find(text string, hits []LiteralHit) []LiteralHit {
	if len(text) < x.minLen {
		return hits
	}
	if x.pairs != nil {
		return x.findPairs(text, hits)
	}
	next, class, start := x.next, &x.class, &x.start
	s := int32(0)
	for i := 0; i < len(text); i++ {
		if s == 0 {
			// In the start state: skip to a byte that begins a literal.
			if x.first >= 0 {
				j := strings.IndexByte(text[i:], byte(x.first))
				if j < 0 {
					return hits
				}
				i += j
			} else if x.high {
				if i = pastASCII(text, i); i == len(text) {
					return hits
				}
			}
			for !start[text[i]] {
				if i++; i == len(text) {
					return hits
				}
			}
		}
		s = next[s>>2+class[text[i]]] &^ 2
		if s&1 != 0 {
			for _, li := range x.out[s>>2/x.cols] {
				hits = append(hits, LiteralHit{Lit: li, End: int32(i + 1)})
			}
		}
	}
	return hits
}

// findPairs is Find for literals of two bytes or more. Where no literal
// can begin (its first two bytes' hash is not in pairs, or with quads,
// its first four bytes' not in quads), the text is
// passed over; from where one may, the automaton runs from its start
// until its state is shallow again: at most one byte deep, which says
// that no literal begins before that byte. Literals end only in deeper
// states, so no occurrence is reported twice.
func (x *Literals) findPairs(text string, hits []LiteralHit) []LiteralHit {
	next, class, pairs := x.next, &x.class, x.pairs
	n := len(text)
	for i := 0; ; {
		// Pass over text where no literal begins.
		for {
			if i+1 >= n {
				return hits
			}
			if x.first >= 0 && text[i] != byte(x.first) {
				j := strings.IndexByte(text[i+1:], byte(x.first))
				if j < 0 {
					return hits
				}
				i += 1 + j
				continue
			}
			if x.high && text[i] < 0x80 {
				i = pastASCII(text, i)
				continue
			}
			if quads := x.quads; quads != nil {
				for i+4 <= n {
					if h := quadHash(quadAt(text, i)); quads[h>>6]&(1<<(h&63)) != 0 {
						break
					}
					i++
				}
				if i+4 > n {
					return hits // no literal of four bytes begins here
				}
				break
			}
			if h := pairHash(text[i], text[i+1]); pairs[h>>6]&(1<<(h&63)) != 0 {
				break
			}
			i++
		}
		s := next[class[text[i]]]
		for i++; i < n; i++ {
			s = next[s>>2+class[text[i]]]
			if s&1 != 0 {
				for _, li := range x.out[s>>2/x.cols] {
					hits = append(hits, LiteralHit{Lit: li, End: int32(i + 1)})
				}
			}
			if s&2 != 0 {
				break
			}
		}
		if i >= n {
			return hits
		}
		if s>>2 == 0 {
			i++ // the start state: no literal begins at i
		} // else one byte deep: one may begin at i
	}
}

// FindFolded is Find over the folded form of text (AppendFolded) without
// making it, for literals that are folded themselves (FoldKeyword): ASCII
// letters are lowered as they are read. A byte from 0x80, whose folding
// may change the text's length, stops it: it then reports false and
// appends nothing, and the caller folds the text and calls Find.
func (x *Literals) FindFolded(text string, hits []LiteralHit) ([]LiteralHit, bool) {
	n0 := len(hits)
	next, class, start := x.next, &x.class, &x.start
	s := int32(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x80 {
			return hits[:n0], false
		}
		c = lowerASCII[c]
		if s == 0 && !start[c] {
			continue
		}
		s = next[s>>2+class[c]] &^ 2
		if s&1 != 0 {
			for _, li := range x.out[s>>2/x.cols] {
				hits = append(hits, LiteralHit{Lit: li, End: int32(i + 1)})
			}
		}
	}
	return hits, true
}

// pastASCII returns the index of the first byte from 0x80 in text from
// i on (len(text) if none), reading eight bytes at a time.
func pastASCII(text string, i int) int {
	for ; i+8 <= len(text); i += 8 {
		w := uint64(text[i]) | uint64(text[i+1])<<8 | uint64(text[i+2])<<16 | uint64(text[i+3])<<24 |
			uint64(text[i+4])<<32 | uint64(text[i+5])<<40 | uint64(text[i+6])<<48 | uint64(text[i+7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(text) && text[i] < 0x80 {
		i++
	}
	return i
}
