package main

import (
	"errors"
	"io"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/evtx"
	"github.com/vigilsec/vigil/source"
	"github.com/vigilsec/vigil/winlog"
)

// winlogJSON returns a normaliser of raw winlog JSON records for one input.
func winlogJSON() source.WinlogFunc {
	n := winlog.NewNormalizer()
	var rec winlog.Record
	return func(line []byte, doc *event.Doc) (string, error) {
		if err := winlog.DecodeJSON(line, &rec); err != nil {
			return "", err
		}
		return n.Normalize(&rec, doc)
	}
}

// evtxDocs reads an EVTX file as ECS documents.
type evtxDocs struct {
	path string
	f    *evtx.File
	n    *winlog.Normalizer
	rec  winlog.Record
}

func openEVTX(path string) (source.DocReader, error) {
	f, err := evtx.Open(path)
	if err != nil {
		return nil, err
	}
	return &evtxDocs{path: path, f: f, n: winlog.NewNormalizer()}, nil
}

func (r *evtxDocs) Close() error { return r.f.Close() }

// Next returns the next record as ECS. Damaged chunks and records are
// reported as non-fatal errors positioned by chunk or record.
func (r *evtxDocs) Next(doc *event.Doc) (string, int64, error) {
	rec, err := r.f.Next()
	if err != nil {
		var ce *evtx.ChunkError
		var re *evtx.RecordError
		switch {
		case errors.Is(err, io.EOF):
			return "", 0, io.EOF
		case errors.As(err, &ce):
			return "", 0, &source.RecordError{Path: r.path, Pos: int64(ce.Chunk) + 1, Unit: "chunk", Err: err}
		case errors.As(err, &re):
			pos := int64(re.RecordID)
			if pos == 0 {
				pos = re.Offset
			}
			return "", 0, &source.RecordError{Path: r.path, Pos: pos, Unit: "record", Err: err}
		}
		return "", 0, err
	}
	winlog.FromEVTX(rec, &r.rec)
	index, err := r.n.Normalize(&r.rec, doc)
	if err != nil {
		return "", int64(rec.ID), &source.RecordError{Path: r.path, Pos: int64(rec.ID), Unit: "record", Err: err}
	}
	return index, int64(rec.ID), nil
}
