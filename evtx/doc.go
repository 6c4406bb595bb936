// Package evtx reads Windows XML Event Log (EVTX) files natively, without cgo
// or Windows APIs, and turns each event record into a Record whose System
// fields are typed and whose EventData and UserData are name/value pairs
// rendered the way Windows' own XML rendering (and so Winlogbeat) shows them.
//
// # Format
//
// An EVTX file is a 4 KiB file header followed by 64 KiB chunks. Each chunk
// starts with a 512-byte header (CRC32-protected, as is the record data) and
// holds event records; a record is binary XML (BinXml, [MS-EVEN6] 3.1.4.7).
// Records almost always consist of a template instance: a template definition
// stored once in the chunk and referenced by offset, plus an array of typed
// substitution values. Templates and names are chunk-local, so chunks decode
// independently.
//
// The reader does not trust the file header's chunk count: it visits every
// 64 KiB slot after the header that starts with "ElfChnk\x00", so dirty files
// (not closed cleanly) and files whose header disagrees with their chunks are
// read as far as they are valid. A chunk whose header or data checksum fails is
// reported as a *ChunkError and skipped; a record that cannot be decoded is
// reported as a *RecordError. Neither stops the reading: call Next again.
//
// Some tools write records without templates, with elements whose start tags
// lack the dependency identifier and whose values are value-text tokens
// (0x05). Readers that expect the template layout fail on those; this package
// reads both layouts.
//
// # Performance and lifetime
//
// A File streams: it reads one chunk at a time through an io.ReaderAt and
// decodes chunks in parallel (SetWorkers), delivering records in file order.
// Strings in a Record point into a per-chunk arena and Records themselves are
// reused, so decoding allocates nothing per record in the steady state. The
// consequence: a *Record returned by Next, its strings and slices, are valid
// only until the next call to Next or Close. Use Record.Clone to keep one.
package evtx
