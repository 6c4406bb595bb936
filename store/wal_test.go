package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func openWAL(t *testing.T, dir string, opt WALOptions) *WAL {
	t.Helper()
	l, err := OpenWAL(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// replayAll returns the payloads of a log from its checkpoint on.
func replayAll(t *testing.T, l *WAL) (lsns []uint64, payloads []string) {
	t.Helper()
	if err := l.Replay(func(lsn uint64, p []byte) error {
		lsns = append(lsns, lsn)
		payloads = append(payloads, string(p))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return lsns, payloads
}

func TestWALAppendReplay(t *testing.T) {
	dir := t.TempDir()
	l := openWAL(t, dir, WALOptions{SegmentSize: 100})
	for i := range 20 {
		lsn, err := l.Append([]byte(fmt.Sprintf("batch %d", i)), nil)
		if err != nil || lsn != uint64(i) {
			t.Fatalf("Append %d = %d, %v", i, lsn, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) < 3 {
		t.Errorf("%d segments of at most ~100 bytes for 20 records", len(segs))
	}
	l = openWAL(t, dir, WALOptions{SegmentSize: 100})
	defer l.Close()
	lsns, ps := replayAll(t, l)
	if len(ps) != 20 || ps[0] != "batch 0" || ps[19] != "batch 19" || lsns[19] != 19 {
		t.Fatalf("replay: %v %v", lsns, ps)
	}
	// Numbering goes on after reopening.
	if lsn, err := l.Append([]byte("more"), nil); err != nil || lsn != 20 {
		t.Errorf("Append after reopen = %d, %v; want 20", lsn, err)
	}
}

// TestWALGroupCommit appends from many goroutines at once: every record
// is acknowledged once, with its own LSN, and all are replayed.
func TestWALGroupCommit(t *testing.T) {
	dir := t.TempDir()
	l := openWAL(t, dir, WALOptions{})
	const writers, each = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint64]string{}
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				p := fmt.Sprintf("w%d-%d", w, i)
				lsn, err := l.Append([]byte(p), nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if old, dup := seen[lsn]; dup {
					t.Errorf("LSN %d given to %s and %s", lsn, old, p)
				}
				seen[lsn] = p
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	l.Close()
	l = openWAL(t, dir, WALOptions{})
	defer l.Close()
	lsns, ps := replayAll(t, l)
	if len(ps) != writers*each {
		t.Fatalf("replayed %d records, want %d", len(ps), writers*each)
	}
	for i, lsn := range lsns {
		if seen[lsn] != ps[i] {
			t.Fatalf("LSN %d: replayed %q, acknowledged %q", lsn, ps[i], seen[lsn])
		}
	}
}

// TestWALTornEnd cuts the last record short, as a crash mid-write would:
// the log opens, drops the torn record and counts its bytes, and appends
// go on after the last sound record.
func TestWALTornEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  func(path string, size int64) error
	}{
		{"truncated payload", func(p string, n int64) error { return os.Truncate(p, n-3) }},
		{"truncated header", func(p string, n int64) error { return os.Truncate(p, n-int64(len("third"))-10) }},
		{"flipped byte", func(p string, n int64) error {
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte{'X'}, n-1)
			return err
		}},
		{"garbage after", func(p string, n int64) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte{0xff, 0xff, 0xff, 0x7f, 1, 2})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openWAL(t, dir, WALOptions{})
			for _, p := range []string{"first", "second", "third"} {
				if _, err := l.Append([]byte(p), nil); err != nil {
					t.Fatal(err)
				}
			}
			l.Close()
			segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
			if err := tc.cut(segs[0], fileSize(segs[0])); err != nil {
				t.Fatal(err)
			}
			l = openWAL(t, dir, WALOptions{})
			defer l.Close()
			_, ps := replayAll(t, l)
			want := 2
			if tc.name == "garbage after" {
				want = 3
			}
			if len(ps) != want || l.Torn == 0 {
				t.Fatalf("replayed %v, torn %d bytes", ps, l.Torn)
			}
			if lsn, err := l.Append([]byte("fourth"), nil); err != nil || lsn != uint64(want) {
				t.Fatalf("Append after the cut = %d, %v", lsn, err)
			}
			_, ps = replayAll(t, l)
			if ps[len(ps)-1] != "fourth" {
				t.Errorf("replayed %v", ps)
			}
		})
	}
}

func TestWALCheckpoint(t *testing.T) {
	dir := t.TempDir()
	l := openWAL(t, dir, WALOptions{SegmentSize: 64, MaxBytes: 400})
	var err error
	n := 0
	for ; n < 100; n++ {
		if _, err = l.Append([]byte(fmt.Sprintf("record %02d", n)), nil); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("after %d appends: %v, want ErrFull", n, err)
	}
	before := l.Size()
	if err := l.Checkpoint(uint64(n - 2)); err != nil {
		t.Fatal(err)
	}
	if l.Size() >= before {
		t.Errorf("checkpoint freed nothing: %d -> %d bytes", before, l.Size())
	}
	if _, err := l.Append([]byte("after"), nil); err != nil {
		t.Fatalf("append after the checkpoint: %v", err)
	}
	l.Close()
	l = openWAL(t, dir, WALOptions{SegmentSize: 64, MaxBytes: 400})
	defer l.Close()
	lsns, ps := replayAll(t, l)
	if len(ps) != 3 || lsns[0] != uint64(n-2) || ps[2] != "after" {
		t.Errorf("replay from the checkpoint: %v %v", lsns, ps)
	}
	if l.Checkpointed() != uint64(n-2) {
		t.Errorf("checkpoint %d after reopening, want %d", l.Checkpointed(), n-2)
	}
}

func TestWALAsync(t *testing.T) {
	dir := t.TempDir()
	l := openWAL(t, dir, WALOptions{Durability: Async})
	for i := range 10 {
		if _, err := l.Append([]byte{byte(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v", err)
	}
	l = openWAL(t, dir, WALOptions{})
	defer l.Close()
	if _, ps := replayAll(t, l); len(ps) != 10 {
		t.Errorf("replayed %d of 10", len(ps))
	}
}
