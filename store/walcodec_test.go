package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// bulkRecords frames lines as vigil serve's log records of batch
// documents each: a count, then each document's index, id and source,
// each with its length (uvarints).
func bulkRecords(lines [][]byte, batch int) [][]byte {
	const index = "winlogbeat-8.17.0"
	var recs [][]byte
	for i := 0; i < len(lines); i += batch {
		docs := lines[i:min(i+batch, len(lines))]
		b := binary.AppendUvarint(nil, uint64(len(docs)))
		for _, d := range docs {
			b = binary.AppendUvarint(b, uint64(len(index)))
			b = append(b, index...)
			b = binary.AppendUvarint(b, 0)
			b = binary.AppendUvarint(b, uint64(len(d)))
			b = append(b, d...)
		}
		recs = append(recs, b)
	}
	return recs
}

// syntheticLines returns n JSON documents of random values (hex ids,
// numbers, words) in fixed fields: less repetitive than real records.
func syntheticLines(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("svchost explorer powershell cmd rundll32 lsass winlogon services wmiprvse conhost")
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, `{"@timestamp":"2026-12-07T10:%02d:%02d.%03dZ","host":{"name":"host-%d"},"process":{"pid":%d,"name":"%s.exe","entity_id":"%016x%016x","args":["-k","%s","%x"]},"event":{"code":"%d"}}`,
			r.IntN(60), r.IntN(60), r.IntN(1000), r.IntN(50), r.IntN(65536), words[r.IntN(len(words))],
			r.Uint64(), r.Uint64(), words[r.IntN(len(words))], r.Uint64(), 4600+r.IntN(100))
	}
	return lines
}

var compressions = []Compression{CompressNone, CompressS2, CompressZstd}

func totalLen(recs [][]byte) (n int) {
	for _, r := range recs {
		n += len(r)
	}
	return n
}

// TestWALCompressedRoundTrip appends real _bulk records with each
// compression, reopens the log and replays them byte for byte; the log's
// size is its bytes on disk, and compressed it is several times smaller.
func TestWALCompressedRoundTrip(t *testing.T) {
	recs := bulkRecords(testenv.WinlogSample(t, 1500), 250)
	raw := totalLen(recs)
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			dir := t.TempDir()
			l := openWAL(t, dir, WALOptions{Compression: c, SegmentSize: 256 << 10})
			for i, r := range recs {
				if lsn, err := l.Append(r, nil); err != nil || lsn != uint64(i) {
					t.Fatalf("Append %d = %d, %v", i, lsn, err)
				}
			}
			size := l.Size()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
			var onDisk int64
			for _, s := range segs {
				onDisk += fileSize(s)
			}
			if onDisk != size {
				t.Errorf("Size %d, %d bytes on disk", size, onDisk)
			}
			ratio := float64(raw) / float64(size)
			t.Logf("%d records, %d bytes, %d on disk (%.1f×), %d segments", len(recs), raw, size, ratio, len(segs))
			if c != CompressNone && ratio < 4 {
				t.Errorf("%v: %d bytes stored as %d (%.1f×)", c, raw, size, ratio)
			}
			l = openWAL(t, dir, WALOptions{Compression: c})
			defer l.Close()
			i := 0
			if err := l.Replay(func(lsn uint64, p []byte) error {
				if lsn != uint64(i) || !bytes.Equal(p, recs[i]) {
					t.Fatalf("record %d (LSN %d): %d bytes differ from the %d appended", i, lsn, len(p), len(recs[i]))
				}
				i++
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if i != len(recs) {
				t.Errorf("replayed %d of %d records", i, len(recs))
			}
		})
	}
}

