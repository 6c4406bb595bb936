package evtx

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Sizes fixed by the format.
const (
	fileHeaderSize  = 4096
	chunkSize       = 65536
	chunkHeaderSize = 512
	recordHeader    = 24 // magic, size, record id, written time
)

var (
	fileMagic  = []byte("ElfFile\x00")
	chunkMagic = []byte("ElfChnk\x00")
)

// File header flags.
const (
	FlagDirty = 0x1 // the file was not closed cleanly
	FlagFull  = 0x2 // the log reached its maximum size
)

// Header is the EVTX file header as read. Its counts are informational: the
// reader finds chunks by scanning, not by ChunkCount.
type Header struct {
	FirstChunk    uint64
	LastChunk     uint64
	NextRecordID  uint64
	HeaderSize    uint32
	MinorVersion  uint16
	MajorVersion  uint16
	BlockSize     uint16 // header block size, 4096
	ChunkCount    uint16
	Flags         uint32
	Checksum      uint32 // CRC32 of the first 120 bytes, as stored
	ChecksumValid bool   // Checksum matches the header bytes
}

// Dirty reports whether the file was not closed cleanly; such files may hold
// chunks and records the header does not count.
func (h Header) Dirty() bool { return h.Flags&FlagDirty != 0 }

// Full reports whether the log had reached its maximum size.
func (h Header) Full() bool { return h.Flags&FlagFull != 0 }

var errNotEVTX = errors.New("evtx: not an EVTX file (bad file header magic)")

// parseHeader decodes the file header from its first 128 bytes.
func parseHeader(b []byte) (Header, error) {
	if len(b) < 128 {
		return Header{}, errors.New("evtx: file too short for a file header")
	}
	if string(b[:8]) != string(fileMagic) {
		return Header{}, errNotEVTX
	}
	le := binary.LittleEndian
	h := Header{
		FirstChunk:   le.Uint64(b[8:]),
		LastChunk:    le.Uint64(b[16:]),
		NextRecordID: le.Uint64(b[24:]),
		HeaderSize:   le.Uint32(b[32:]),
		MinorVersion: le.Uint16(b[36:]),
		MajorVersion: le.Uint16(b[38:]),
		BlockSize:    le.Uint16(b[40:]),
		ChunkCount:   le.Uint16(b[42:]),
		Flags:        le.Uint32(b[120:]),
		Checksum:     le.Uint32(b[124:]),
	}
	h.ChecksumValid = crc32.ChecksumIEEE(b[:120]) == h.Checksum
	return h, nil
}

// chunkHeader is the part of the 512-byte chunk header the reader uses.
type chunkHeader struct {
	firstNum, lastNum uint64 // first and last event record number
	firstID, lastID   uint64 // first and last event record identifier
	lastRecordOff     uint32
	freeSpaceOff      uint32
	dataCRC           uint32
	headerCRC         uint32
}

// parseChunkHeader decodes and verifies a chunk header. b holds the chunk,
// at least chunkHeaderSize bytes. The returned message is empty when the
// header is usable.
// The checksum failures a chunk's records can be recovered from.
const (
	msgHeaderChecksum = "chunk header checksum mismatch"
	msgDataChecksum   = "event records checksum mismatch"
)

func parseChunkHeader(b []byte) (chunkHeader, string) {
	if len(b) < chunkHeaderSize {
		return chunkHeader{}, "truncated chunk header"
	}
	if string(b[:8]) != string(chunkMagic) {
		return chunkHeader{}, "bad chunk magic"
	}
	le := binary.LittleEndian
	h := chunkHeader{
		firstNum:      le.Uint64(b[8:]),
		lastNum:       le.Uint64(b[16:]),
		firstID:       le.Uint64(b[24:]),
		lastID:        le.Uint64(b[32:]),
		lastRecordOff: le.Uint32(b[44:]),
		freeSpaceOff:  le.Uint32(b[48:]),
		dataCRC:       le.Uint32(b[52:]),
		headerCRC:     le.Uint32(b[124:]),
	}
	crc := crc32.Update(crc32.ChecksumIEEE(b[:120]), crc32.IEEETable, b[128:chunkHeaderSize])
	if crc != h.headerCRC {
		return h, msgHeaderChecksum
	}
	if h.freeSpaceOff < chunkHeaderSize || h.freeSpaceOff > chunkSize {
		return h, "free space offset out of range"
	}
	if int(h.freeSpaceOff) > len(b) {
		return h, "chunk truncated by end of file"
	}
	if crc32.ChecksumIEEE(b[chunkHeaderSize:h.freeSpaceOff]) != h.dataCRC {
		return h, msgDataChecksum
	}
	return h, ""
}
