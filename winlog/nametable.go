package winlog

import "math/bits"

// nameTable finds the nameInfo of an event data name. Every parameter of
// every record meets it (a few dozen a record), so it is not a Go map,
// whose AES hash of the whole name was a fifth of Normalize: a
// multiply-shift hash of the name's length and its first and last eight
// bytes picks the first slot of an open-addressing table kept at most half
// full, and a slot holds that word, so a probe compares a name only when
// the words agree.
type nameTable struct {
	slots []nameSlot // power of two; name "" with w 0: empty
	n     int
}

type nameSlot struct {
	w    uint64
	name string
	info nameInfo
}

// nameWord folds a name into one word: its length and its first and last
// eight bytes (fewer for shorter names).
func nameWord(s string) uint64 {
	n := len(s)
	var w uint64
	switch {
	case n >= 8:
		w = le64(s) ^ bits.RotateLeft64(le64(s[n-8:]), 29)
	case n >= 4:
		w = uint64(le32(s)) | uint64(le32(s[n-4:]))<<32
	case n > 0:
		w = uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
	}
	return w ^ uint64(n)<<56 | 1 // never 0: 0 marks an empty slot
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// start is the slot a word's probe begins at.
func (t *nameTable) start(w uint64) uint64 {
	return (w * 0x9e3779b97f4a7c15) >> (64 - bits.Len(uint(len(t.slots)-1)))
}

// get returns the nameInfo of name.
func (t *nameTable) get(name string) (nameInfo, bool) {
	if len(t.slots) == 0 {
		return nameInfo{}, false
	}
	w := nameWord(name)
	mask := uint64(len(t.slots) - 1)
	for i := t.start(w); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.w == w && s.name == name {
			return s.info, true
		}
		if s.w == 0 {
			return nameInfo{}, false
		}
	}
}

// put sets the nameInfo of name, which the table keeps (the caller must
// not change its bytes).
func (t *nameTable) put(name string, info nameInfo) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	w := nameWord(name)
	mask := uint64(len(t.slots) - 1)
	for i := t.start(w); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.w == 0 {
			*s = nameSlot{w: w, name: name, info: info}
			t.n++
			return
		}
		if s.w == w && s.name == name {
			s.info = info
			return
		}
	}
}

// grow doubles the table (to 64 slots at first) and enters its names again.
func (t *nameTable) grow() {
	old := t.slots
	t.slots = make([]nameSlot, max(64, 2*len(old)))
	t.n = 0
	for _, s := range old {
		if s.w != 0 {
			t.put(s.name, s.info)
		}
	}
}

// len returns the number of names.
func (t *nameTable) len() int { return t.n }

// clone returns a copy of the table.
func (t *nameTable) clone() nameTable {
	return nameTable{slots: append([]nameSlot(nil), t.slots...), n: t.n}
}