// TestWALMixedCompression reopens one log with each compression in turn:
// every record is read back whatever it was written with.
func TestWALMixedCompression(t *testing.T) {
	recs := bulkRecords(syntheticLines(600), 100)
	dir := t.TempDir()
	for i, r := range recs {
		l := openWAL(t, dir, WALOptions{Compression: compressions[i%len(compressions)]})
		if _, err := l.Append(r, nil); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	l := openWAL(t, dir, WALOptions{})
	defer l.Close()
	_, ps := replayAll(t, l)
	if len(ps) != len(recs) {
		t.Fatalf("replayed %d of %d", len(ps), len(recs))
	}
	for i := range ps {
		if ps[i] != string(recs[i]) {
			t.Errorf("record %d differs", i)
		}
	}
}

// recordOffsets returns where each record of a present-format segment
// starts, and the file's size.
func recordOffsets(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for off := len(segmentHeader); off < len(b); {
		offs = append(offs, int64(off))
		off += recordHeader + int(binary.LittleEndian.Uint32(b[off:]))
	}
	return append(offs, int64(len(b)))
}

func flipByte(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x20
	if _, err := f.WriteAt(b[:], at); err != nil {
		t.Fatal(err)
	}
}

// TestWALCompressedDamage damages the third of five compressed records:
// in the last segment the log is cut back to the second (as a torn end is)
// and appends go on; in an earlier segment opening fails with an error
// naming the segment and the record's offset.
func TestWALCompressedDamage(t *testing.T) {
	recs := bulkRecords(syntheticLines(500), 100)
	type damage struct {
		name string
		do   func(t *testing.T, path string, offs []int64)
		err  string // the error opening reports when the segment is not the last
	}
	damages := []damage{
		{"flipped body byte", func(t *testing.T, p string, offs []int64) {
			flipByte(t, p, (offs[2]+recordHeader+offs[3])/2)
		}, "checksum mismatch"},
		{"flipped LSN", func(t *testing.T, p string, offs []int64) { flipByte(t, p, offs[2]+9) }, "checksum mismatch"},
		{"flipped codec", func(t *testing.T, p string, offs []int64) { flipByte(t, p, offs[2]+16) }, "checksum mismatch"},
		{"flipped payload length", func(t *testing.T, p string, offs []int64) { flipByte(t, p, offs[2]+18) }, "checksum mismatch"},
		{"truncated mid-body", func(t *testing.T, p string, offs []int64) {
			if err := os.Truncate(p, offs[2]+recordHeader+5); err != nil {
				t.Fatal(err)
			}
		}, "torn record"},
		{"truncated mid-header", func(t *testing.T, p string, offs []int64) {
			if err := os.Truncate(p, offs[2]+7); err != nil {
				t.Fatal(err)
			}
		}, "torn record header"},
	}
	for _, c := range []Compression{CompressS2, CompressZstd} {
		for _, d := range damages {
			t.Run(c.String()+"/"+d.name+"/last segment", func(t *testing.T) {
				dir := t.TempDir()
				l := openWAL(t, dir, WALOptions{Compression: c})
				for _, r := range recs {
					if _, err := l.Append(r, nil); err != nil {
						t.Fatal(err)
					}
				}
				l.Close()
				segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
				offs := recordOffsets(t, segs[0])
				d.do(t, segs[0], offs)
				l = openWAL(t, dir, WALOptions{Compression: c})
				defer l.Close()
				if l.Torn == 0 || fileSize(segs[0]) != offs[2] {
					t.Errorf("torn %d bytes, segment cut to %d, want %d", l.Torn, fileSize(segs[0]), offs[2])
				}
				_, ps := replayAll(t, l)
				if len(ps) != 2 || ps[1] != string(recs[1]) {
					t.Fatalf("replayed %d records, want the first 2", len(ps))
				}
				if lsn, err := l.Append(recs[4], nil); err != nil || lsn != 2 {
					t.Fatalf("Append after the cut = %d, %v", lsn, err)
				}
				_, ps = replayAll(t, l)
				if len(ps) != 3 || ps[2] != string(recs[4]) {
					t.Errorf("replayed %d records after appending", len(ps))
				}
			})
			t.Run(c.String()+"/"+d.name+"/earlier segment", func(t *testing.T) {
				dir := t.TempDir()
				opt := WALOptions{Compression: c, SegmentSize: 1} // a segment a record
				l := openWAL(t, dir, opt)
				for _, r := range recs {
					if _, err := l.Append(r, nil); err != nil {
						t.Fatal(err)
					}
				}
				l.Close()
				segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
				if len(segs) != len(recs) {
					t.Fatalf("%d segments for %d records", len(segs), len(recs))
				}
				// Damage the third segment's only record.
				offs := recordOffsets(t, segs[2])
				d.do(t, segs[2], []int64{0, 0, offs[0], offs[1]})
				_, err := OpenWAL(dir, opt)
				want := fmt.Sprintf("wal: %s: ", segs[2])
				if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), d.err) ||
					!strings.Contains(err.Error(), fmt.Sprintf("offset %d", offs[0])) {
					t.Errorf("OpenWAL: %v; want %q... %q at offset %d", err, want, d.err, offs[0])
				}
			})
		}
	}
}

