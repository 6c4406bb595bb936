package server

import (
	"runtime"
	"sync"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// decoder turns ingested documents into events as a hunt decodes a file's
// (input.RecordDecoder: ECS documents as they are, raw Windows records
// mapped to ECS), under the index the request named and the id the client
// gave.
type decoder struct {
	rec *input.RecordDecoder
	// held tells the events the rules waiting for event-time order
	// can use (nil: not asked, as for a decoder of a schema alone).
	held *engine.Filter
}

func newDecoder(s *event.Schema) *decoder {
	return &decoder{rec: input.NewOpener(input.Options{Schema: s}).NewRecordDecoder("_bulk")}
}

// newRuleDecoder is newDecoder for a rule set: Sigma rules read the raw
// event data of Windows records (input.Options.KeepEventData).
func newRuleDecoder(rs *engine.RuleSet) *decoder {
	opt := input.Options{Schema: rs.Schema(), KeepEventData: rs.HasSigma()}
	_, ordered := rs.SplitArrival()
	return &decoder{rec: input.NewOpener(opt).NewRecordDecoder("_bulk"), held: ordered.NewFilter()}
}

// hold returns what the pipeline keeps of a decoded event, and whether
// it will wait for event-time order: an event some ordered rule can use
// (held.Wants) is copied compactly (Event.Clone: the slots holding a value
// and the document, about half the memory) and the decoded event given
// back to free at once, so that decoding reuses warm events rather than
// growing new ones while thousands wait; any other event is kept as it
// is, to be given back once the rules judging events on arrival have seen
// it. The request handlers (decoder) and the pipeline (a replay, or a
// document decoded again after a reload) both hold through it.
func hold(held *engine.Filter, ev *event.Event, free func(*event.Event)) (*event.Event, bool) {
	if !held.Wants(ev) {
		return ev, false
	}
	c := ev.Clone()
	free(ev)
	return c, true
}

// decode decodes a document sent to index with the id the client gave it
// ("" for none); pos (the log record's number) places it in messages.
func (d *decoder) decode(pos int64, src []byte, index, id string, ev *event.Event) error {
	if err := d.rec.DecodeIndexed(pos, src, index, ev); err != nil {
		return err
	}
	ev.ID = id
	return nil
}

// decoders decode ingested documents on the goroutines that receive them
// (the request handlers), before they are acknowledged: decoding is the
// check that a document can be evaluated, and it is most of the work of a
// document, which the pipeline's one goroutine is then spared. A reload
// may add fields to the schema: mu is held for reading while decoding and
// for writing while the schema grows; gen counts reloads, and an event
// decoded under an older generation is decoded again by the pipeline.
// Requests decode a few at a time (slots): the events decoded and not yet
// queued for the pipeline, where BacklogBytes bounds them, are bounded
// however many clients send at once; a request waiting holds only its
// body.
type decoders struct {
	mu    sync.RWMutex
	rs    *engine.RuleSet
	gen   uint64
	pool  *sync.Pool // *decoder for rs
	slots chan struct{}
}

func newDecoders(rs *engine.RuleSet) *decoders {
	return &decoders{rs: rs, pool: &sync.Pool{}, slots: make(chan struct{}, max(4, 2*runtime.GOMAXPROCS(0)))}
}

// acquire waits for a request's turn to decode; release ends it (once its
// events are queued or given back).
func (ds *decoders) acquire() { ds.slots <- struct{}{} }
func (ds *decoders) release() { <-ds.slots }

// decode decodes docs into events taken from newEvent; a document that
// cannot be decoded has a nil event (given back to free) and its error.
// An event held[i] is a compact copy that waits for event-time order
// (hold). It returns the generation of the schema the events
// were decoded with.
func (ds *decoders) decode(docs []doc, lines []int, newEvent func() *event.Event, free func(*event.Event), evs []*event.Event, held []bool, errs []error) uint64 {
	ds.mu.RLock()
	defer ds.mu.RUnlock()
	d, _ := ds.pool.Get().(*decoder)
	if d == nil {
		d = newRuleDecoder(ds.rs)
	}
	for i, doc := range docs {
		ev := newEvent()
		if err := d.decode(int64(lines[i]), doc.source, doc.index, doc.id, ev); err != nil {
			errs[i] = err
			free(ev)
			continue
		}
		evs[i], held[i] = hold(d.held, ev, free)
	}
	ds.pool.Put(d)
	return ds.gen
}

// update switches to rs, compiled by compile with the writer's lock held
// (compiling adds the new rules' fields to the schema); on success, events
// decoded before are of an older generation.
func (ds *decoders) update(compile func() (*engine.RuleSet, bool)) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	rs, ok := compile()
	if !ok {
		return
	}
	ds.rs, ds.pool = rs, &sync.Pool{}
	ds.gen++
}
