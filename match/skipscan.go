package match

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// AnyFolded answers whether one of a set of folded literals (FoldKeyword)
// occurs in the folded form of a text, reading only part of it:
// the multi-pattern shift of Wu and Manber. A window as long as the
// shortest literal slides over the text; the pair of bytes at its end,
// hashed (the table holds every case variant of the literals' pairs),
// gives how far it may slide without passing a literal's start (0: a
// literal's first bytes may end there, and the literals are compared). With literals of 8 bytes or more
// most windows slide by 5 to 7 bytes. An AnyFolded is immutable and safe
// for concurrent use.
type AnyFolded struct {
	m     int                 // the window: the shortest literal's length
	shift [skipHashSize]uint8 // pair hash → slide; 0 for the pairs literals' windows end with
	lits  []string            // folded, ASCII
}

const (
	skipHashBits = 12
	skipHashSize = 1 << skipHashBits
	// skipMinLen is the shortest literal worth a skip scan: shorter ones
	// slide too little to beat the automaton.
	skipMinLen = 5
	// skipMaxLits bounds the literals compared where a window may end
	// with one of them.
	skipMaxLits = 64
)

// skipHash hashes a pair of the text's bytes as they are: the table holds
// every case variant of the literals' pairs.
func skipHash(a, b byte) int {
	return (int(a)<<5 ^ int(b)) & (skipHashSize - 1)
}

// caseVariants returns the ASCII case variants of a lower case byte.
func caseVariants(c byte) []byte {
	if c >= 'a' && c <= 'z' {
		return []byte{c, c - 'a' + 'A'}
	}
	return []byte{c}
}

// NewAnyFolded compiles folded literals, or returns nil when one is
// shorter than 5 bytes (or longer than 255), or there are more than 64,
// and the automaton pays more, or when one has a byte from 0x80: Contains
// compares only ASCII bytes.
func NewAnyFolded(lits []string) *AnyFolded {
	if len(lits) > skipMaxLits {
		return nil
	}
	a := &AnyFolded{m: 1 << 30}
	for _, l := range lits {
		if len(l) < skipMinLen || len(l) > 255 || !IsASCII(l) {
			return nil
		}
		a.m = min(a.m, len(l))
		a.lits = append(a.lits, l)
	}
	if len(a.lits) == 0 {
		return nil
	}
	// A pair ending j bytes before a window's end lets it slide j bytes.
	for i := range a.shift {
		a.shift[i] = uint8(a.m - 1)
	}
	for _, l := range a.lits {
		for j := 1; j < a.m; j++ {
			for _, x := range caseVariants(l[j-1]) {
				for _, y := range caseVariants(l[j]) {
					h := skipHash(x, y)
					a.shift[h] = min(a.shift[h], uint8(a.m-1-j))
				}
			}
		}
	}
	return a
}

// Contains reports whether a literal occurs in the folded text. Only two
// non-ASCII runes fold to ASCII (foldsToASCII); text without them holds a
// literal exactly when its bytes, ASCII letters lowered, do: other bytes
// from 0x80 fold to bytes from 0x80, which no literal Contains compares
// holds. Text with one of them is left to the caller: ok is false, and
// found meaningless.
func (a *AnyFolded) Contains(text string) (found, ok bool) {
	if !isASCII8(text) && (strings.Contains(text, foldsToASCII[0]) || strings.Contains(text, foldsToASCII[1])) {
		return false, false
	}
	n := len(text)
	for end := a.m - 1; end < n; {
		h := skipHash(text[end-1], text[end])
		if s := a.shift[h]; s != 0 {
			end += int(s)
			continue
		}
		start := end + 1 - a.m
		for _, l := range a.lits {
			if n-start >= len(l) && equalLowerASCII(text[start:start+len(l)], l) {
				return true, true
			}
		}
		end++
	}
	return false, true
}

// foldsToASCII are the non-ASCII runes whose folded form is ASCII: the
// Kelvin sign (k) and the long s (s).
var foldsToASCII = [2]string{"\u212a", "\u017f"}

// isASCII8 is IsASCII eight bytes at a time.
func isASCII8(s string) bool {
	i := 0
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	for ; i+16 <= len(b); i += 16 {
		w := binary.LittleEndian.Uint64(b[i:]) | binary.LittleEndian.Uint64(b[i+8:])
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// equalLowerASCII reports whether ASCII s lowered is l.
func equalLowerASCII(s, l string) bool {
	for i := 0; i < len(l); i++ {
		if lowerASCII[s[i]] != l[i] {
			return false
		}
	}
	return true
}
