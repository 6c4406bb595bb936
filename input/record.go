package input

import (
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
)

// RecordDecoder decodes single JSON documents that arrive already framed,
// such as Kafka records or the documents of a _bulk request, with the same
// mapping, index and time rules as a file. It is not safe for concurrent
// use: one per stream (it keeps the stream's raw winlog mapping state and
// index names).
type RecordDecoder struct {
	r jsonReader
}

// NewRecordDecoder returns a decoder whose errors name the stream name.
func (o *Opener) NewRecordDecoder(name string) *RecordDecoder {
	return &RecordDecoder{r: jsonReader{o: o, st: recordState{path: name, unit: "record"}}}
}

// Opener returns the opener that made d.
func (d *RecordDecoder) Opener() *Opener { return d.r.o }

// Decode decodes one document into ev (recycled by the caller); pos is its
// position in the stream (an offset, a record number) for messages. The
// document is copied into ev. Invalid UTF-8 becomes U+FFFD and a document
// longer than Options.MaxRecord is refused, as for files.
func (d *RecordDecoder) Decode(pos int64, data []byte, ev *event.Event) error {
	return d.DecodeIndexed(pos, data, "", ev)
}

// DecodeIndexed is Decode for a document whose index the stream names (a
// _bulk action's _index): with index not empty, the event's index is that
// one and the document's own index fields are not looked at.
func (d *RecordDecoder) DecodeIndexed(pos int64, data []byte, index string, ev *event.Event) error {
	d.r.index = index
	if len(data) > d.r.o.opt.MaxRecord {
		return &RecordError{Path: d.r.st.path, Pos: pos, Unit: "record", Err: errTooLong{d.r.o.opt.MaxRecord}}
	}
	if !utf8.Valid(data) {
		d.r.fixed = appendValidUTF8(d.r.fixed[:0], data)
		data = d.r.fixed
	}
	return d.r.decode(d.r.own(ev, data), ev, pos)
}
