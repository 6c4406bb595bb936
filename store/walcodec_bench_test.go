package store

import (
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// benchRecords returns the benchmarks' records: "real" frames 20,000
// lines of the shared winlog corpus as vigil serve logs _bulk requests
// of 500 documents (bench/serveload's batch), "synthetic" as many random
// documents of the same framing.
func benchRecords(b *testing.B, kind string) [][]byte {
	if kind == "real" {
		return bulkRecords(testenv.WinlogSample(b, 20000), 500)
	}
	return bulkRecords(syntheticLines(20000), 500)
}

// BenchmarkWALCodec times compressing and decompressing records alone,
// on one goroutine: MB/s of payload per core, and the ratio.
func BenchmarkWALCodec(b *testing.B) {
	for _, kind := range []string{"real", "synthetic"} {
		var recs [][]byte
		for _, c := range []Compression{CompressS2, CompressZstd} {
			b.Run(kind+"/"+c.String()+"/compress", func(b *testing.B) {
				if recs == nil {
					recs = benchRecords(b, kind)
				}
				raw := totalLen(recs)
				b.SetBytes(int64(raw))
				b.ReportAllocs()
				stored := 0
				for b.Loop() {
					stored = 0
					for _, r := range recs {
						body, _, buf := c.compress(r)
						stored += len(body)
						releaseBody(buf)
					}
				}
				b.ReportMetric(float64(raw)/float64(stored), "ratio")
			})
			b.Run(kind+"/"+c.String()+"/decompress", func(b *testing.B) {
				if recs == nil {
					recs = benchRecords(b, kind)
				}
				type stored struct {
					body []byte
					cd   codec
					size int
				}
				var bodies []stored
				for _, r := range recs {
					body, cd, _ := c.compress(r)
					bodies = append(bodies, stored{append([]byte(nil), body...), cd, len(r)})
				}
				b.SetBytes(int64(totalLen(recs)))
				b.ReportAllocs()
				var buf []byte
				for b.Loop() {
					for _, s := range bodies {
						var err error
						if _, buf, err = decompress(buf, s.body, s.cd, s.size); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkWALAppendReplay appends the records to a new log (async
// durability: the disk's sync time is not the code's), closes it, opens
// it again and replays it: MB/s of payload through both, allocations, and
// the bytes on disk against the payload (ratio).
func BenchmarkWALAppendReplay(b *testing.B) {
	for _, kind := range []string{"real", "synthetic"} {
		var recs [][]byte
		for _, c := range compressions {
			b.Run(kind+"/"+c.String(), func(b *testing.B) {
				if recs == nil {
					recs = benchRecords(b, kind)
				}
				raw := totalLen(recs)
				b.SetBytes(int64(raw))
				b.ReportAllocs()
				var size int64
				for b.Loop() {
					dir := b.TempDir()
					opt := WALOptions{Durability: Async, Compression: c, MaxBytes: 1 << 40}
					l, err := OpenWAL(dir, opt)
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range recs {
						if _, err := l.Append(r, nil); err != nil {
							b.Fatal(err)
						}
					}
					size = l.Size()
					l.Close()
					if l, err = OpenWAL(dir, opt); err != nil {
						b.Fatal(err)
					}
					n := 0
					if err := l.Replay(func(_ uint64, p []byte) error { n += len(p); return nil }); err != nil || n != raw {
						b.Fatalf("replayed %d of %d bytes: %v", n, raw, err)
					}
					l.Close()
				}
				b.ReportMetric(float64(raw)/float64(size), "ratio")
			})
		}
	}
}
