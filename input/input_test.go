package input

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
)

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// readAll reads a stream and returns the values of field n and every
// error, in order.
func readAll(t *testing.T, data []byte, opt Options) (ns []string, errs []string) {
	t.Helper()
	s := event.NewSchema()
	n := s.Slot("n")
	opt.Schema = s
	opt.Warn = func(err error) { errs = append(errs, "warn: "+err.Error()) }
	r, err := NewOpener(opt).NewReader("in", bytes.NewReader(data))
	if err != nil {
		return nil, []string{err.Error()}
	}
	defer r.Close()
	var ev event.Event
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("the reader does not end")
		}
		ev.Recycle()
		err := r.Next(&ev)
		if err == io.EOF {
			return ns, errs
		}
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		ns = append(ns, string(ev.Get(n).AppendJSON(nil)))
	}
}

func lines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"@timestamp":"2026-01-01T00:00:0%dZ","n":%d}`+"\n", i%10, i)
	}
	return b.String()
}

func TestFormatByContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"ndjson", []byte(lines(2)), "[1 2] []"},
		{"gzip ndjson", gz(lines(2)), "[1 2] []"},
		{"json array", []byte(` [ {"n":1}, {"n":"a]}"} ,{"n":3,"o":[{"x":"\"]"}]} ]`), `[1 "a]}" 3] []`},
		{"gzip json array", gz(`[{"n":1}]`), "[1] []"},
		{"empty array", []byte(`[]`), "[] []"},
		{"empty", nil, "[] []"},
		{"text", []byte("hello"), `[] [in: not EVTX, gzip or JSON (starts with "hello")]`},
		{"broken array", []byte(`[{"n":1} {"n":2}]`), `[1] [in:line 1: invalid JSON array: unexpected '{' after an element (rest of the input skipped)]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, errs := readAll(t, tc.data, Options{})
			if got := fmt.Sprint(ns, errs); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestDamagedGzipEndsInput: a truncated stream, a bad checksum and junk
// after the stream each end the input with one error instead of repeating
// it forever.
func TestDamagedGzipEndsInput(t *testing.T) {
	good := gz(lines(3))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 0xff
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)-12], "damaged gzip data: unexpected EOF"},
		{"bad checksum", badCRC, "damaged gzip data: gzip: invalid checksum"},
		{"junk after the stream", append(bytes.Clone(good), "junk!junk"...), "damaged gzip data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := readAll(t, tc.data, Options{})
			if len(errs) != 1 || !strings.Contains(errs[0], tc.want) || !strings.Contains(errs[0], "rest of the input skipped") {
				t.Errorf("errors %q, want one containing %q", errs, tc.want)
			}
		})
	}
}

