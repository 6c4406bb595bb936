package input_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkReadRawPooled is BenchmarkReadECSPooledHunt over raw winlog
// JSON (a sample of about 20,000 records of the shared corpus, as
// Winlogbeat ships them): each record borrowed from the read chunk, decoded and
// normalised into a lazy document. storage-B/event is the events'
// Footprint after decoding: how much a pooled event holds, which decides
// how many events the merge's pool keeps and how often a recycled one
// must grow.
func BenchmarkReadRawPooled(b *testing.B) {
	raw := rawSample(b, 20000)
	path := filepath.Join(b.TempDir(), "raw.ndjson")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	benchReadPooled(b, path, len(raw), huntFields(b))
}

// rawSample is about n records of the raw winlog corpus, as NDJSON.
func rawSample(tb testing.TB, n int) []byte {
	var raw []byte
	for _, l := range testenv.WinlogSample(tb, n) {
		raw = append(append(raw, l...), '\n')
	}
	return raw
}
