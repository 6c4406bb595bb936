package input

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// jsonReader reads JSON documents: one per line, or the elements of an
// array.
type jsonReader struct {
	o      *Opener
	st     recordState
	closer io.Closer
	br     *bufio.Reader // the stream, kept for putReader at Close
	lines  *chunkLines
	array  *arraySplitter
	done   bool
	fixed  []byte // a record with invalid UTF-8 replaced
	winlog *winlogJSON
	index  string // the index a RecordDecoder's caller names for the record ("" for none)
}

// utf8BOM is the byte-order mark some Windows tools write at the start of
// a text file.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// newJSONReader reads JSON from br, whose first bytes have been sniffed.
func (o *Opener) newJSONReader(name string, br *bufio.Reader, closer io.Closer) (Reader, error) {
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	r := &jsonReader{o: o, st: recordState{path: name, unit: "line"}, closer: closer, br: br}
	if c := firstNonSpace(br); c == '[' {
		r.array = &arraySplitter{br: br, max: o.opt.MaxRecord}
		if err := r.array.start(); err != nil {
			r.done = true
			return nil, &RecordError{Path: name, Pos: 1, Unit: "line", Err: err, Fatal: true}
		}
		return r, nil
	}
	r.lines = newChunkLines(br, o.opt.MaxRecord)
	return r, nil
}

// firstNonSpace returns the first byte after white space without
// consuming it (0 at the end of the stream).
func firstNonSpace(br *bufio.Reader) byte {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i {
			return 0
		}
		switch c := b[i-1]; c {
		case ' ', '\t', '\r', '\n':
			if err != nil {
				return 0
			}
			if i == br.Size() {
				// Only white space in a whole buffer: drop it.
				br.Discard(i)
				i = 0
			}
		default:
			return c
		}
	}
}

func (r *jsonReader) Unit() string { return "line" }

func (r *jsonReader) Close() error {
	r.lines.release()
	if r.br != nil {
		// Its records were copied or borrowed from chunks, not from
		// br's buffer.
		putReader(r.br)
		r.br, r.lines, r.array, r.done = nil, nil, nil, true
	}
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Next decodes the next document into ev.
func (r *jsonReader) Next(ev *event.Event) error {
	rec, pos, err := r.frame()
	if err != nil {
		return err
	}
	return r.decode(r.own(ev, rec), ev, pos)
}

// own makes a record ev's: it borrows the record's line from the chunk
// it was read into (Event.Borrow), with room there for the strings
// Decode unescapes, while the chunks lend; or copies it into ev's
// storage (Event.Own). When the input's last record was a raw winlog
// one, the record is borrowed too but without the chunk's room:
// decodeRaw writes its strings to ev's own storage (Event.Spare), where
// a copied record is given room for them at once (Event.Reserve). Copying
// every raw record cost a pass over its bytes (6% of a 1-core hunt over
// the raw corpus); it was done because raw events, let go by the merge's
// pool more often, kept borrowed chunks out until a collection, and peak
// RSS grew by a tenth. Measured again (Dec 2026, hunt over the raw
// corpus), borrowing left peak RSS where copying had it (139-148 MiB on
// 1 core, 148-155 on 2) and took ~3% less CPU. Not after a mapped record
// (an ECS input with a few raw-looking records), whose like are not
// decoded as raw.
func (r *jsonReader) own(ev *event.Event, rec []byte) []byte {
	if r.rawRecords() {
		if c := r.lines.chunkOf(rec); c != nil && chunks.Lend() {
			return ev.Borrow(c, rec)
		}
		ev.Reserve(2 * len(rec))
		return ev.Own(rec)
	}
	if c := r.lines.chunkOf(rec); c != nil && chunks.Lend() {
		rec = ev.Borrow(c, rec)
		ev.UseRoom(c, r.lines.room())
		return rec
	}
	return ev.Own(rec)
}

// rawRecords reports whether the input's last record was a raw winlog
// one, not mapped: its next is decoded as raw first (see own).
func (r *jsonReader) rawRecords() bool {
	return r.winlog != nil && !r.winlog.mapped && r.o.opt.RawWinlog == nil
}

// lend is own for a decoder of Ahead, r its own state: rec lies in chunk
// c (nil: in no chunk) that another goroutine reads into, so the event
// may borrow rec but not the room after it. A raw winlog record is
// borrowed too, as own does: its strings go to ev's own storage.
func (r *jsonReader) lend(ev *event.Event, c *event.Chunk, rec []byte) []byte {
	if c != nil && chunks.Lend() {
		return ev.Borrow(c, rec)
	}
	return ev.Own(rec)
}

// frame returns the next document's bytes, valid until the next call, and
// its line; the errors are Next's.
func (r *jsonReader) frame() (rec []byte, pos int64, err error) {
	for {
		if r.done {
			return nil, 0, io.EOF
		}
		if r.array != nil {
			rec, err = r.array.next()
			pos = r.array.line
		} else {
			rec, err = r.lines.next()
			pos = r.lines.line
		}
		switch {
		case err == nil:
		case err == io.EOF:
			r.done = true
			return nil, 0, io.EOF
		case isTooLong(err):
			return nil, pos, &RecordError{Path: r.st.path, Pos: pos, Unit: "line", Err: err}
		default:
			// A read error of the stream, or an array that cannot be
			// split further: it would repeat, so the input ends here.
			r.done = true
			if r.array == nil {
				pos++
			} else {
				pos = r.array.cur
			}
			return nil, pos, &RecordError{Path: r.st.path, Pos: pos, Unit: "line", Err: err, Fatal: true}
		}
		rec = bytes.TrimSpace(rec)
		if len(rec) == 0 {
			continue
		}
		if !utf8.Valid(rec) {
			// As Elasticsearch indexes it: invalid bytes become U+FFFD.
			r.fixed = appendValidUTF8(r.fixed[:0], rec)
			rec = r.fixed
		}
		return rec, pos, nil
	}
}

// isTooLong reports whether err is an errTooLong. (A variable for
// errors.As in frame itself would be allocated on every call.)
func isTooLong(err error) bool {
	var tl errTooLong
	return errors.As(err, &tl)
}

// appendValidUTF8 appends b with each invalid byte replaced by U+FFFD.
func appendValidUTF8(dst, b []byte) []byte {
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		if c == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, b[:size]...)
		}
		b = b[size:]
	}
	return dst
}

