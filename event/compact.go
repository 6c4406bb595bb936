package event

// NewCompact returns an empty compact event (the read-only form Clone
// makes) with raw as its document and room for n values, for a caller
// that holds its own copy of an event's bytes and hands that copy over
// instead of having Clone copy it again: eql/sequence turns its copies
// into result events this way. raw, and the strings and array elements
// of the values given to PutCompact, become the event's: the caller must
// never change them afterwards.
func NewCompact(raw []byte, n int) *Event {
	// A few values share the event's allocation: one object to allocate
	// and collect instead of two.
	var e *Event
	switch {
	case n <= 2:
		c := new(compactN[[2]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	case n <= 4:
		c := new(compactN[[4]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	case n <= 6:
		c := new(compactN[[6]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	case n <= 8:
		c := new(compactN[[8]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	case n <= 12:
		c := new(compactN[[12]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	case n <= 16:
		c := new(compactN[[16]slotValue])
		e = &c.e
		e.sparse = c.vals[:0:n]
	default:
		e = &Event{sparse: make([]slotValue, 0, n)}
	}
	e.Raw = raw
	return e
}

// RenewCompact returns e, an event NewCompact made that nothing uses any
// more, emptied to be what NewCompact(raw, n) returns, or a new one when
// e is nil or has no room for n values: a caller that is handed back the
// events it made reuses them instead of allocating (eql/sequence's
// results, see sequence.Matcher.Recycle).
func RenewCompact(e *Event, raw []byte, n int) *Event {
	if e == nil || e.sparse == nil || cap(e.sparse) < n {
		return NewCompact(raw, n)
	}
	vals := e.sparse[:0]
	clear(vals[:cap(vals)])
	*e = Event{sparse: vals, Raw: raw}
	return e
}

// compactN is an event allocated with room for its values; the sizes
// step so that the object stays near its size class (an event is 472
// bytes, a slot and its value 40).
type compactN[A [2]slotValue | [4]slotValue | [6]slotValue | [8]slotValue | [12]slotValue | [16]slotValue] struct {
	e    Event
	vals A
}

// PutCompact stores the value of a slot in an event made by NewCompact,
// which must not hold that slot yet. Slots may come in any order; they
// cost least in ascending order (a decoder's order is mostly that). On
// any other event it is Set.
func (e *Event) PutCompact(slot int, v Value) {
	if e.sparse == nil {
		e.Set(slot, v)
		return
	}
	sp := append(e.sparse, slotValue{slot: int32(slot), v: v})
	// Keep the slots sorted, for sparseIndex's binary search.
	i := len(sp) - 1
	for i > 0 && sp[i-1].slot > int32(slot) {
		sp[i] = sp[i-1]
		i--
	}
	sp[i] = slotValue{slot: int32(slot), v: v}
	e.sparse = sp
}
