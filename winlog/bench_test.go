package winlog

import (
	"bytes"
	"index/suffixarray"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/ecs"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/evtx"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
)

// loadLines reads up to max lines of the shared corpus into memory.
func loadLines(b *testing.B, max int) ([][]byte, int) {
	var lines [][]byte
	size := 0
	for _, f := range testenv.WinlogFiles(b) {
		testenv.EachLine(b, f, func(line []byte, _ int) {
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

// perRecord reports throughput per CPU-second and allocations per record
// for a benchmark that handled records records. The machine is shared, so
// records per CPU-second of the whole process (garbage collection included)
// is the single-core figure whatever else runs; run with -cpu 1 to keep
// the collector on the same core.
type perRecord struct {
	cpu0    float64
	mallocs uint64
}

func startPerRecord(b *testing.B) perRecord {
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ResetTimer()
	return perRecord{cpu0: cputime.Process().Seconds(), mallocs: ms.Mallocs}
}

func (p perRecord) stop(b *testing.B, records int) {
	cpu := cputime.Process().Seconds() - p.cpu0
	b.StopTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if records == 0 {
		return
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(records)/cpu, "records/cpu-s")
	}
	b.ReportMetric(float64(ms.Mallocs-p.mallocs)/float64(records), "allocs/record")
}

// BenchmarkRawToECS measures the whole path over real records: raw winlog
// JSON → Record → ECS Doc → JSON bytes.
func BenchmarkRawToECS(b *testing.B) {
	lines, size := loadLines(b, benchLines)
	var rec Record
	var doc event.Doc
	var out []byte
	n := NewNormalizer()
	b.SetBytes(int64(size / len(lines)))
	p := startPerRecord(b)
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		if err := DecodeJSON(line, &rec); err != nil {
			b.Fatal(err)
		}
		if _, err := n.Normalize(&rec, &doc); err != nil {
			b.Fatal(err)
		}
		out = doc.AppendJSON(out[:0])
	}
	p.stop(b, b.N)
}

// BenchmarkRawToEvent measures what a reader does with each raw record
// of the shared corpus: copy the line into an event, decode it, Normalize
// into the event's Doc and make the event own the document: all decodes
// into the Record's buffer (DecodeJSON) and copies every string not in
// the line (event.Event.OwnDoc); reused decodes into the event's storage
// (DecodeJSONTo) and copies only the strings in the buffers the
// Normalizer writes again (OwnDocReusing); loaded is reused followed by
// the reader's last step, Schema.LoadDoc, with a schema of every ECS
// field; lazy is what the reader does without KeepEventData: decode into
// the Record's buffer, Normalize into one reused document and
// Schema.LoadDocLazyMoving, which makes only the slotted values the
// event's own (the record's unescaped strings copied as one block) and
// leaves the document to be built again from the line when it is
// written out. The 1,024 events are
// recycled in turn, as a reader's reordering window does. rules is lazy
// with a schema of the fields Elastic's rules name (rulesSchema), about
// the slots of a hunt with them, rather than every ECS field.
func BenchmarkRawToEvent(b *testing.B) {
	lines, size := loadLines(b, benchLines)
	schema := event.NewSchema()
	for _, f := range ecs.Fields() {
		schema.Slot(f)
	}
	rules := rulesSchema(b)
	for _, mode := range []string{"all", "reused", "loaded", "lazy", "rules"} {
		b.Run(mode, func(b *testing.B) {
			var rec Record
			var built event.Doc
			n := NewNormalizer()
			schema := schema
			switch mode {
			case "lazy":
				n.Only = schema
			case "rules":
				schema, mode = rules, "lazy"
				n.Only = schema
			}
			evs := make([]event.Event, 1024)
			b.SetBytes(int64(size / len(lines)))
			p := startPerRecord(b)
			for i := 0; i < b.N; i++ {
				ev := &evs[i%len(evs)]
				ev.Recycle()
				if mode == "lazy" {
					data := ev.Own(lines[i%len(lines)])
					if err := DecodeJSON(data, &rec); err != nil {
						b.Fatal(err)
					}
					if _, err := n.Normalize(&rec, &built); err != nil {
						b.Fatal(err)
					}
					schema.LoadDocLazyMoving(&built, n.Slotted(), ev, n.Written(), rec.Unescaped(), data, JSONMapper)
					continue
				}
				if err := decodeOwned(ev, lines[i%len(lines)], &rec, mode != "all"); err != nil {
					b.Fatal(err)
				}
				d := ev.NewDoc()
				if _, err := n.Normalize(&rec, d); err != nil {
					b.Fatal(err)
				}
				if mode == "all" {
					ev.OwnDoc(d)
				} else {
					ev.OwnDocReusing(d, n.Reused(&rec))
				}
				if mode == "loaded" {
					schema.LoadDoc(d, ev)
				} else {
					ev.Doc = d
				}
			}
			p.stop(b, b.N)
		})
	}
}

// evtxFile is one EVTX file of the shared corpus, in memory.
type evtxFile struct {
	name string
	data []byte
}

// loadEVTX reads the shared EVTX files into memory: all of them, or those
// of at least minSize bytes.
func loadEVTX(b testing.TB, minSize int64) ([]evtxFile, int64) {
	root := testenv.Path(b, "data", "evtx")
	var files []evtxFile
	var size int64
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".evtx") {
			return err
		}
		st, err := d.Info()
		if err != nil || st.Size() < minSize {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, evtxFile{name: p, data: data})
		size += int64(len(data))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(files) == 0 {
		b.Fatalf("no .evtx files under %s", root)
	}
	return files, size
}

// BenchmarkEVTXToECS measures the whole EVTX path over the shared EVTX
// files, single-threaded (one chunk decoder): evtx.File.Next →
// FromEVTX → Normalize → Doc.AppendJSON. One op is one pass over the
// files; records/cpu-s and allocs/record are per record.
func BenchmarkEVTXToECS(b *testing.B) {
	for _, set := range []struct {
		name    string
		minSize int64
	}{{"all", 0}, {"large", 1 << 20}} {
		b.Run(set.name, func(b *testing.B) {
			files, size := loadEVTX(b, set.minSize)
			var rec Record
			var doc event.Doc
			var out []byte
			n := NewNormalizer()
			b.SetBytes(size)
			records := 0
			p := startPerRecord(b)
			for i := 0; i < b.N; i++ {
				for _, ef := range files {
					f, err := evtx.NewFile(bytes.NewReader(ef.data), int64(len(ef.data)), ef.name)
					if err != nil {
						b.Fatal(err)
					}
					f.SetWorkers(1)
					for {
						r, err := f.Next()
						if err == io.EOF {
							break
						}
						if r == nil {
							continue
						}
						FromEVTX(r, &rec)
						if _, err := n.Normalize(&rec, &doc); err != nil {
							continue
						}
						out = doc.AppendJSON(out[:0])
						records++
					}
					f.Close()
				}
			}
			p.stop(b, records)
		})
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
	p := startPerRecord(b)
	for i := 0; i < b.N; i++ {
		if _, err := n.Normalize(&recs[i%len(recs)], &doc); err != nil {
			b.Fatal(err)
		}
	}
	p.stop(b, b.N)
}

// BenchmarkAppendJSON measures Doc.AppendJSON alone over normalised
// records.
func BenchmarkAppendJSON(b *testing.B) {
	lines, _ := loadLines(b, 20000)
	docs := make([]event.Doc, len(lines))
	recs := make([]Record, len(lines))
	size := 0
	for i, l := range lines {
		if err := DecodeJSON(l, &recs[i]); err != nil {
			b.Fatal(err)
		}
		if _, err := Normalize(&recs[i], &docs[i]); err != nil {
			b.Fatal(err)
		}
		size += len(docs[i].AppendJSON(nil))
	}
	var out []byte
	b.SetBytes(int64(size / len(docs)))
	p := startPerRecord(b)
	for i := 0; i < b.N; i++ {
		out = docs[i%len(docs)].AppendJSON(out[:0])
	}
	p.stop(b, b.N)
}

// BenchmarkDecodeJSON measures DecodeJSON alone.
func BenchmarkDecodeJSON(b *testing.B) {
	lines, size := loadLines(b, 20000)
	var rec Record
	b.SetBytes(int64(size / len(lines)))
	p := startPerRecord(b)
	for i := 0; i < b.N; i++ {
		if err := DecodeJSON(lines[i%len(lines)], &rec); err != nil {
			b.Fatal(err)
		}
	}
	p.stop(b, b.N)
}

// benchLines is how many records of the corpus the benchmarks cycle
// through.
var benchLines = 1 << 30

// rulesSchema returns a schema of the fields the rules of Elastic's
// detection-rules corpus name, as near as their text tells: every ECS
// field found in it, and every winlog.event_data name.
func rulesSchema(b *testing.B) *event.Schema {
	var text strings.Builder
	for _, dir := range testenv.DetectionRules(b) {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".toml") {
				return err
			}
			data, err := os.ReadFile(p)
			text.Write(data)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	all := text.String()
	// A suffix array answers "does the text contain f" for every ECS
	// field in a second; strings.Contains took minutes.
	sa := suffixarray.New([]byte(all))
	schema := event.NewSchema()
	for _, f := range ecs.Fields() {
		if len(sa.Lookup([]byte(f), 1)) > 0 {
			schema.Slot(f)
		}
	}
	for _, f := range regexp.MustCompile(`winlog\.event_data\.[A-Za-z0-9_]+`).FindAllString(all, -1) {
		schema.Slot(f)
	}
	return schema
}
