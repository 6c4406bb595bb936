package evtx

import (
	"encoding/binary"
	"fmt"
)

var recordMagic = []byte{0x2a, 0x2a, 0x00, 0x00}

// dataEnd is the end of the chunk's record data.
func (cs *chunkState) dataEnd() int {
	end := int(cs.hdr.freeSpaceOff)
	if end > len(cs.buf) || end < chunkHeaderSize {
		end = len(cs.buf)
	}
	return end
}

// decodeChunk verifies the chunk in cs.buf and decodes all its records into
// cs.recs (with cs.errs). A chunk that fails verification sets cs.err. When
// only a checksum fails, the records whose own headers and sizes are sound
// are still decoded, as other EVTX readers do by default, and counted in
// the ChunkError.
func (cs *chunkState) decodeChunk() {
	hdr, msg := parseChunkHeader(cs.buf)
	cs.hdr = hdr
	if msg != "" {
		if msg != msgHeaderChecksum && msg != msgDataChecksum {
			cs.err = &ChunkError{File: cs.file, Chunk: cs.index, Offset: cs.offset, Msg: msg}
			return
		}
		defer func() {
			n := 0
			for _, err := range cs.errs {
				if err == nil {
					n++
				}
			}
			cs.err = &ChunkError{File: cs.file, Chunk: cs.index, Offset: cs.offset, Recovered: n,
				Msg: fmt.Sprintf("%s; %d records with sound headers recovered", msg, n)}
		}()
	}
	cs.decodeRecords()
}

// decodeRecords decodes the records of a chunk whose header was read.
func (cs *chunkState) decodeRecords() {
	end := cs.dataEnd()
	w := newWalker(cs)
	for off := chunkHeaderSize; off+recordHeader <= end; {
		b := cs.buf
		if string(b[off:off+4]) != string(recordMagic) {
			if allZero(b[off:end]) {
				return
			}
			cs.addErr(0, off, "bad record magic")
			return
		}
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		id := binary.LittleEndian.Uint64(b[off+8:])
		if size < recordHeader+4 || off+size > end {
			cs.addErr(id, off, "record size out of range")
			return
		}
		if int(binary.LittleEndian.Uint32(b[off+size-4:])) != size {
			cs.addErr(id, off, "record size copy mismatch")
			return
		}
		r := cs.nextRecord()
		r.ID = id
		r.Written = fileTime(binary.LittleEndian.Uint64(b[off+16:]))
		r.Chunk = cs.index
		r.Offset = cs.offset + int64(off)
		r.cs = cs
		cs.budget = recordBudget
		first, _, err := w.p.parseFragment(off+recordHeader, off+size-4, false)
		r.root = ref{node: first}
		if err == nil {
			err = w.extract(r, r.root)
		}
		if err != nil {
			cs.errs[len(cs.errs)-1] = &RecordError{File: cs.file, Chunk: cs.index, RecordID: id,
				Offset: r.Offset, Msg: err.Error()}
		}
		off += size
	}
}

// nextRecord appends a reset record (reusing an old one's slices).
func (cs *chunkState) nextRecord() *Record {
	if len(cs.recs) < cap(cs.recs) {
		cs.recs = cs.recs[:len(cs.recs)+1]
	} else {
		cs.recs = append(cs.recs, Record{})
	}
	r := &cs.recs[len(cs.recs)-1]
	r.reset()
	cs.errs = append(cs.errs, nil)
	return r
}

// addErr records an undecodable record that ends the chunk's records.
func (cs *chunkState) addErr(id uint64, off int, msg string) {
	cs.tailErr = &RecordError{File: cs.file, Chunk: cs.index, RecordID: id,
		Offset: cs.offset + int64(off), Msg: msg}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
