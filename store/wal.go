package store

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WAL is the write-ahead log of acknowledged input: records (one ingest
// batch each) appended to segment files, each acknowledged only once it is
// on disk (Durability), numbered by a log sequence number (LSN) that never
// goes back. A checkpoint says which records are no longer needed to
// rebuild the engine's state; whole segments behind it are deleted. The
// log is bounded (MaxBytes): an append that would exceed it fails with
// ErrFull, which the service turns into back-pressure (HTTP 429).
//
// A segment starts with an 8-byte header, "VWAL" and the format version
// (2); a record on disk is: the stored body's length (4 bytes), checksum
// (4), LSN (8), codec (1: raw, s2 or zstd), the payload's length (4), the
// body (the payload, compressed by Compression unless that did not shrink
// it). The checksum is the CRC-32C of the header's last 13 bytes and of
// the body's CRC-32C, so it covers every byte of the record while only 17
// bytes of it are hashed under the log's lock. Segments written before
// compression (version 1: no segment header, records of length, CRC-32C
// of the rest, LSN, payload) are still read; the log never appends to one.
// A crash can leave a torn record at the end of the last segment: opening
// the log cuts it off and counts it (Torn).
type WAL struct {
	dir string
	opt WALOptions

	mu      sync.Mutex
	cond    *sync.Cond // signals synced and the committer
	f       *os.File   // the segment being written
	w       *bufio.Writer
	segs    []segment // every segment, oldest first; the last is f's
	next    uint64    // LSN of the next record
	written uint64    // records below this LSN are written (buffered or not)
	synced  uint64    // records below this LSN are on disk
	size    int64     // bytes in all segments
	err     error     // a write or sync failure: the log refuses appends after it
	closed  bool
	pending int // appenders waiting for a sync

	checkpoint uint64
	// Torn counts bytes cut from the end of the log when it was opened.
	Torn int64
}

type segment struct {
	first uint64 // LSN of its first record
	path  string
	size  int64
	old   bool // version 1 (see WAL): read, never appended to
}

// Durability says when an append returns, as Elasticsearch's translog
// durability: after the record is synced to disk (Request), or once it is
// written, with a sync every SyncInterval (Async).
type Durability int

// Durability settings.
const (
	Request Durability = iota
	Async
)

// WALOptions configure a WAL.
type WALOptions struct {
	Durability   Durability
	SyncInterval time.Duration // Async: how often to sync (default 1s)
	SegmentSize  int64         // a new segment after this many bytes (default 64 MiB)
	MaxBytes     int64         // the log's bound on bytes on disk, compressed (default 1 GiB)
	Compression  Compression   // how records are compressed (default S2)
}

// ErrFull is returned by Append when the log holds MaxBytes: checkpoints
// must free space first.
var ErrFull = errors.New("wal: log full")

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: closed")

// errVersion refuses a segment of a later format than this code reads:
// it is never cut as a torn end.
var errVersion = errors.New("segment of format version")

const (
	recordHeader   = 21
	recordHeaderV1 = 16
	maxRecord      = 1 << 30
)

// segmentHeader starts every segment of the present format. A version 1
// segment starts with a record's length, at most maxRecord, which the
// magic's first four bytes read as a little-endian integer exceed.
const segmentHeader = "VWAL\x02\x00\x00\x00"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// OpenWAL opens the log in dir, creating it if needed, and cuts a torn
// record from its end.
func OpenWAL(dir string, opt WALOptions) (*WAL, error) {
	if opt.SyncInterval <= 0 {
		opt.SyncInterval = time.Second
	}
	if opt.SegmentSize <= 0 {
		opt.SegmentSize = 64 << 20
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 1 << 30
	}
	if opt.Compression > CompressZstd {
		return nil, fmt.Errorf("wal: unknown compression %d", opt.Compression)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	l := &WAL{dir: dir, opt: opt}
	l.cond = sync.NewCond(&l.mu)
	if err := l.load(); err != nil {
		return nil, err
	}
	// A new segment unless the last one holds no record yet (the new
	// one would have its name) and is not of version 1.
	if n := len(l.segs); n == 0 || l.segs[n-1].first < l.next && (l.segs[n-1].size >= opt.SegmentSize || l.segs[n-1].old) {
		if err := l.rotate(); err != nil {
			return nil, err
		}
	} else {
		last := &l.segs[len(l.segs)-1]
		f, err := os.OpenFile(last.path, os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("wal: %w", err)
		}
		l.f, l.w = f, bufio.NewWriterSize(f, 1<<20)
		if last.size == 0 { // created, or cut back to nothing, before its header was written
			last.old = false
			l.w.WriteString(segmentHeader)
			last.size = int64(len(segmentHeader))
			l.size += last.size
		}
	}
	l.written, l.synced = l.next, l.next
	if opt.Durability == Async {
		go l.syncEvery()
	}
	return l, nil
}

// load finds the segments and the checkpoint, and the next LSN from the
// last segment's records (cutting a torn end).
func (l *WAL) load() error {
	if b, err := os.ReadFile(filepath.Join(l.dir, "checkpoint")); err == nil {
		l.checkpoint, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".wal")
		if !ok {
			continue
		}
		first, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		l.segs = append(l.segs, segment{first: first, path: filepath.Join(l.dir, e.Name())})
	}
	slices.SortFunc(l.segs, func(a, b segment) int { return cmp.Compare(a.first, b.first) })
	l.next = l.checkpoint
	for i := range l.segs {
		s := &l.segs[i]
		last := i == len(l.segs)-1
		n, end, good, old, err := scanSegment(s.path, nil)
		if err != nil && (!last || errors.Is(err, errVersion)) {
			return fmt.Errorf("wal: %s: %w", s.path, err)
		}
		if err != nil || good < fileSize(s.path) {
			// A torn or damaged end of the last segment: what follows the
			// last good record was never acknowledged.
			l.Torn += fileSize(s.path) - good
			if err := os.Truncate(s.path, good); err != nil {
				return fmt.Errorf("wal: %w", err)
			}
		}
		s.size = good
		s.old = old
		l.size += good
		if n > 0 {
			l.next = max(l.next, end)
		} else {
			l.next = max(l.next, s.first)
		}
	}
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// scanSegment calls fn (if not nil) with each sound record of a segment
// file; it returns the records read, the LSN after the last, the offset
// after the last sound record and whether the segment is of version 1.
// err reports a damaged record (a torn end) and where it is. The payload
// fn gets is valid only during the call.
func scanSegment(path string, fn func(lsn uint64, payload []byte) error) (n int, end uint64, good int64, old bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, false, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	magic, err := r.Peek(len(segmentHeader))
	switch {
	case string(magic) == segmentHeader:
		r.Discard(len(segmentHeader))
		good = int64(len(segmentHeader))
	case len(magic) >= 4 && string(magic[:4]) == segmentHeader[:4]:
		if len(magic) < len(segmentHeader) {
			return 0, 0, 0, false, fmt.Errorf("torn segment header")
		}
		return 0, 0, 0, false, fmt.Errorf("%w %d (this vigil reads versions 1 and 2)", errVersion, magic[4])
	case len(magic) > 0 && len(magic) < 4 && segmentHeader[:len(magic)] == string(magic):
		return 0, 0, 0, false, fmt.Errorf("torn segment header")
	case len(magic) == 0:
		return 0, 0, 0, false, nil
	default:
		return scanSegmentV1(r, fn)
	}
	var hdr [recordHeader]byte
	var body, payload []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return n, end, good, false, nil
			}
			return n, end, good, false, fmt.Errorf("torn record header at offset %d", good)
		}
		size := binary.LittleEndian.Uint32(hdr[0:])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		lsn := binary.LittleEndian.Uint64(hdr[8:])
		cd := codec(hdr[16])
		raw := binary.LittleEndian.Uint32(hdr[17:])
		if size > maxRecord || raw > maxRecord {
			return n, end, good, false, fmt.Errorf("record at offset %d: size %d (payload %d)", good, size, raw)
		}
		body = slices.Grow(body[:0], int(size))[:size]
		if _, err := io.ReadFull(r, body); err != nil {
			return n, end, good, false, fmt.Errorf("torn record at offset %d", good)
		}
		if recordSum(hdr[8:], crc32.Checksum(body, castagnoli)) != sum {
			return n, end, good, false, fmt.Errorf("record at offset %d: checksum mismatch", good)
		}
		if fn != nil {
			var p []byte
			p, payload, err = decompress(payload, body, cd, int(raw))
			if err != nil {
				return n, end, good, false, fmt.Errorf("record at offset %d (LSN %d): %w", good, lsn, err)
			}
			if err := fn(lsn, p); err != nil {
				return n, end, good, false, err
			}
		}
		n++
		end = lsn + 1
		good += recordHeader + int64(size)
	}
}