// TestWALBadBody stores a record whose checksum is sound but whose body
// does not decompress (as a codec bug would): the replay stops there
// with an error naming the segment, offset and LSN.
func TestWALBadBody(t *testing.T) {
	dir := t.TempDir()
	l := openWAL(t, dir, WALOptions{})
	for _, r := range bulkRecords(syntheticLines(200), 100) {
		if _, err := l.Append(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	offs := recordOffsets(t, segs[0])
	b, _ := os.ReadFile(segs[0])
	at := offs[1]
	body := b[at+recordHeader : offs[2]]
	for i := range body[len(body)/2:] {
		body[len(body)/2+i] = 0xff
	}
	binary.LittleEndian.PutUint32(b[at+4:], recordSum(b[at+8:at+recordHeader], crc32.Checksum(body, castagnoli)))
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	l = openWAL(t, dir, WALOptions{})
	defer l.Close()
	n := 0
	err := l.Replay(func(uint64, []byte) error { n++; return nil })
	want := fmt.Sprintf("wal: %s: record at offset %d (LSN 1): s2: ", segs[0], at)
	if n != 1 || err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("replayed %d, %v; want 1 and %q...", n, err, want)
	}
}

// writeV1 writes a segment of the format before compression (no segment
// header; length, CRC-32C, LSN, payload), as an older vigil left it.
func writeV1(t *testing.T, path string, first uint64, payloads ...string) {
	t.Helper()
	var b []byte
	for i, p := range payloads {
		var hdr [recordHeaderV1]byte
		binary.LittleEndian.PutUint32(hdr[0:], uint32(len(p)))
		binary.LittleEndian.PutUint64(hdr[8:], first+uint64(i))
		binary.LittleEndian.PutUint32(hdr[4:], crc32.Update(crc32.Checksum(hdr[8:], castagnoli), castagnoli, []byte(p)))
		b = append(append(b, hdr[:]...), p...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWALReadsVersion1 opens a log an older vigil wrote: its records are
// replayed, a torn end is cut, and new records go to a new segment of the
// present format.
func TestWALReadsVersion1(t *testing.T) {
	dir := t.TempDir()
	writeV1(t, filepath.Join(dir, fmt.Sprintf("%020d.wal", 0)), 0, "old 0", "old 1")
	last := filepath.Join(dir, fmt.Sprintf("%020d.wal", 2))
	writeV1(t, last, 2, "old 2", "old 3")
	f, _ := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{9, 0, 0, 0, 1, 2}) // a torn record
	f.Close()
	l := openWAL(t, dir, WALOptions{})
	if l.Torn != 6 {
		t.Errorf("torn %d bytes, want 6", l.Torn)
	}
	if lsn, err := l.Append([]byte("new 4"), nil); err != nil || lsn != 4 {
		t.Fatalf("Append = %d, %v", lsn, err)
	}
	l.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) != 3 {
		t.Fatalf("segments %v: the new record should start its own", segs)
	}
	if b, _ := os.ReadFile(segs[2]); !bytes.HasPrefix(b, []byte(segmentHeader)) {
		t.Errorf("new segment starts %q", b[:min(len(b), 8)])
	}
	l = openWAL(t, dir, WALOptions{})
	defer l.Close()
	lsns, ps := replayAll(t, l)
	if got := strings.Join(ps, ","); got != "old 0,old 1,old 2,old 3,new 4" || lsns[4] != 4 {
		t.Errorf("replayed %v %q", lsns, got)
	}
}

// TestWALRefusesLaterVersion: a segment of a format this code does not
// know is an error, and is left as it is.
func TestWALRefusesLaterVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, fmt.Sprintf("%020d.wal", 0))
	data := []byte("VWAL\x03\x00\x00\x00some records")
	os.WriteFile(path, data, 0o644)
	_, err := OpenWAL(dir, WALOptions{})
	want := fmt.Sprintf("wal: %s: segment of format version 3 (this vigil reads versions 1 and 2)", path)
	if err == nil || err.Error() != want {
		t.Errorf("OpenWAL: %v; want %q", err, want)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, data) {
		t.Errorf("segment changed to %q", b)
	}
}

