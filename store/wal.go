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
// A record on disk is: length (4 bytes), CRC-32C of the rest (4), LSN (8),
// payload. A crash can leave a torn record at the end of the last segment:
// opening the log cuts it off and counts it (Torn).
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
	MaxBytes     int64         // the log's bound (default 1 GiB)
}

// ErrFull is returned by Append when the log holds MaxBytes: checkpoints
// must free space first.
var ErrFull = errors.New("wal: log full")

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: closed")

const (
	recordHeader = 16
	maxRecord    = 1 << 30
)

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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	l := &WAL{dir: dir, opt: opt}
	l.cond = sync.NewCond(&l.mu)
	if err := l.load(); err != nil {
		return nil, err
	}
	if len(l.segs) == 0 || l.segs[len(l.segs)-1].size >= opt.SegmentSize {
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
		n, end, good, err := scanSegment(s.path, func(uint64, []byte) error { return nil })
		if err != nil && !last {
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

// scanSegment calls fn with each sound record of a segment file; it
// returns the records read, the LSN after the last, and the offset after
// the last sound record. err reports a damaged record (a torn end).
func scanSegment(path string, fn func(lsn uint64, payload []byte) error) (n int, end uint64, good int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [recordHeader]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return n, end, good, nil
			}
			return n, end, good, fmt.Errorf("torn record header at offset %d", good)
		}
		size := binary.LittleEndian.Uint32(hdr[0:])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		lsn := binary.LittleEndian.Uint64(hdr[8:])
		if size > maxRecord {
			return n, end, good, fmt.Errorf("record at offset %d: size %d", good, size)
		}
		buf = slices.Grow(buf[:0], int(size))[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return n, end, good, fmt.Errorf("torn record at offset %d", good)
		}
		c := crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, buf)
		if c != sum {
			return n, end, good, fmt.Errorf("record at offset %d: checksum mismatch", good)
		}
		if err := fn(lsn, buf); err != nil {
			return n, end, good, err
		}
		n++
		end = lsn + 1
		good += recordHeader + int64(size)
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
	l.segs = append(l.segs, segment{first: l.next, path: path})
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
// a consumer fed from it sees records in log order.
func (l *WAL) Append(payload []byte, written func(lsn uint64)) (uint64, error) {
	if len(payload) > maxRecord {
		return 0, fmt.Errorf("wal: record of %d bytes (at most %d)", len(payload), maxRecord)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.err != nil {
		return 0, l.err
	}
	n := int64(recordHeader + len(payload))
	if l.size+n > l.opt.MaxBytes {
		return 0, ErrFull
	}
	if l.segs[len(l.segs)-1].size >= l.opt.SegmentSize {
		for l.pending != 0 { // a sync of the current segment is under way
			l.cond.Wait()
		}
		if err := l.rotate(); err != nil {
			l.err = err
			return 0, err
		}
	}
	lsn := l.next
	var hdr [recordHeader]byte
	binary.LittleEndian.PutUint32(hdr[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint64(hdr[8:], lsn)
	binary.LittleEndian.PutUint32(hdr[4:], crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, payload))
	if _, err := l.w.Write(hdr[:]); err != nil {
		l.err = fmt.Errorf("wal: %w", err)
		return 0, l.err
	}
	if _, err := l.w.Write(payload); err != nil {
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
		_, _, _, err := scanSegment(s.path, func(lsn uint64, p []byte) error {
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
