package event

import "unsafe"

// foldEnt is one memoised folded string: element elem of a value, in
// fbuf[off:off+n], chained with the other elements of the same value.
type foldEnt struct {
	elem, next, off, n int32
}

// Folded returns s, the string element elem of the value in slot (elem 0
// for a scalar), transformed by fold (case folding, as package eql folds
// for case-insensitive tests and rule indexes), computing it at most once
// per event: rule indexes and every rule's case-insensitive tests of the
// same value share one folded copy, as the value is lower-cased once per
// event, not once per rule. fold must be the same function in every call
// on an event, and s the value's string (the memo is keyed by slot and
// element). The result is valid until the event is changed (Decode, Set,
// Add, Reset) and must not be retained.
func (e *Event) Folded(slot, elem int, s string, fold func(dst []byte, s string) []byte) string {
	j := -1 // the value's place in cvals
	if uint(slot) < uint(len(e.idx)) {
		j = int(e.idx[slot]) - 1
	}
	if j >= 0 {
		if len(e.ffirst) < len(e.cvals) {
			e.ffirst = append(e.ffirst, make([]int32, len(e.cvals)-len(e.ffirst))...)
		}
		for k := e.ffirst[j]; k != 0; {
			f := &e.fents[k-1]
			if f.elem == int32(elem) {
				return e.foldStr(f.off, f.n)
			}
			k = f.next
		}
	}
	off := len(e.fbuf)
	e.fbuf = fold(e.fbuf, s)
	n := len(e.fbuf) - off
	if j >= 0 {
		e.fents = append(e.fents, foldEnt{elem: int32(elem), next: e.ffirst[j], off: int32(off), n: int32(n)})
		e.ffirst[j] = int32(len(e.fents))
	}
	return e.foldStr(int32(off), int32(n))
}

func (e *Event) foldStr(off, n int32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&e.fbuf[off], int(n))
}

// forgetFolded drops the memoised folded strings.
func (e *Event) forgetFolded() {
	clear(e.ffirst)
	e.ffirst = e.ffirst[:0]
	e.fents = e.fents[:0]
	e.fbuf = e.fbuf[:0]
}
