package event_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/synth"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/winlog"
)

// ruleFields are the fields a typical Windows rule set references.
var ruleFields = []string{
	"@timestamp", "event.category", "event.type", "event.action", "event.code", "event.dataset",
	"host.os.type", "host.name", "user.name", "user.domain", "user.id",
	"process.name", "process.executable", "process.args", "process.args_count", "process.command_line",
	"process.pe.original_file_name", "process.parent.name", "process.parent.executable", "process.entity_id",
	"process.code_signature.trusted", "process.code_signature.subject_name", "process.hash.sha256",
	"destination.ip", "destination.port", "source.ip", "network.direction",
	"file.name", "file.path", "file.extension", "registry.path", "registry.value", "registry.data.strings",
	"data_stream.dataset", "winlog.event_data.ServiceFileName", "winlog.channel",
}

func sampleLines(n int) [][]byte {
	data := synth.New(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).NDJSON(n)
	return bytes.Split(bytes.TrimSpace(data), []byte("\n"))
}

// benchSchema is a schema of ruleFields.
func benchSchema() *event.Schema {
	s := event.NewSchema()
	for _, f := range ruleFields {
		s.Slot(f)
	}
	return s
}

// ndjsonSize is the size of lines as NDJSON.
func ndjsonSize(lines [][]byte) int {
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	return size
}

// BenchmarkDecode decodes ECS NDJSON into the fields a rule set references.
func BenchmarkDecode(b *testing.B) {
	benchDecode(b, sampleLines(2000))
}

// BenchmarkDecodeReal decodes real documents: a slice of the winlog corpus
// (every dataset's first records) mapped to ECS JSON as vigil dump writes
// it. Their shape (long messages, many event_data fields the rules do not
// read) is what a hunt over an ECS dump decodes.
func BenchmarkDecodeReal(b *testing.B) {
	benchDecode(b, realLines(b, 20000))
}

// realLines maps a slice of the winlog corpus (about n records) to ECS
// JSON documents.
func realLines(tb testing.TB, n int) [][]byte {
	raw := testenv.WinlogSample(tb, n)
	lines := make([][]byte, 0, len(raw))
	var rec winlog.Record
	var doc event.Doc
	norm := winlog.NewNormalizer()
	for _, l := range raw {
		if winlog.DecodeJSON(l, &rec) != nil {
			continue
		}
		if _, err := norm.Normalize(&rec, &doc); err != nil {
			continue
		}
		lines = append(lines, doc.AppendJSON(nil))
	}
	return lines
}

// huntFields are fields of the Windows rules that the ECS dump's
// documents carry with many escapes: an event's message (read by one
// rule and by alert output), call traces, registry keys and paths.
// Over the whole dump they are most of what the decoder unescapes.
var huntFields = []string{
	"message", "winlog.event_data.CallTrace", "winlog.event_data.TargetImage", "registry.key",
	"file.directory", "dll.path", "powershell.file.script_block_text", "winlog.event_data.ObjectName",
}

// BenchmarkDecodeRealPooled decodes the real sample as a hunt does: each
// record copied into a pooled event (Own), events taken in rotation from
// a pool larger than the caches, and one in eleven fresh (the merge's
// pool lets that many go over the ECS dump), with the message and the
// other escaped fields the Windows rules read.
func BenchmarkDecodeRealPooled(b *testing.B) {
	lines := realLines(b, 20000)
	s := benchSchema()
	for _, f := range huntFields {
		s.Slot(f)
	}
	decodePooled(b, lines, s)
}

// BenchmarkDecodeRealHunt is BenchmarkDecodeRealPooled with the schema
// of a hunt over the ECS dump, every field the Windows rules reference
// (testdata/huntfields.txt): most keys of a document are the schema's,
// where benchSchema knows a few.
func BenchmarkDecodeRealHunt(b *testing.B) {
	lines := realLines(b, 20000)
	s := huntSchema(b)
	decodePooled(b, lines, s)
}

// BenchmarkDecodeRealHuntOne decodes the real sample with the hunt's
// schema into one event, its strings unescaped into the event's buffer:
// the decoder alone, without the pool's misses and copies that
// BenchmarkDecodeRealHunt adds (steadier on a shared machine).
func BenchmarkDecodeRealHuntOne(b *testing.B) {
	benchDecodeWith(b, huntSchema(b), realLines(b, 20000), false)
}

// BenchmarkDecodeRealHuntWarm is BenchmarkDecodeRealHuntOne with each
// document checked for valid UTF-8 before it is decoded, as the reader
// frames it (input's jsonReader.frame): the document is in the cache
// when the decoder reads it, as in a hunt, where it was read and framed
// just before. Without that pass the decoder's time is mostly waiting
// for memory (each line of the sample was allocated on its own), and
// changes that save it work do not show.
func BenchmarkDecodeRealHuntWarm(b *testing.B) {
	benchDecodeWith(b, huntSchema(b), realLines(b, 20000), true)
}

