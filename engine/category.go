package engine

import "github.com/vigilsec/vigil/event"

// categories assigns each event category that some rule filters on a bit,
// so that the category prefilter is a mask test.
type categories struct {
	bits map[string]uint64
	// byHash files each name by catHash, for mask: a table probe and
	// one comparison instead of hashing the value for a map; a slot two
	// names share holds neither (ambiguous), and mask falls back to bits.
	byHash [catTable]catEntry
}

// catTable is the size of categories.byHash.
const catTable = 128

// catEntry is one slot of categories.byHash.
type catEntry struct {
	name      string
	bit       uint64
	ambiguous bool
}

// catHash hashes a category name from its length and outer bytes.
func catHash(s string) int {
	if s == "" {
		return 0
	}
	return (len(s)*37 + int(s[0])*5 + int(s[len(s)-1])) & (catTable - 1)
}

func (c *categories) bit(name string) uint64 {
	if b, ok := c.bits[name]; ok {
		return b
	}
	if c.bits == nil {
		c.bits = make(map[string]uint64)
	}
	if len(c.bits) >= 63 {
		// Out of bits: the category cannot be prefiltered; rules using
		// it are always offered the event.
		return 0
	}
	b := uint64(1) << len(c.bits)
	c.bits[name] = b
	if s := &c.byHash[catHash(name)]; s.bit == 0 && !s.ambiguous {
		s.name, s.bit = name, b
	} else {
		*s = catEntry{ambiguous: true}
	}
	return b
}

// mask returns the bits of the categories an event has.
func (c *categories) mask(v event.Value) uint64 {
	if v.Kind() == event.KindString {
		return c.of(v.Str())
	}
	var m uint64
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if e.Kind() == event.KindString {
				m |= c.of(e.Str())
			}
		}
	}
	return m
}

// of returns the bit of one category name (0: no rule filters on it).
func (c *categories) of(s string) uint64 {
	switch e := &c.byHash[catHash(s)]; {
	case e.ambiguous:
		return c.bits[s]
	case e.name == s:
		return e.bit
	}
	return 0
}
