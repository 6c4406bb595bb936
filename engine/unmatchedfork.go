package engine

import "slices"

// Fork returns an Unmatched that learns the same rules' needs from events
// observed in another goroutine (a hunt observes events where they are
// decoded, see Arrived); Merge adds what it saw. It may be called while
// u observes nothing.
func (u *Unmatched) Fork() *Unmatched {
	return &Unmatched{needs: u.needs, schema: u.schema, want: slices.Clone(u.want), left: u.left, seen: map[string]bool{}}
}

// Merge adds the fields a fork saw, and its events.
func (u *Unmatched) Merge(f *Unmatched) {
	u.events += f.events
	for name, saw := range f.seen {
		if slot := u.schema.Slot(name); saw && slot < len(u.want) && u.want[slot] {
			u.saw(slot)
		}
	}
}
