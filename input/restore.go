package input

import (
	"errors"
	"sync"

	"github.com/vigilsec/vigil/event"
)

// rawRestorer decodes raw winlog JSON events again from their records
// (event.Restorer), for their snapshots: with the same steps and the same
// schema as the reader that first decoded them (winlogJSON's decodeRaw and
// load), so that a held tick or a sequence's retained snapshot of a raw
// record keeps only the record, as one of an ECS document does. Each
// restore borrows a mapping state (a normalizer and its record) from a
// pool: engines restore on their own goroutines.
type rawRestorer struct {
	o     *Opener
	state sync.Pool // of *winlogJSON
}

// errNotRaw is what restoring a record that is not a raw winlog one
// gives: never, for a record the reader decoded as one.
var errNotRaw = errors.New("not a raw winlog record")

// Restore decodes rec, the event's own, into ev as the reader did.
func (r *rawRestorer) Restore(rec []byte, ev *event.Event) error {
	w, _ := r.state.Get().(*winlogJSON)
	if w == nil {
		w = &winlogJSON{n: r.o.normalizer()}
		w.n.Only = r.o.opt.Schema // as load sets it, before decodeRaw
	}
	defer r.state.Put(w)
	if !w.decodeRaw(rec, ev) {
		return errNotRaw
	}
	return w.load(r.o, rec, ev)
}