// decode decodes one JSON document (owned by ev) into ev, and takes
// back the room for strings own lent it.
func (r *jsonReader) decode(data []byte, ev *event.Event, pos int64) error {
	err := r.decodeDoc(data, ev, pos)
	if r.lines != nil {
		r.lines.kept(ev.TakeRoom())
	}
	if err != nil {
		return err
	}
	r.o.finish(ev, &r.st)
	return nil
}

// decodeDoc is decode without finish, which keeps per-input state: it
// may run on several goroutines, each with its own jsonReader.
func (r *jsonReader) decodeDoc(data []byte, ev *event.Event, pos int64) error {
	o := r.o
	ev.Source, ev.Pos = r.st.path, pos
	// Once an input has given a raw winlog record, its records are
	// decoded as raw records first, the schema's decoding of the line
	// would be thrown away by LoadDoc; but not after a mapped record (an
	// input of mapped documents with a few raw-looking ones), whose like
	// would be decoded twice. A raw one among those is decoded twice
	// instead, as an input's first raw record is.
	w := r.winlog
	raw := w != nil && o.opt.RawWinlog == nil && !w.mapped && w.decodeRaw(data, ev)
	if !raw {
		if err := o.opt.Schema.Decode(data, ev); err != nil {
			return &RecordError{Path: r.st.path, Pos: pos, Unit: r.st.unit, Err: err}
		}
		if o.isRawWinlog(ev) {
			if r.winlog == nil {
				r.winlog = &winlogJSON{n: o.normalizer()}
				r.winlog.rec.UnescapeMessage = o.opt.KeepEventData
			}
			if err := winlog.DecodeJSON(data, &r.winlog.rec); err != nil {
				return &RecordError{Path: r.st.path, Pos: pos, Unit: r.st.unit, Err: err}
			}
			r.winlog.mapped = false
			raw = true
		} else if w != nil {
			w.mapped = o.pipelineMapped(ev)
		}
	}
	if raw {
		if err := r.winlog.load(o, data, ev); err != nil {
			return &RecordError{Path: r.st.path, Pos: pos, Unit: r.st.unit, Err: err}
		}
	}
	if r.index != "" {
		ev.Index = r.index
	}
	return nil
}

