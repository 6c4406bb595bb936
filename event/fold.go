package event

import (
	"slices"
	"unsafe"
)

// Folds is storage for the memoised folded strings of an event (see
// Folded). Each event has its own; a caller that evaluates events one at a
// time (an engine) lends one Folds to each event in turn instead
// (UseFolds): the memo's storage then stays warm in cache, and events
// waiting in reordering buffers hold none. The zero Folds is ready.
type Folds struct {
	user  *Event    // the event the memo is of (see UseFolds)
	first []int32   // per value of the event (cvals or sparse): its first memoised folded string
	ents  []foldEnt // the memoised folded strings
	buf   []byte    // their bytes
}

// foldEnt is one memoised folded string: element elem of a value, in
// buf[off:off+n], chained with the other elements of the same value.
type foldEnt struct {
	elem, next, off, n int32
}

// forget drops the memo.
func (f *Folds) forget() {
	clear(f.first)
	f.first = f.first[:0]
	f.ents = f.ents[:0]
	f.buf = f.buf[:0]
}

// UseFolds makes the event memoise folded strings in f, lent by the
// caller, until UseFolds(nil) gives the event back its own. Either drops
// what was memoised. While lent, f must not be used by another event, and
// the caller must take it back (UseFolds(nil)) before lending it again or
// before another goroutine uses the event; strings Folded returned are
// valid until then.
func (e *Event) UseFolds(f *Folds) {
	e.forgetFolded()
	if e.folds != nil && e.folds != &e.ownFolds {
		e.folds.user = nil
	}
	e.folds = f
	if f != nil {
		f.forget()
		f.user = e
	}
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
// changed (Decode, Set, Add, Reset, UseFolds) and must not be retained.
func (e *Event) Folded(slot, elem int, s string, fold func(dst []byte, s string) []byte) string {
	f := e.folds
	if f == nil || f.user != e {
		f = &e.ownFolds
		f.user = e
		e.folds = f
	}
	j, n := -1, len(e.cvals) // the value's place in cvals (or sparse), their number
	switch {
	case e.sparse != nil:
		j, n = e.sparseIndex(slot), len(e.sparse)
	case uint(slot) < uint(len(e.idx)):
		j = int(e.idx[slot]) - 1
	}
	if j >= 0 {
		if len(f.first) < n {
			f.first = append(f.first, make([]int32, n-len(f.first))...)
		}
		for k := f.first[j]; k != 0; {
			ent := &f.ents[k-1]
			if ent.elem == int32(elem) {
				if ent.off < 0 {
					return s
				}
				return f.str(ent.off, ent.n)
			}
			k = ent.next
		}
	}
	off, size := int32(-1), int32(0)
	if !foldFree(s) {
		if cap(f.buf)-len(f.buf) < len(s) {
			// Grow once for this string rather than byte by byte, and
			// enough for the event's next few.
			f.buf = slices.Grow(f.buf, max(len(s), 2*cap(f.buf), 256))
		}
		off = int32(len(f.buf))
		f.buf = fold(f.buf, s)
		size = int32(len(f.buf)) - off
	}
	if j >= 0 {
		f.ents = append(f.ents, foldEnt{elem: int32(elem), next: f.first[j], off: off, n: size})
		f.first[j] = int32(len(f.ents))
	}
	if off < 0 {
		return s
	}
	return f.str(off, size)
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

func (f *Folds) str(off, n int32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&f.buf[off], int(n))
}

// ForgetFolded drops the memoised folded strings, as a change of the event
// does: for callers that offer the same retained event again as if it were
// new (benchmarks replaying decoded events).
func (e *Event) ForgetFolded() {
	e.forgetFolded()
}

// forgetFolded drops the memoised folded strings, if the event has any.
func (e *Event) forgetFolded() {
	if f := e.folds; f != nil && f.user == e && len(f.ents) > 0 {
		f.forget()
	}
}