// TestRecordCap: a line and an array element beyond the cap are skipped
// and reported by line; the records after them are read.
func TestRecordCap(t *testing.T) {
	long := `{"n":2,"pad":"` + strings.Repeat("x", 300) + `"}`
	for _, tc := range []struct {
		name string
		data string
		want string
	}{
		{"line", `{"n":1}` + "\n" + long + "\n" + `{"n":3}` + "\n", "[1 3] [in:line 2: record longer than 0 MiB skipped]"},
		{"array element", "[{\"n\":1},\n" + long + ",\n{\"n\":3}]", "[1 3] [in:line 2: record longer than 0 MiB skipped]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, errs := readAll(t, []byte(tc.data), Options{MaxRecord: 256})
			if got := fmt.Sprint(ns, errs); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestByteOrderMarkOnLineOne: a UTF-8 BOM does not make line 1 unreadable.
func TestByteOrderMarkOnLineOne(t *testing.T) {
	for _, data := range [][]byte{
		append([]byte("\ufeff"), lines(2)...),
		gz("\ufeff" + lines(2)),
		[]byte("\ufeff[{\"n\":1},{\"n\":2}]"),
	} {
		ns, errs := readAll(t, data, Options{})
		if fmt.Sprint(ns, errs) != "[1 2] []" {
			t.Errorf("%q: got %v %v", data[:8], ns, errs)
		}
	}
}

// TestInvalidUTF8BecomesReplacement: invalid bytes become U+FFFD, as
// Elasticsearch indexes them, so that documents and alerts are valid UTF-8.
func TestInvalidUTF8BecomesReplacement(t *testing.T) {
	s := event.NewSchema()
	n := s.Slot("n")
	r, err := NewOpener(Options{Schema: s}).NewReader("in", bytes.NewReader([]byte("{\"n\":\"a\xffb\xc3\"}\n")))
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := r.Next(&ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Get(n).Str(); got != "a\ufffdb\ufffd" {
		t.Errorf("value %q", got)
	}
	if doc := ev.AppendJSON(nil); !utf8.Valid(doc) {
		t.Errorf("document %q is not valid UTF-8", doc)
	}
}

// TestBadTimestamps: times outside what nanoseconds since 1970 can hold
// (before 1678, after 2262, a zero FILETIME's 1601) and unreadable ones
// are counted, the first few reported by line, and the field kept.
func TestBadTimestamps(t *testing.T) {
	data := `{"@timestamp":"1601-01-01T00:00:00Z","n":1}
{"@timestamp":"2263-01-01T00:00:00Z","n":2}
{"@timestamp":"yesterday","n":3}
{"@timestamp":"1677-01-01T00:00:00Z","n":4}
{"@timestamp":99999999999999999,"n":5}
{"@timestamp":"2026-01-01T00:00:00Z","n":6}
`
	var c Counters
	s := event.NewSchema()
	ts := s.Slot("@timestamp")
	var warns []string
	r, err := NewOpener(Options{Schema: s, Counters: &c, Warn: func(err error) { warns = append(warns, err.Error()) }}).NewReader("in", strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	var ev event.Event
	for {
		ev.Recycle()
		if err := r.Next(&ev); err != nil {
			break
		}
		if ev.Time != 0 && ev.Get(ts).Str() != "2026-01-01T00:00:00Z" {
			t.Errorf("line %d: time %d", ev.Pos, ev.Time)
		}
		kept = append(kept, string(ev.Get(ts).AppendJSON(nil)))
	}
	if c.BadTimes.Load() != 5 {
		t.Errorf("%d bad times, want 5", c.BadTimes.Load())
	}
	want := []string{
		`in:line 1: @timestamp "1601-01-01T00:00:00Z" is not a time between the years 1678 and 2262; the event keeps it and is ordered as 1970-01-01`,
		`in:line 2: @timestamp "2263-01-01T00:00:00Z" is not a time between the years 1678 and 2262; the event keeps it and is ordered as 1970-01-01`,
		`in:line 3: @timestamp "yesterday" is not a time between the years 1678 and 2262; the event keeps it and is ordered as 1970-01-01 (further bad times in this input are only counted)`,
	}
	if strings.Join(warns, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s", strings.Join(warns, "\n"))
	}
	if kept[0] != `"1601-01-01T00:00:00Z"` || kept[2] != `"yesterday"` || kept[4] != "99999999999999999" {
		t.Errorf("original values not kept: %v", kept)
	}
}

// TestEVTXByContent: an EVTX file is recognised by its magic whatever its
// name, from a file and from a stream.
func TestEVTXByContent(t *testing.T) {
	src := filepath.Join("..", "evtx", "testdata")
	entries, _ := os.ReadDir(src)
	var path string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".evtx") {
			path = filepath.Join(src, e.Name())
			break
		}
	}
	if path == "" {
		t.Skip("no EVTX test file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	misnamed := filepath.Join(t.TempDir(), "log.txt")
	os.WriteFile(misnamed, data, 0o644)
	count := func(r Reader, err error) int {
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		n := 0
		var ev event.Event
		for {
			ev.Recycle()
			err := r.Next(&ev)
			if err == io.EOF {
				return n
			}
			if err == nil {
				n++
			}
		}
	}
	op := NewOpener(Options{})
	fromFile := count(op.Open(misnamed))
	fromStream := count(op.NewReader("stream", bytes.NewReader(gz(string(data)))))
	if fromFile == 0 || fromFile != fromStream {
		t.Errorf("%d records from the file, %d from the gzip stream", fromFile, fromStream)
	}
}

// TestRecordDecoder decodes framed documents (Kafka records, _bulk lines)
// as a file's lines are decoded: raw winlog mapped, index and time set,
// errors positioned by record.
func TestRecordDecoder(t *testing.T) {
	s := event.NewSchema()
	n := s.Slot("n")
	d := NewOpener(Options{Schema: s, MaxRecord: 200}).NewRecordDecoder("topic/0")
	var ev event.Event
	for _, tc := range []struct {
		pos   int64
		doc   string
		index string // the stream's index for the record
		want  string
	}{
		{6, `{"@timestamp":"2026-01-01T00:00:01Z","n":1,"data_stream":{"type":"logs","dataset":"x","namespace":"default"}}`, "bulk-idx", "1 bulk-idx 1767225601000000000"},
		{5, `{"@timestamp":"2026-01-01T00:00:02Z","winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing"}}`, "winlogbeat-9", "<nil> winlogbeat-9 1767225602000000000"},
		{7, `{"@timestamp":"2026-01-01T00:00:01Z","n":1,"data_stream":{"type":"logs","dataset":"x","namespace":"default"}}`, "", "1 logs-x-default 1767225601000000000"},
		{8, `{"@timestamp":"2026-01-01T00:00:02Z","winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing"}}`, "", "<nil> logs-system.security-default 1767225602000000000"},
		{9, `{"n":`, "", "topic/0:record 9: invalid JSON"},
		{10, `{"n":"` + strings.Repeat("x", 300) + `"}`, "", "topic/0:record 10: record longer than 0 MiB skipped"},
	} {
		ev.Recycle()
		err := d.DecodeIndexed(tc.pos, []byte(tc.doc), tc.index, &ev)
		got := fmt.Sprint(string(ev.Get(n).AppendJSON(nil)), " ", ev.Index, " ", ev.Time)
		if ev.Get(n).IsNull() {
			got = fmt.Sprint("<nil> ", ev.Index, " ", ev.Time)
		}
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("record %d: got %q, want %q", tc.pos, got, tc.want)
		}
	}
}

// TestRawWinlogAmongMapped: once an input has given a raw winlog record,
// later records are decoded as raw records first; records an ingest
// pipeline has mapped, and broken ones, must still be judged as before.
func TestRawWinlogAmongMapped(t *testing.T) {
	raw := `{"@timestamp":"2026-01-01T00:00:0%d.000Z","winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing"}}`
	in := strings.Join([]string{
		fmt.Sprintf(raw, 1),
		`{"@timestamp":"2026-01-01T00:00:02.000Z","winlog":{"channel":"Security"},"event":{"category":["x"]},"data_stream":{"type":"logs","dataset":"y","namespace":"default"}}`,
		fmt.Sprintf(raw, 3),
		`{"@timestamp":"2026-01-01T00:00:04.000Z","winlog.channel":"Security","event.module":"m","data_stream":{"type":"logs","dataset":"z","namespace":"default"}}`,
		`{"@timestamp":"2026-01-01T00:00:05.000Z","winlog":{"channel":"Security","event_id":1.2.3}}`,
		`{"@timestamp":"2026-01-01T00:00:06.000Z","winlog":{"channel":""}}`,
		fmt.Sprintf(raw, 7),
		// after a mapped record, records are decoded with the schema
		// first: a raw one, a broken one, one without a channel
		`{"@timestamp":"2026-01-01T00:00:08.000Z","winlog":{"channel":"Security"},"event":{"module":"m"},"data_stream":{"type":"logs","dataset":"y","namespace":"default"}}`,
		fmt.Sprintf(raw, 9),
		`{"@timestamp":"2026-01-01T00:00:08.000Z","event":{"ingested":"2026-01-01T00:00:09.000Z"}}`,
		`{"@timestamp":"2026-01-01T00:00:05.000Z","winlog":{"channel":"Security","event_id":1.2.3}}`,
		`{"@timestamp":"2026-01-01T00:00:08.000Z","winlog":{"channel":"Security"},"event":{"module":"m"},"data_stream":{"type":"logs","dataset":"y","namespace":"default"}}`,
		`{"@timestamp":"2026-01-01T00:00:06.000Z","winlog":{"channel":""}}`,
		fmt.Sprintf(raw, 8),
		fmt.Sprintf(raw, 9),
	}, "\n")
	s := event.NewSchema()
	cat := s.Slot("event.category")
	r, err := NewOpener(Options{Schema: s}).NewReader("in", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := drain(r, func(ev *event.Event) string { return fmt.Sprint(ev.Index, " ", string(ev.Get(cat).AppendJSON(nil))) })
	want := []string{
		`logs-system.security-default ["authentication"]`,
		`logs-y-default "x"`,
		`logs-system.security-default ["authentication"]`,
		`logs-z-default null`,
		`in:line 5: invalid JSON at byte 83: invalid number "1.2.3"`,
		`in:line 6: winlog: not a Windows event record: no channel, provider or event id`,
		`logs-system.security-default ["authentication"]`,
		`logs-y-default null`,
		`logs-system.security-default ["authentication"]`,
		` null`,
		`in:line 11: invalid JSON at byte 83: invalid number "1.2.3"`,
		`logs-y-default null`,
		`in:line 13: winlog: not a Windows event record: no channel, provider or event id`,
		`logs-system.security-default ["authentication"]`,
		`logs-system.security-default ["authentication"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSmallFileBuffers reads small files, whose read buffers are sized to
// them, with records longer than the buffer: a gzip file whose 200 KiB
// lines compress to a few hundred bytes, and a short file.
func TestSmallFileBuffers(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	rec := func(n int) string { return fmt.Sprintf(`{"n":%d,"pad":"%s"}`, n, long) }
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"long.ndjson.gz", gz(rec(1) + "\n" + rec(2) + "\n"), "[1 2]"},
		{"short.ndjson", []byte(`{"n":5}` + "\n" + `{"n":6}`), "[5 6]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			s := event.NewSchema()
			n := s.Slot("n")
			r, err := NewOpener(Options{Schema: s}).Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got := drain(r, func(ev *event.Event) string { return string(ev.Get(n).AppendJSON(nil)) })
			if fmt.Sprint(got) != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

func TestReadBufSize(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want int
	}{
		{-1, 128 << 10}, {0, 4 << 10}, {100, 4 << 10}, {4095, 4 << 10}, {4096, 8 << 10}, {50_000, 64 << 10}, {65_535, 64 << 10}, {65_536, 65_537}, {100_000, 100_001}, {128<<10 - 1, 128 << 10}, {128 << 10, 128 << 10}, {1 << 30, 128 << 10},
	} {
		if got := readBufSize(tc.size); got != tc.want {
			t.Errorf("readBufSize(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}

// drain reads r to the end: what show says of each event, or the error.
func drain(r Reader, show func(*event.Event) string) []string {
	var got []string
	var ev event.Event
	for {
		ev.Recycle()
		err := r.Next(&ev)
		if err == io.EOF {
			return got
		}
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, show(&ev))
	}
}
