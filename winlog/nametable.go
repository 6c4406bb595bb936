package winlog

import (
	"math/bits"

	"github.com/vigilsec/vigil/internal/keyword"
)

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

// nameWord is keyword.Word of a name, never 0 (0 marks an empty slot).
func nameWord(s string) uint64 { return keyword.Word(s) | 1 }

// start is the slot a word's probe begins at.
func (t *nameTable) start(w uint64) uint64 {
	return (w * 0x9e3779b97f4a7c15) >> (64 - bits.Len(uint(len(t.slots)-1)))
}

// get returns the nameInfo of name.
func (t *nameTable) get(name string) (nameInfo, bool) {
	if s := t.find(name); s != nil {
		return s.info, true
	}
	return nameInfo{}, false
}

// find returns the slot of name, or nil. A slot's name and info do not
// change once put, and stay readable after the table grows.
func (t *nameTable) find(name string) *nameSlot {
	if len(t.slots) == 0 {
		return nil
	}
	w := nameWord(name)
	mask := uint64(len(t.slots) - 1)
	for i := t.start(w); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.w == w && s.name == name {
			return s
		}
		if s.w == 0 {
			return nil
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