// winlogJSON maps raw winlog JSON records of one input to ECS.
type winlogJSON struct {
	n   *winlog.Normalizer
	rec winlog.Record
	// mapped: the last record was one an ingest pipeline had mapped.
	mapped bool
	// doc is the document of the last record, when events keep their
	// documents lazily (see load).
	doc event.Doc
}

// load maps the decoded record (of data, the event's own bytes) into ev.
// Without KeepEventData the event gets only the fields the schema has
// slots for (the Normalizer leaves out most fields no slot takes) and
// a lazy document that winlog.JSONMapper builds again from
// data when it is written out (an alert's event): the whole document is
// most of a record's cost and is read for few events. Sigma's keyword
// searches read every event's document, so with KeepEventData the
// document is built and kept whole, as it is for Options.WholeDocs.
// A lazily mapped event is Restorable (o.raw): its snapshots (a held
// tick, a sequence's partial match) keep only data, as an ECS
// document's keep only the document, rather than a clone of its values.
func (w *winlogJSON) load(o *Opener, data []byte, ev *event.Event) error {
	if o.opt.KeepEventData || o.opt.WholeDocs {
		d := ev.NewDoc()
		index, err := w.n.Normalize(&w.rec, d)
		if err != nil {
			return err
		}
		ev.OwnDocReusing(d, w.n.Reused(&w.rec))
		o.opt.Schema.LoadDoc(d, ev)
		ev.Index = index
		return nil
	}
	w.n.Only = o.opt.Schema
	index, err := w.n.Normalize(&w.rec, &w.doc)
	if err != nil {
		return err
	}
	o.opt.Schema.LoadDocLazyMoving(&w.doc, w.n.Slotted(), ev, w.n.Written(), w.rec.Unescaped(), data, winlog.JSONMapper)
	ev.Index = index
	ev.Restorable(o.raw, data)
	return nil
}

// decodeRaw decodes data into w.rec and reports whether it is a raw
// record as Opener.isRawWinlog would judge it: it has a winlog.channel
// and none of the fields only ingest pipelines add. A record that names
// one of them (winlog.Record.Mapped) or that does not decode is left to
// the schema's decoding, which reports errors as for any record.
//
// When events keep their documents lazily (load set the normaliser's
// Only), the strings it unescapes go to the record's own buffer, which
// stays hot in cache, and LoadDocLazy copies to the event only those of
// them that fill a slot (a few dozen bytes of a record's 124 unescaped
// at the median, 400 on average, over the winlog corpus). Giving the
// decoder room in the event's storage instead (the record's length, 1.9
// KB on average) grew every pooled event's storage to the longest
// record it had held and made a fresh one allocate that much: 10 KB of
// storage an event against 4 KB for ECS input. A whole document
// (KeepEventData, WholeDocs) keeps every string, so its strings are
// written to ev's storage, where OwnDocReusing need not copy them; the
// room asked for is the record's length, which they outgrow only
// through long shipper prefixes (then the decoder's own buffer, which
// the event's values keep alive, takes the rest; what is kept depends
// only on the record, so Size does not depend on the event's history).
func (w *winlogJSON) decodeRaw(data []byte, ev *event.Event) bool {
	var err error
	if w.n.Only != nil {
		err = winlog.DecodeJSON(data, &w.rec)
	} else {
		var buf []byte
		buf, err = winlog.DecodeJSONTo(data, &w.rec, ev.Spare(len(data)))
		ev.Keep(buf)
	}
	w.mapped = w.rec.Mapped
	return err == nil && w.rec.Channel != "" && !w.rec.Mapped
}

// pipelineMapped reports whether a decoded event names one of the fields
// that only ingest pipelines add (see Opener.isRawWinlog), as
// winlog.Record.Mapped does of a raw decoding.
func (o *Opener) pipelineMapped(ev *event.Event) bool {
	return ev.Get(o.evCategory).Exists() || ev.Get(o.evModule).Exists() || ev.Get(o.evIngested).Exists()
}