// TestWALEmptyLastSegment: a segment created but cut before its header
// reached the disk gets its header when the log is opened again.
func TestWALEmptyLastSegment(t *testing.T) {
	for _, size := range []int{0, 3, 6} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d.wal", 0)), []byte(segmentHeader[:size]), 0o644)
			l := openWAL(t, dir, WALOptions{})
			if l.Torn != int64(size) {
				t.Errorf("torn %d, want %d", l.Torn, size)
			}
			if _, err := l.Append([]byte("first record, long enough to be compressed: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), nil); err != nil {
				t.Fatal(err)
			}
			l.Close()
			l = openWAL(t, dir, WALOptions{})
			defer l.Close()
			if _, ps := replayAll(t, l); len(ps) != 1 {
				t.Errorf("replayed %d records", len(ps))
			}
		})
	}
}

// TestWALCompressedConcurrent appends compressible records from many
// goroutines with each compression; run with -race. Every record is
// replayed as acknowledged.
func TestWALCompressedConcurrent(t *testing.T) {
	recs := bulkRecords(syntheticLines(800), 20)
	for _, c := range compressions {
		t.Run(c.String(), func(t *testing.T) {
			dir := t.TempDir()
			l := openWAL(t, dir, WALOptions{Compression: c, SegmentSize: 32 << 10})
			var mu sync.Mutex
			seen := map[uint64]int{}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := w; i < len(recs); i += 8 {
						lsn, err := l.Append(recs[i], nil)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						seen[lsn] = i
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			l.Close()
			l = openWAL(t, dir, WALOptions{Compression: c})
			defer l.Close()
			lsns, ps := replayAll(t, l)
			if len(ps) != len(recs) {
				t.Fatalf("replayed %d of %d", len(ps), len(recs))
			}
			for i, lsn := range lsns {
				if ps[i] != string(recs[seen[lsn]]) {
					t.Fatalf("LSN %d: replayed a record other than the one acknowledged", lsn)
				}
			}
		})
	}
}

func TestParseCompression(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Compression
		err  string
	}{
		{"none", CompressNone, ""},
		{"s2", CompressS2, ""},
		{"zstd", CompressZstd, ""},
		{"gzip", 0, "log compression \"gzip\" (want none, s2 or zstd)"},
	} {
		c, err := ParseCompression(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || c != tc.want || c.String() != tc.in {
			t.Errorf("%s: %v (%v), %v", tc.in, c, c.String(), err)
		}
	}
	if _, err := OpenWAL(t.TempDir(), WALOptions{Compression: 9}); err == nil || err.Error() != "wal: unknown compression 9" {
		t.Errorf("unknown compression: %v", err)
	}
}
