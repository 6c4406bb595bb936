package server

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// BenchmarkRecentEvents measures what keeping each evaluated event costs
// the pipeline: raw winlog records of the corpus, decoded (normalised to
// ECS) as the service decodes them, copied into their host's ring.
func BenchmarkRecentEvents(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(testenv.Shared(b), "data", "winlog", "security-datasets", "lateral_movement", "*.ndjson.gz"))
	s := event.NewSchema()
	r := newRecentEvents(s, 256, 512)
	d := newDecoder(s)
	var evs []*event.Event
	var srcs [][]byte
	var size int64
	for _, f := range files {
		testenv.EachLine(b, f, func(line []byte, _ int) {
			if len(evs) >= 20_000 {
				return
			}
			ev := new(event.Event)
			src := bytes.Clone(line)
			if d.decode(0, src, "winlogbeat-8.17.0", "", ev) == nil {
				evs = append(evs, ev)
				srcs = append(srcs, src)
				size += int64(len(line))
			}
		})
	}
	b.SetBytes(size / int64(len(evs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.add(evs[i%len(evs)], srcs[i%len(evs)])
	}
	b.StopTimer()
	b.ReportMetric(float64(r.stats()["hosts"]), "hosts")
}