// huntSchema is a schema of the fields in testdata/huntfields.txt.
func huntSchema(tb testing.TB) *event.Schema {
	data, err := os.ReadFile(filepath.Join("testdata", "huntfields.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	s := event.NewSchema()
	for f := range strings.Lines(string(data)) {
		if f = strings.TrimSpace(f); f != "" && !strings.HasPrefix(f, "#") {
			s.Slot(f)
		}
	}
	return s
}

func benchDecode(b *testing.B, lines [][]byte) { benchDecodeWith(b, benchSchema(), lines, false) }

// benchDecodeWith decodes lines with s into one event, over and over;
// framed checks each for valid UTF-8 first, as the reader does.
func benchDecodeWith(b *testing.B, s *event.Schema, lines [][]byte, framed bool) {
	ev := &event.Event{}
	b.SetBytes(int64(ndjsonSize(lines)))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		for _, l := range lines {
			if framed && !utf8.Valid(l) {
				b.Fatal("invalid UTF-8 in the sample")
			}
			if err := s.Decode(l, ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu := cputime.Process() - cpu0
	b.ReportMetric(float64(b.N*len(lines))/b.Elapsed().Seconds(), "events/s")
	// The machine is shared: per CPU-second is the figure to compare
	// (run with -cpu 1 to keep the collector on the same core).
	if cpu > 0 {
		b.ReportMetric(float64(b.N*len(lines))/cpu.Seconds(), "events/cpu-s")
	}
}

// BenchmarkDecodeStdlib is the baseline: encoding/json into map[string]any.
func BenchmarkDecodeStdlib(b *testing.B) {
	lines := sampleLines(2000)
	b.SetBytes(int64(ndjsonSize(lines)))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal(l, &m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeVsStdlib times both decoders on the same input in the same
// run and reports the speed-up over encoding/json.
func BenchmarkDecodeVsStdlib(b *testing.B) {
	lines := sampleLines(2000)
	size := ndjsonSize(lines)
	s := benchSchema()
	ev := &event.Event{}
	var ours, std time.Duration
	for b.Loop() {
		t0 := time.Now()
		for _, l := range lines {
			_ = s.Decode(l, ev)
		}
		t1 := time.Now()
		for _, l := range lines {
			var m map[string]any
			_ = json.Unmarshal(l, &m)
		}
		ours += t1.Sub(t0)
		std += time.Since(t1)
	}
	mb := float64(size*b.N) / 1e6
	b.ReportMetric(mb/ours.Seconds(), "vigil-MB/s")
	b.ReportMetric(mb/std.Seconds(), "stdlib-MB/s")
	b.ReportMetric(std.Seconds()/ours.Seconds(), "speedup-x")
}

// BenchmarkLoadDoc fills an event from a normalised Doc.
func BenchmarkLoadDoc(b *testing.B) {
	g := synth.New(2, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := benchSchema()
	d := g.Doc()
	ev := &event.Event{}
	b.ReportAllocs()
	for b.Loop() {
		s.LoadDoc(d, ev)
	}
}

// BenchmarkDocJSON writes a normalised document as nested JSON.
func BenchmarkDocJSON(b *testing.B) {
	d := synth.New(3, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Doc()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = d.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkClone copies a decoded event so that it can be retained.
func BenchmarkClone(b *testing.B) {
	lines := sampleLines(1)
	s := benchSchema()
	for i := range 1000 { // a schema as large as a whole rule set's
		s.Slot("unused.field" + strconv.Itoa(i))
	}
	ev := &event.Event{}
	if err := s.Decode(lines[0], ev); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = ev.Clone()
	}
}

// decodePooled decodes lines with s into pooled events over and over,
// reusing each but one in eleven (which is new), as a hunt's reader does
// with the events order gives back, and reports events per CPU-second.
func decodePooled(b *testing.B, lines [][]byte, s *event.Schema) {
	pool := make([]*event.Event, 4096)
	for i := range pool {
		pool[i] = new(event.Event)
	}
	b.SetBytes(int64(ndjsonSize(lines)))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	n := 0
	for b.Loop() {
		for _, l := range lines {
			n++
			if n%11 == 0 {
				pool[n%len(pool)] = new(event.Event)
			}
			ev := pool[n%len(pool)]
			ev.Recycle()
			if err := s.Decode(ev.Own(l), ev); err != nil {
				b.Fatal(err)
			}
		}
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)/cpu.Seconds(), "events/cpu-s")
	}
}
