package evtx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"
)

// The fuzz targets check that no input makes the reader panic, hang or
// allocate without bound. Each drives the whole pipeline below its level
// and renders every record as XML too.

// drain reads every record of a File, rendering XML, with a bound on the
// number of calls so a bug cannot loop forever.
func drain(t *testing.T, f *File) {
	var buf []byte
	for i := 0; i < 100000; i++ {
		r, err := f.Next()
		if err == io.EOF {
			return
		}
		if r != nil {
			buf = r.AppendXML(buf[:0])
			_ = r.Clone()
		}
	}
	t.Fatal("Next did not reach io.EOF")
}

// seedChunks returns chunks built by the test builder: templates, arrays,
// nested BinXml and records without templates.
func seedChunks() [][]byte {
	var out [][]byte
	out = append(out, simpleChunk(1, 3))
	c := newChunkBuilder(1)
	c.record(1, 0, func() {
		c.fragment()
		c.templateInstance(0, c.eventTemplate([]string{"A", "B", "C"}), append(systemValues(1),
			tv{vtArray | vtString, cat(str16("a"), str16("b"))},
			tv{vtArray | vtSID, cat(sid(5, 18), sid(5, 32, 544))},
			tv{vtBinXml, nil}))
		c.eof()
	})
	out = append(out, c.bytes(1))
	c = newChunkBuilder(1)
	c.record(1, 0, func() {
		c.fragment()
		c.open("Event", true, false)
		c.attr("xmlns", false)
		c.text("x")
		c.closeStart()
		c.open("System", false, false)
		c.closeStart()
		c.open("EventID", false, false)
		c.closeStart()
		c.text("4624")
		c.charRef(0x41)
		c.entity("amp")
		c.cdata("c")
		c.end()
		c.end()
		c.pi("t", "d")
		c.end()
		c.eof()
	})
	out = append(out, c.bytes(1))
	return out
}

// fixChunk makes the checksums of a chunk valid so that fuzzing reaches the
// record decoder.
func fixChunk(b []byte) {
	if len(b) < chunkHeaderSize {
		return
	}
	copy(b, chunkMagic)
	le := binary.LittleEndian
	free := int(le.Uint32(b[48:]))
	if free < chunkHeaderSize || free > len(b) {
		free = len(b)
		le.PutUint32(b[48:], uint32(free))
	}
	le.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:free]))
	le.PutUint32(b[124:], crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize]))
}

func FuzzHeader(f *testing.F) {
	f.Add(fileBytes(0, 1, simpleChunk(1, 1))[:fileHeaderSize])
	f.Add(fileBytes(FlagDirty|FlagFull, 0)[:fileHeaderSize])
	f.Add([]byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHeader(data)
		if err == nil {
			_ = h.Dirty()
		}
		// a header followed by one valid chunk
		b := append(append([]byte{}, data...), make([]byte, max(0, fileHeaderSize-len(data)))...)
		b = append(b[:fileHeaderSize], simpleChunk(1, 2)...)
		file, err := NewFile(bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil {
			return
		}
		file.SetWorkers(1)
		drain(t, file)
		file.Close()
	})
}

func FuzzChunk(f *testing.F) {
	for _, c := range seedChunks() {
		f.Add(c[:binary.LittleEndian.Uint32(c[48:])])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > chunkSize {
			data = data[:chunkSize]
		}
		chunk := append([]byte{}, data...)
		fixChunk(chunk) // not padded to 64 KiB: the reader takes a short last chunk
		b := fileBytes(0, 1, chunk)
		for _, workers := range []int{1, 2} {
			file, err := NewFile(bytes.NewReader(b), int64(len(b)), "fuzz")
			if err != nil {
				t.Fatal(err)
			}
			file.SetWorkers(workers)
			drain(t, file)
			file.Close()
		}
	})
}

// FuzzBinXML fuzzes the BinXml of one record (the bytes after the record
// header) inside a valid chunk; offsets in the BinXml are chunk-relative,
// the record's BinXml starting at 0x218.
func FuzzBinXML(f *testing.F) {
	for _, c := range seedChunks() {
		size := binary.LittleEndian.Uint32(c[chunkHeaderSize+4:])
		f.Add(c[chunkHeaderSize+recordHeader : chunkHeaderSize+int(size)-4])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > chunkSize-chunkHeaderSize-recordHeader-4 {
			return
		}
		c := newChunkBuilder(1)
		c.record(1, 0, func() { c.buf = append(c.buf, data...) })
		chunk := c.bytes(1)
		b := fileBytes(0, 1, chunk[:max(len(c.buf), chunkHeaderSize+8)]) // no padding: cheaper runs
		file, err := NewFile(bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		file.SetWorkers(1)
		drain(t, file)
		file.Close()
	})
}
