package input

import (
	"sync"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// rawRestorer decodes raw winlog JSON events again from their records
// (event.Restorer), for their snapshots: with the same steps and the same
// schema as the reader that first decoded them (winlog.DecodeJSON and
// winlogJSON.load, with the normalizer's Only set as load sets it), so
// that a held tick or a sequence's retained snapshot of a raw record keeps
// only the record, as one of an ECS document does. Each restore borrows a
// mapping state (a normalizer and its record) from a pool: engines restore
// on their own goroutines.
type rawRestorer struct {
	o     *Opener
	state sync.Pool // of *winlogJSON
}

// Restore decodes rec, the event's own, into ev as the reader did. The
// reader decided the record was raw (by its fields, or Options.RawWinlog),
// so it is mapped as such whatever it holds.
func (r *rawRestorer) Restore(rec []byte, ev *event.Event) error {
	w, _ := r.state.Get().(*winlogJSON)
	if w == nil {
		w = &winlogJSON{n: r.o.normalizer()}
	}
	defer r.state.Put(w)
	if err := winlog.DecodeJSON(rec, &w.rec); err != nil {
		return err
	}
	return w.load(r.o, rec, ev)
}