// recordSum is a record's checksum: the CRC-32C of its header after the
// checksum (LSN, codec, payload length) and of its body's CRC-32C.
func recordSum(hdr []byte, bodySum uint32) uint32 {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], bodySum)
	return crc32.Update(crc32.Checksum(hdr, castagnoli), castagnoli, b[:])
}

// scanSegmentV1 reads the records of a version 1 segment (see WAL), as
// scanSegment.
func scanSegmentV1(r *bufio.Reader, fn func(lsn uint64, payload []byte) error) (n int, end uint64, good int64, old bool, err error) {
	var hdr [recordHeaderV1]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return n, end, good, true, nil
			}
			return n, end, good, true, fmt.Errorf("torn record header at offset %d", good)
		}
		size := binary.LittleEndian.Uint32(hdr[0:])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		lsn := binary.LittleEndian.Uint64(hdr[8:])
		if size > maxRecord {
			return n, end, good, true, fmt.Errorf("record at offset %d: size %d", good, size)
		}
		buf = slices.Grow(buf[:0], int(size))[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return n, end, good, true, fmt.Errorf("torn record at offset %d", good)
		}
		c := crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, buf)
		if c != sum {
			return n, end, good, true, fmt.Errorf("record at offset %d: checksum mismatch", good)
		}
		if fn != nil {
			if err := fn(lsn, buf); err != nil {
				return n, end, good, true, err
			}
		}
		n++
		end = lsn + 1
		good += recordHeaderV1 + int64(size)
	}
}

