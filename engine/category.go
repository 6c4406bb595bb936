package engine

import "github.com/vigilsec/vigil/event"

// categories assigns each event category that some rule filters on a bit,
// so that the category prefilter is a mask test.
type categories struct {
	bits map[string]uint64
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
	return b
}

// mask returns the bits of the categories an event has.
func (c *categories) mask(v event.Value) uint64 {
	var m uint64
	v.Each(func(e event.Value) bool {
		if e.Kind() == event.KindString {
			m |= c.bits[e.Str()]
		}
		return false
	})
	return m
}
