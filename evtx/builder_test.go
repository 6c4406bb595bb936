package evtx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"unicode/utf16"
)

// This file holds a small EVTX writer for tests: it lays out BinXml, records,
// chunks and a file header the way Windows does, so tests and fuzz seeds can
// build exactly the structures they need.

// chunkBuilder accumulates the records of one chunk. BinXml is written
// straight into the chunk buffer so that chunk-relative offsets (names,
// template definitions) are known while writing.
type chunkBuilder struct {
	buf     []byte
	names   map[string]uint32 // names already written, for reuse by offset
	firstID uint64
	lastID  uint64
	nrec    int
	lastOff int
	noReuse bool // write every name inline
}

func newChunkBuilder(firstID uint64) *chunkBuilder {
	return &chunkBuilder{buf: make([]byte, chunkHeaderSize), names: map[string]uint32{}, firstID: firstID}
}

func (c *chunkBuilder) pos() int { return len(c.buf) }

func (c *chunkBuilder) u8(v byte)    { c.buf = append(c.buf, v) }
func (c *chunkBuilder) u16(v uint16) { c.buf = binary.LittleEndian.AppendUint16(c.buf, v) }
func (c *chunkBuilder) u32(v uint32) { c.buf = binary.LittleEndian.AppendUint32(c.buf, v) }
func (c *chunkBuilder) u64(v uint64) { c.buf = binary.LittleEndian.AppendUint64(c.buf, v) }

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// name writes a name reference: the offset of an earlier copy, or the
// name itself right after the offset.
func (c *chunkBuilder) name(s string) {
	if off, ok := c.names[s]; ok && !c.noReuse {
		c.u32(off)
		return
	}
	off := uint32(c.pos() + 4)
	c.names[s] = off
	c.u32(off)
	c.u32(0) // next name in hash bucket
	c.u16(0) // hash
	c.u16(uint16(len(utf16.Encode([]rune(s)))))
	c.buf = append(c.buf, utf16le(s)...)
	c.u16(0)
}

func (c *chunkBuilder) fragment() { c.buf = append(c.buf, tokFragment, 1, 1, 0) }
func (c *chunkBuilder) eof()      { c.u8(tokEOF) }

// open writes an element start; dep adds the dependency identifier (as in
// template definitions).
func (c *chunkBuilder) open(name string, attrs, dep bool) {
	tok := byte(tokOpenStart)
	if attrs {
		tok |= tokMoreFlag
	}
	c.u8(tok)
	if dep {
		c.u16(0xffff)
	}
	c.u32(0) // data size, unused by the reader
	c.name(name)
	if attrs {
		c.u32(0) // attribute list size
	}
}

func (c *chunkBuilder) attr(name string, more bool) {
	tok := byte(tokAttribute)
	if more {
		tok |= tokMoreFlag
	}
	c.u8(tok)
	c.name(name)
}

func (c *chunkBuilder) closeStart() { c.u8(tokCloseStart) }
func (c *chunkBuilder) closeEmpty() { c.u8(tokCloseEmpty) }
func (c *chunkBuilder) end()        { c.u8(tokEndElement) }

func (c *chunkBuilder) text(s string) {
	c.u8(tokValue)
	c.u8(vtString)
	u := utf16le(s)
	c.u16(uint16(len(u) / 2))
	c.buf = append(c.buf, u...)
}

func (c *chunkBuilder) subst(id uint16, typ byte, optional bool) {
	tok := byte(tokNormalSubst)
	if optional {
		tok = tokOptionalSubst
	}
	c.u8(tok)
	c.u16(id)
	c.u8(typ)
}

func (c *chunkBuilder) cdata(s string) {
	c.u8(tokCDATA)
	u := utf16le(s)
	c.u16(uint16(len(u) / 2))
	c.buf = append(c.buf, u...)
}

func (c *chunkBuilder) charRef(v uint16) { c.u8(tokCharRef); c.u16(v) }
func (c *chunkBuilder) entity(name string) {
	c.u8(tokEntityRef)
	c.name(name)
}
func (c *chunkBuilder) pi(target, data string) {
	c.u8(tokPITarget)
	c.name(target)
	c.u8(tokPIData)
	u := utf16le(data)
	c.u16(uint16(len(u) / 2))
	c.buf = append(c.buf, u...)
}

// tv is one template value.
type tv struct {
	typ  byte
	data []byte
}

// templateInstance writes a template instance. With def != nil the
// definition is written inline (def writes the elements; the fragment
// header and EOF are added) and its offset is returned; otherwise defOff
// refers to an earlier definition.
func (c *chunkBuilder) templateInstance(defOff uint32, def func(), vals []tv) uint32 {
	c.u8(tokTemplate)
	c.u8(1)
	c.u32(0x1234) // template id
	if def != nil {
		defOff = uint32(c.pos() + 4)
		c.u32(defOff)
		c.u32(0)                                   // next definition
		c.buf = append(c.buf, make([]byte, 16)...) // GUID
		sizeAt := c.pos()
		c.u32(0)
		start := c.pos()
		c.fragment()
		def()
		c.eof()
		binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.pos()-start))
	} else {
		c.u32(defOff)
	}
	c.u32(uint32(len(vals)))
	for _, v := range vals {
		c.u16(uint16(len(v.data)))
		c.u8(v.typ)
		c.u8(0)
	}
	for _, v := range vals {
		c.buf = append(c.buf, v.data...)
	}
	return defOff
}