// rotate starts a new segment at the next LSN.
func (l *WAL) rotate() error {
	if l.f != nil {
		if err := l.w.Flush(); err != nil {
			return err
		}
		if err := l.f.Sync(); err != nil {
			return err
		}
		l.f.Close()
	}
	path := filepath.Join(l.dir, fmt.Sprintf("%020d.wal", l.next))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	if err := syncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	l.f, l.w = f, bufio.NewWriterSize(f, 1<<20)
	l.w.WriteString(segmentHeader)
	l.segs = append(l.segs, segment{first: l.next, path: path, size: int64(len(segmentHeader))})
	l.size += int64(len(segmentHeader))
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	return nil
}

// Append writes a record and returns its LSN once it is as durable as the
// log's Durability asks. Concurrent appends share one sync (group commit).
// written, if not nil, is called with the record's LSN as soon as it is
// written, before it is durable, in LSN order across concurrent appends:
// a consumer fed from it sees records in log order. The record is
// compressed and checksummed before the lock is taken, so concurrent
// appenders do that in parallel.
func (l *WAL) Append(payload []byte, written func(lsn uint64)) (uint64, error) {
	if len(payload) > maxRecord {
		return 0, fmt.Errorf("wal: record of %d bytes (at most %d)", len(payload), maxRecord)
	}
	body, cd, buf := l.opt.Compression.compress(payload)
	defer releaseBody(buf) // after the unlock: the body is copied or written by then
	bodySum := crc32.Checksum(body, castagnoli)
	var hdr [recordHeader]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(body)))
	hdr[16] = byte(cd)
	binary.LittleEndian.PutUint32(hdr[17:], uint32(len(payload)))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.err != nil {
		return 0, l.err
	}
	n := int64(recordHeader + len(body))
	if l.size+n > l.opt.MaxBytes {
		return 0, ErrFull
	}
	if s := &l.segs[len(l.segs)-1]; s.size >= l.opt.SegmentSize && s.first < l.next {
		for l.pending != 0 { // a sync of the current segment is under way
			l.cond.Wait()
		}
		if err := l.rotate(); err != nil {
			l.err = err
			return 0, err
		}
	}
	lsn := l.next
	binary.LittleEndian.PutUint64(hdr[8:], lsn)
	binary.LittleEndian.PutUint32(hdr[4:], recordSum(hdr[8:], bodySum))
	if _, err := l.w.Write(hdr[:]); err != nil {
		l.err = fmt.Errorf("wal: %w", err)
		return 0, l.err
	}
	if _, err := l.w.Write(body); err != nil {
		l.err = fmt.Errorf("wal: %w", err)
		return 0, l.err
	}
	l.next++
	l.written = l.next
	if written != nil {
		written(lsn)
	}
	l.size += n
	l.segs[len(l.segs)-1].size += n
	if l.opt.Durability == Async {
		return lsn, nil
	}
	// Group commit: the first appender to find no sync under way syncs
	// everything written so far (its own record and those of appenders
	// that came meanwhile); the others wait for a sync that covers them.
	for l.synced <= lsn && l.err == nil {
		if l.pending == 0 {
			l.syncWritten()
			break
		}
		l.cond.Wait()
	}
	if l.err != nil {
		return 0, l.err
	}
	return lsn, nil
}

