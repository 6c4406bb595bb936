package event

// Verdict is what was decided about an event before it was put in time
// order (engine.Judge, in the goroutine that read it, while it is still
// in cache): which rules that judge each event alone matched it, which
// other rules the rule index would offer it, and whether it is an
// indicator for threat_match rules. An event of which nothing is left to
// do travels on as a Tick: only its time, position and source, its
// storage handed back at once.
type Verdict struct {
	// Judged says the verdict was given; the rest means nothing without.
	Judged bool
	// Tick marks an event that carries only its time, Seq, Pos and
	// Source (see above): no values, no document, no index.
	Tick bool
	// Size is, in a tick, the Size of the event it stands for: a
	// reorder window counts the tick as that event, so that it releases
	// events exactly as it would have without ticks.
	Size int
	// Indicator says a threat_match rule's threat_index selects the
	// event's index.
	Indicator bool
	// Matches are the judged rules that matched.
	Matches []Match
	// Offers are the other rules to offer the event to, in time order.
	Offers []Offer
	// Held is how many of the Offers are seldom made in order (a later
	// stage's, or an indicator match rule's that had no indicator when
	// the event was judged): those alone do not keep its values. Such an
	// event travels on as a tick that holds a snapshot of its record and
	// its Offers, decoded again in order only if one is made (see
	// engine's held offers).
	Held int
}

// Match is a rule that matched an event: its number in the rule set and
// the event time its alert is charged at (the rule's timestamp_override,
// else the event's time).
type Match struct {
	Rule int32
	Time int64
}

// Offer is a rule the event is to be offered to, by its number in the
// rule set; Later says only if the rule is then waiting for a later stage
// of a sequence.
type Offer struct {
	Rule  int32
	Later bool
}

// Keep reports whether the event's values are still needed in order.
func (v *Verdict) Keep() bool {
	return !v.Judged || v.Indicator || len(v.Matches) > 0 || len(v.Offers) > v.Held
}

// reset forgets the verdict, keeping the room of its lists.
func (v *Verdict) reset() {
	m, o := v.Matches[:0], v.Offers[:0]
	*v = Verdict{Matches: m, Offers: o}
}