// record writes one event record whose BinXml body is written by body.
func (c *chunkBuilder) record(id, written uint64, body func()) {
	start := c.pos()
	c.buf = append(c.buf, recordMagic...)
	c.u32(0) // size, patched below
	c.u64(id)
	c.u64(written)
	body()
	size := c.pos() - start + 4
	c.u32(uint32(size))
	binary.LittleEndian.PutUint32(c.buf[start+4:], uint32(size))
	if c.nrec == 0 {
		c.firstID = id
	}
	c.lastID = id
	c.nrec++
	c.lastOff = start
}

// bytes finishes the chunk: header fields, checksums, padding to 64 KiB.
func (c *chunkBuilder) bytes(firstNum uint64) []byte {
	b := make([]byte, chunkSize)
	copy(b, c.buf)
	copy(b, chunkMagic)
	le := binary.LittleEndian
	last := firstNum
	if c.nrec > 0 {
		last = firstNum + uint64(c.nrec) - 1
	}
	le.PutUint64(b[8:], firstNum)
	le.PutUint64(b[16:], last)
	le.PutUint64(b[24:], c.firstID)
	le.PutUint64(b[32:], c.lastID)
	le.PutUint32(b[40:], 128)
	le.PutUint32(b[44:], uint32(c.lastOff))
	le.PutUint32(b[48:], uint32(len(c.buf)))
	le.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:len(c.buf)]))
	le.PutUint32(b[124:], crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize]))
	return b
}

// fileBytes assembles a file header and chunks.
func fileBytes(flags uint32, headerChunks uint16, chunks ...[]byte) []byte {
	h := make([]byte, fileHeaderSize)
	copy(h, fileMagic)
	le := binary.LittleEndian
	le.PutUint64(h[16:], uint64(max(int(headerChunks)-1, 0)))
	le.PutUint32(h[32:], 128)
	le.PutUint16(h[36:], 1)
	le.PutUint16(h[38:], 3)
	le.PutUint16(h[40:], fileHeaderSize)
	le.PutUint16(h[42:], headerChunks)
	le.PutUint32(h[120:], flags)
	le.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	var out bytes.Buffer
	out.Write(h)
	for _, c := range chunks {
		out.Write(c)
	}
	return out.Bytes()
}

// eventTemplate writes the definition of a typical event: System with all
// fields from substitutions 0..15, then <EventData> with one <Data Name=N>
// per entry of data, substitution 16+i.
func (c *chunkBuilder) eventTemplate(data []string) func() {
	return func() {
		c.open("Event", true, true)
		c.attr("xmlns", false)
		c.text("http://schemas.microsoft.com/win/2004/08/events/event")
		c.closeStart()
		c.open("System", false, true)
		c.closeStart()

		c.open("Provider", true, true)
		c.attr("Name", true)
		c.subst(0, vtString, true)
		c.attr("Guid", false)
		c.subst(1, vtGUID, true)
		c.closeEmpty()

		c.open("EventID", true, true)
		c.attr("Qualifiers", false)
		c.subst(2, vtUint16, true)
		c.closeStart()
		c.subst(3, vtUint16, true)
		c.end()

		for i, n := range []string{"Version", "Level", "Task", "Opcode", "Keywords"} {
			c.open(n, false, true)
			c.closeStart()
			c.subst(uint16(4+i), []byte{vtUint8, vtUint8, vtUint16, vtUint8, vtHex64}[i], true)
			c.end()
		}
		c.open("TimeCreated", true, true)
		c.attr("SystemTime", false)
		c.subst(9, vtFileTime, true)
		c.closeEmpty()
		c.open("EventRecordID", false, true)
		c.closeStart()
		c.subst(10, vtUint64, true)
		c.end()
		c.open("Correlation", true, true)
		c.attr("ActivityID", true)
		c.subst(11, vtGUID, true)
		c.attr("RelatedActivityID", false)
		c.subst(12, vtGUID, true)
		c.closeEmpty()
		c.open("Execution", true, true)
		c.attr("ProcessID", true)
		c.subst(13, vtUint32, true)
		c.attr("ThreadID", false)
		c.subst(14, vtUint32, true)
		c.closeEmpty()
		c.open("Channel", false, true)
		c.closeStart()
		c.text("Security")
		c.end()
		c.open("Computer", false, true)
		c.closeStart()
		c.text("host.example.com")
		c.end()
		c.open("Security", true, true)
		c.attr("UserID", false)
		c.subst(15, vtSID, true)
		c.closeEmpty()
		c.end() // System

		c.open("EventData", false, true)
		c.closeStart()
		for i, n := range data {
			c.open("Data", true, true)
			c.attr("Name", false)
			c.text(n)
			c.closeStart()
			c.subst(uint16(16+i), vtNull, true)
			c.end()
		}
		c.end() // EventData
		c.end() // Event
	}
}

// templateInstanceDyn is templateInstance for values that must be written
// at their final chunk offset (BinXml values with inline names): each
// value is written by a function and its size patched afterwards.
func (c *chunkBuilder) templateInstanceDyn(def func(), types []byte, write []func()) {
	c.u8(tokTemplate)
	c.u8(1)
	c.u32(0x1234)
	defOff := uint32(c.pos() + 4)
	c.u32(defOff)
	c.u32(0)
	c.buf = append(c.buf, make([]byte, 16)...)
	sizeAt := c.pos()
	c.u32(0)
	start := c.pos()
	c.fragment()
	def()
	c.eof()
	binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.pos()-start))
	c.u32(uint32(len(types)))
	desc := c.pos()
	for _, t := range types {
		c.u16(0)
		c.u8(t)
		c.u8(0)
	}
	for i, w := range write {
		vs := c.pos()
		w()
		binary.LittleEndian.PutUint16(c.buf[desc+4*i:], uint16(c.pos()-vs))
	}
}