// syncWritten makes everything written so far durable, for every appender
// waiting on it; call it with the lock held and no sync under way.
func (l *WAL) syncWritten() {
	l.pending = 1
	upTo := l.written
	err := l.flushAndSync()
	l.pending = 0
	if err != nil {
		l.err = err
	} else {
		l.synced = max(l.synced, upTo)
	}
	l.cond.Broadcast()
}

// flushAndSync writes the buffer and syncs the segment without holding
// the lock during the sync, so appenders can buffer the next group.
func (l *WAL) flushAndSync() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	f := l.f
	l.mu.Unlock()
	err := f.Sync()
	l.mu.Lock()
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	return nil
}

// syncEvery syncs an Async log periodically.
func (l *WAL) syncEvery() {
	t := time.NewTicker(l.opt.SyncInterval)
	defer t.Stop()
	for range t.C {
		if err := l.Sync(); errors.Is(err, ErrClosed) {
			return
		}
	}
}

// Sync makes everything appended so far durable.
func (l *WAL) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	for l.pending != 0 {
		l.cond.Wait()
	}
	if l.synced >= l.written || l.err != nil {
		return l.err
	}
	l.syncWritten()
	return l.err
}

// Next returns the LSN the next record will have.
func (l *WAL) Next() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next
}

// Size returns the bytes the log holds.
func (l *WAL) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Checkpointed returns the last checkpoint: records before it are not
// needed to recover.
func (l *WAL) Checkpointed() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkpoint
}

// Checkpoint records that records before lsn are no longer needed, and
// deletes the segments that hold only such records.
func (l *WAL) Checkpoint(lsn uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lsn <= l.checkpoint {
		return nil
	}
	lsn = min(lsn, l.next)
	tmp := filepath.Join(l.dir, "checkpoint.tmp")
	if err := os.WriteFile(tmp, []byte(strconv.FormatUint(lsn, 10)+"\n"), 0o644); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(l.dir, "checkpoint"))
	}
	if err == nil {
		err = syncDir(l.dir)
	}
	if err != nil {
		return fmt.Errorf("wal: checkpoint: %w", err)
	}
	l.checkpoint = lsn
	// A segment is done with when the next one starts at or before lsn;
	// the segment being written always stays.
	for len(l.segs) > 1 && l.segs[1].first <= lsn {
		if err := os.Remove(l.segs[0].path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("wal: %w", err)
		}
		l.size -= l.segs[0].size
		l.segs = l.segs[1:]
	}
	return nil
}

// Replay calls fn with every record from the last checkpoint on, in
// order. Call it before appending.
func (l *WAL) Replay(fn func(lsn uint64, payload []byte) error) error {
	l.mu.Lock()
	segs := slices.Clone(l.segs)
	from := l.checkpoint
	if err := l.w.Flush(); err != nil {
		l.mu.Unlock()
		return fmt.Errorf("wal: %w", err)
	}
	l.mu.Unlock()
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].first <= from {
			continue
		}
		_, _, _, _, err := scanSegment(s.path, func(lsn uint64, p []byte) error {
			if lsn < from {
				return nil
			}
			return fn(lsn, p)
		})
		if err != nil {
			return fmt.Errorf("wal: %s: %w", s.path, err)
		}
	}
	return nil
}

// Close syncs and closes the log.
func (l *WAL) Close() error {
	err := l.Sync()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.cond.Broadcast()
	if errors.Is(err, ErrClosed) {
		err = nil
	}
	return err
}
