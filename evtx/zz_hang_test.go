package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"testing"
	"time"
)

func TestZZHang(t *testing.T) {
	if os.Getenv("ZZHANG") == "" {
		t.Skip()
	}
	rng := rand.New(rand.NewSource(1))
	var seeds [][]byte
	for _, c := range seedChunks() {
		size := binary.LittleEndian.Uint32(c[chunkHeaderSize+4:])
		seeds = append(seeds, c[chunkHeaderSize+recordHeader:chunkHeaderSize+int(size)-4])
	}
	for i := 0; i < 20000; i++ {
		s := append([]byte{}, seeds[rng.Intn(len(seeds))]...)
		for k := 0; k < 1+rng.Intn(4); k++ {
			switch rng.Intn(4) {
			case 0:
				s[rng.Intn(len(s))] = byte(rng.Intn(256))
			case 1:
				i := rng.Intn(len(s))
				s = append(s[:i], s[i+1+rng.Intn(min(8, len(s)-i)):]...)
			case 2:
				i := rng.Intn(len(s))
				s = append(s[:i], append([]byte{byte(rng.Intn(256)), byte(rng.Intn(256))}, s[i:]...)...)
			case 3:
				i, j := rng.Intn(len(s)), rng.Intn(len(s))
				s = append(s[:i:i], s[j:]...)
			}
			if len(s) == 0 {
				s = []byte{0}
			}
		}
		done := make(chan bool)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				fmt.Println("HANG", hex.EncodeToString(s))
				os.Exit(1)
			}
		}()
		c := newChunkBuilder(1)
		c.record(1, 0, func() { c.buf = append(c.buf, s...) })
		b := fileBytes(0, 1, c.bytes(1))
		file, _ := NewFile(bytesReader(b), int64(len(b)), "fuzz")
		file.SetWorkers(1)
		start := time.Now()
		drain(t, file)
		if d := time.Since(start); d > 100*time.Millisecond {
			fmt.Println("SLOW", d, hex.EncodeToString(s))
		}
		close(done)
	}
}

func bytesReader(b []byte) *bytesReaderT { return &bytesReaderT{b} }

type bytesReaderT struct{ b []byte }

func (r *bytesReaderT) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.b)) {
		return 0, fmt.Errorf("eof")
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, fmt.Errorf("eof")
	}
	return n, nil
}
