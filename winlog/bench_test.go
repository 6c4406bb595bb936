package winlog

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// loadLines reads up to max lines of the shared corpus into memory.
func loadLines(b *testing.B, max int) ([][]byte, int) {
	var lines [][]byte
	size := 0
	for _, f := range winlogFiles(b) {
		eachLine(b, f, func(line []byte, _ int) {
			if len(lines) < max {
				lines = append(lines, append([]byte(nil), line...))
				size += len(line)
			}
		})
		if len(lines) >= max {
			break
		}
	}
	return lines, size
}

// BenchmarkRawToECS measures the whole path over real records: raw winlog
// JSON → Record → ECS Doc → JSON bytes.
func BenchmarkRawToECS(b *testing.B) {
	lines, size := loadLines(b, benchLines)
	var rec Record
	var doc event.Doc
	var enc Encoder
	var out []byte
	n := NewNormalizer()
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		if err := DecodeJSON(line, &rec); err != nil {
			b.Fatal(err)
		}
		if _, err := n.Normalize(&rec, &doc); err != nil {
			b.Fatal(err)
		}
		out = enc.AppendJSON(out[:0], &doc)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		// The machine is shared: records per CPU second is the single-core
		// throughput whatever else runs.
		b.ReportMetric(float64(b.N)/cpu, "records/cpu-s")
	}
}

// BenchmarkNormalize measures Normalize alone over decoded records.
func BenchmarkNormalize(b *testing.B) {
	lines, _ := loadLines(b, 20000)
	recs := make([]Record, len(lines))
	for i, l := range lines {
		if err := DecodeJSON(l, &recs[i]); err != nil {
			b.Fatal(err)
		}
	}
	var doc event.Doc
	n := NewNormalizer()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := n.Normalize(&recs[i%len(recs)], &doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkEncode measures Encoder.AppendJSON alone.
func BenchmarkEncode(b *testing.B) {
	lines, _ := loadLines(b, 20000)
	docs := make([]event.Doc, len(lines))
	recs := make([]Record, len(lines))
	for i, l := range lines {
		if err := DecodeJSON(l, &recs[i]); err != nil {
			b.Fatal(err)
		}
		if _, err := Normalize(&recs[i], &docs[i]); err != nil {
			b.Fatal(err)
		}
	}
	var enc Encoder
	var out []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = enc.AppendJSON(out[:0], &docs[i%len(docs)])
	}
}

// BenchmarkDecodeJSON measures DecodeJSON alone.
func BenchmarkDecodeJSON(b *testing.B) {
	lines, size := loadLines(b, 20000)
	var rec Record
	b.SetBytes(int64(size / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := DecodeJSON(lines[i%len(lines)], &rec); err != nil {
			b.Fatal(err)
		}
	}
}

// benchLines is how many records of the corpus the benchmarks cycle
// through.
var benchLines = 1 << 30
