package server

import (
	"encoding/binary"
	"errors"
	"slices"
)

// doc is one accepted document: the index it was sent to, the id the
// client gave it ("" when it gave none) and its source.
type doc struct {
	index  string
	id     string
	source []byte
}

// encodeRecord appends to b the WAL record of an ingest request's
// accepted documents: a count, then each document's index, id and source,
// each with its length (uvarints).
func encodeRecord(b []byte, docs []doc) []byte {
	n := binary.MaxVarintLen64
	for _, d := range docs {
		n += 3*binary.MaxVarintLen64 + len(d.index) + len(d.id) + len(d.source)
	}
	b = slices.Grow(b, n)
	b = binary.AppendUvarint(b, uint64(len(docs)))
	for _, d := range docs {
		b = binary.AppendUvarint(b, uint64(len(d.index)))
		b = append(b, d.index...)
		b = binary.AppendUvarint(b, uint64(len(d.id)))
		b = append(b, d.id...)
		b = binary.AppendUvarint(b, uint64(len(d.source)))
		b = append(b, d.source...)
	}
	return b
}

var errRecord = errors.New("damaged ingest record")

// decodeRecord reads a WAL record back; the sources alias b.
func decodeRecord(b []byte) ([]doc, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, errRecord
	}
	b = b[n:]
	docs := make([]doc, 0, count)
	field := func() ([]byte, bool) {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, false
		}
		f := b[n : n+int(l)]
		b = b[n+int(l):]
		return f, true
	}
	for range count {
		idx, ok1 := field()
		id, ok2 := field()
		src, ok3 := field()
		if !ok1 || !ok2 || !ok3 {
			return nil, errRecord
		}
		docs = append(docs, doc{index: string(idx), id: string(id), source: src})
	}
	if len(b) != 0 {
		return nil, errRecord
	}
	return docs, nil
}
