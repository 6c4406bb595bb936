package input

import (
	"errors"
	"io"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/evtx"
	"github.com/vigilsec/vigil/winlog"
)

// evtxReader reads an EVTX file as ECS documents, mapped as Elastic's
// pipelines map Windows records.
type evtxReader struct {
	o      *Opener
	st     recordState
	f      *evtx.File
	closer io.Closer
	count  int64 // bytes to count when done
	n      *winlog.Normalizer
	rec    winlog.Record
	done   bool // closed
	failed bool // a fatal error was returned: the rest is EOF
}

// newEVTXReader reads an EVTX file of size bytes from ra; count is what to
// add to Counters.Bytes when it is done.
func (o *Opener) newEVTXReader(name string, ra io.ReaderAt, size, count int64, closer io.Closer) (Reader, error) {
	f, err := evtx.NewFile(ra, size, name)
	if err != nil {
		return nil, err
	}
	return &evtxReader{o: o, st: recordState{path: name, unit: "record"}, f: f, closer: closer, count: count, n: o.normalizer()}, nil
}

func (r *evtxReader) Unit() string { return "record" }

func (r *evtxReader) Close() error {
	if !r.done {
		r.done = true
		r.o.counters.Bytes.Add(r.count)
	}
	err := r.f.Close()
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Next returns the next record as ECS. Damaged chunks and records are
// reported as non-fatal errors positioned by chunk or record.
func (r *evtxReader) Next(ev *event.Event) error {
	if r.failed {
		return io.EOF
	}
	rec, err := r.f.Next()
	if err != nil {
		var ce *evtx.ChunkError
		var re *evtx.RecordError
		switch {
		case errors.Is(err, io.EOF):
			return io.EOF
		case errors.As(err, &ce):
			r.o.counters.Recovered.Add(int64(ce.Recovered))
			return &RecordError{Path: r.st.path, Pos: int64(ce.Chunk) + 1, Unit: "chunk", Err: stripName(err, r.st.path)}
		case errors.As(err, &re):
			pos := int64(re.RecordID)
			if pos == 0 {
				pos = re.Offset
			}
			return &RecordError{Path: r.st.path, Pos: pos, Unit: "record", Err: stripName(err, r.st.path)}
		}
		r.failed = true
		return &RecordError{Path: r.st.path, Err: stripName(err, r.st.path), Fatal: true}
	}
	d := ev.NewDoc()
	winlog.FromEVTX(rec, &r.rec)
	index, err := r.n.Normalize(&r.rec, d)
	if err != nil {
		ev.Doc = d
		return &RecordError{Path: r.st.path, Pos: int64(rec.ID), Unit: "record", Err: err}
	}
	ev.OwnDoc(d)
	r.o.opt.Schema.LoadDoc(d, ev)
	ev.Source, ev.Pos, ev.Index = r.st.path, int64(rec.ID), index
	r.o.finish(ev, &r.st)
	return nil
}

// stripName drops the file name an evtx error starts with, as the
// RecordError names the file.
func stripName(err error, name string) error {
	msg := err.Error()
	if len(msg) > len(name)+2 && msg[:len(name)] == name && msg[len(name)] == ':' {
		return errors.New(msg[len(name)+2:])
	}
	return err
}
