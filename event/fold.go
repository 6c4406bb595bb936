package event

import (
	"slices"
	"unsafe"
)

// foldEnt is one memoised folded string: element elem of a value, in
// fbuf[off:off+n], chained with the other elements of the same value.
type foldEnt struct {
	elem, next, off, n int32
}

// Folded returns s, the string element elem of the value in slot (elem 0
// for a scalar), transformed by fold (case folding, as package match folds
// for case-insensitive tests and rule indexes), computing it at most once
// per event: rule indexes and every rule's case-insensitive tests of the
// same value share one folded copy, as the value is lower-cased once per
// event, not once per rule. fold must be the same function in every call
// on an event, and s the value's string (the memo is keyed by slot and
// element). fold must leave a string without upper-case ASCII letters and
// without bytes from 0x80 unchanged, as case folding does: Folded returns
// such a string itself, uncopied. The result is valid until the event is
// changed (Decode, Set, Add, Reset) and must not be retained.
func (e *Event) Folded(slot, elem int, s string, fold func(dst []byte, s string) []byte) string {
	j, n := -1, len(e.cvals) // the value's place in cvals (or sparse), their number
	switch {
	case e.sparse != nil:
		j, n = e.sparseIndex(slot), len(e.sparse)
	case uint(slot) < uint(len(e.idx)):
		j = int(e.idx[slot]) - 1
	}
	if j >= 0 {
		if len(e.ffirst) < n {
			e.ffirst = append(e.ffirst, make([]int32, n-len(e.ffirst))...)
		}
		for k := e.ffirst[j]; k != 0; {
			f := &e.fents[k-1]
			if f.elem == int32(elem) {
				if f.off < 0 {
					return s
				}
				return e.foldStr(f.off, f.n)
			}
			k = f.next
		}
	}
	off, size := int32(-1), int32(0)
	if !foldFree(s) {
		if cap(e.fbuf)-len(e.fbuf) < len(s) {
			// Grow once for this string rather than byte by byte, and
			// enough for the event's next few.
			e.fbuf = slices.Grow(e.fbuf, max(len(s), 2*cap(e.fbuf), 256))
		}
		off = int32(len(e.fbuf))
		e.fbuf = fold(e.fbuf, s)
		size = int32(len(e.fbuf)) - off
	}
	if j >= 0 {
		e.fents = append(e.fents, foldEnt{elem: int32(elem), next: e.ffirst[j], off: off, n: size})
		e.ffirst[j] = int32(len(e.fents))
	}
	if off < 0 {
		return s
	}
	return e.foldStr(off, size)
}

// foldFree reports whether s has no upper-case ASCII letter and no byte
// from 0x80: case folding leaves it as it is. Eight bytes at a time.
func foldFree(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&highs != 0 {
			return false
		}
		// Bytes are < 0x80: adding 0x80-'A' sets a byte's high bit when it
		// is >= 'A', adding 0x80-('Z'+1) when it is > 'Z'; no carries.
		ge := w + (0x80-'A')*ones
		gt := w + (0x80-'Z'-1)*ones
		if ge&^gt&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

func (e *Event) foldStr(off, n int32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&e.fbuf[off], int(n))
}

// ForgetFolded drops the memoised folded strings, as a change of the event
// does: for callers that offer the same retained event again as if it were
// new (benchmarks replaying decoded events).
func (e *Event) ForgetFolded() {
	if len(e.fents) > 0 {
		e.forgetFolded()
	}
}

// forgetFolded drops the memoised folded strings.
func (e *Event) forgetFolded() {
	clear(e.ffirst)
	e.ffirst = e.ffirst[:0]
	e.fents = e.fents[:0]
	e.fbuf = e.fbuf[:0]
}
