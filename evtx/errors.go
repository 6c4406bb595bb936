package evtx

import "fmt"

// ChunkError reports a chunk that could not be used (bad magic in a slot that
// claims to be a chunk, truncated data), or one whose checksum failed. The
// records of an unusable chunk are skipped; those of a chunk with a bad
// checksum whose own headers and sizes are sound are still returned (before
// the ChunkError) and counted in Recovered. The rest of the file is read
// either way.
type ChunkError struct {
	File      string // file name as given to Open or NewFile
	Chunk     int    // chunk index: position of the 64 KiB slot after the file header
	Offset    int64  // file offset of the chunk
	Msg       string
	Recovered int // records read from a chunk whose checksum failed
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("%s: chunk %d (offset %#x): evtx: %s", e.File, e.Chunk, e.Offset, e.Msg)
}

// RecordError reports an event record that could not be decoded completely.
// Next may return a non-nil *Record together with a *RecordError; the record
// then holds whatever could be read before the fault.
type RecordError struct {
	File     string
	Chunk    int
	RecordID uint64 // record identifier from the record header (0 if unreadable)
	Offset   int64  // file offset of the record
	Msg      string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s: chunk %d: record %d (offset %#x): evtx: %s", e.File, e.Chunk, e.RecordID, e.Offset, e.Msg)
}

// binxmlError is the error type of the BinXml decoder; the chunk decoder wraps
// it into a RecordError with file, chunk and record identifier.
type binxmlError struct {
	off int // chunk-relative offset of the fault
	msg string
}

func (e *binxmlError) Error() string {
	return fmt.Sprintf("binxml at chunk offset %#x: %s", e.off, e.msg)
}

func errAt(off int, format string, args ...any) error {
	return &binxmlError{off: off, msg: fmt.Sprintf(format, args...)}
}
