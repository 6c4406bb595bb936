package input

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
)

// FuzzReader feeds arbitrary bytes to the input layer: format sniffing,
// gzip, line splitting, JSON arrays, decoding. It must not panic or hang,
// must end, and every value it yields must be valid UTF-8.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"{\"n\":1}\n{\"n\":2}\n",
		"\ufeff{\"n\":1}\r\n",
		"[{\"n\":1},{\"n\":\"a]\"}]",
		"[{\"n\":1} {\"n\":2}]",
		"[\"x\", 1, null, {\"n\":[1,{\"y\":\"\\\"]\"}]}]",
		"{\"n\":\"\xff\"}\n",
		"ElfFile\x00",
		"\x1f\x8b",
		string(gz("{\"n\":1}\n")),
		string(gz("[{\"n\":1}]")),
		"",
		"   \n\n",
		// Raw winlog records: the second and later go through the raw
		// reader's lazy path (slots filled by the normaliser).
		"{\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":1,\"level\":\"x\",\"event_data\":{\"Image\":\"C:\\\\a\\tb.exe\",\"CommandLine\":\"a \\\"b\\\"\"}},\"n\":\"1\"}\n" +
			"{\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":25,\"event_data\":{\"Type\":\"t\",\"X\":\"1\",\"X\":\"2\"}},\"data_stream\":{\"namespace\":\"p\"},\"n\":\"\\u00e9\"}\n",
	} {
		f.Add([]byte(seed))
	}
	s := event.NewSchema()
	n := s.Slot("n")
	op := NewOpener(Options{Schema: s, MaxRecord: 1 << 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure: the watchdog crashes the worker, which
		// records the input.
		watchdog := time.AfterFunc(20*time.Second, func() { panic(fmt.Sprintf("reader hangs on %q", data)) })
		defer watchdog.Stop()
		r, err := op.NewReader("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		defer r.Close()
		var ev event.Event
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("%d results from %d bytes: the reader does not end", i, len(data))
			}
			ev.Recycle()
			err := r.Next(&ev)
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			if v := ev.Get(n); v.Kind() == event.KindString && !utf8.ValidString(v.Str()) {
				t.Fatalf("invalid UTF-8 value %q", v.Str())
			}
		}
	})
}

// FuzzParseTime: ParseTimeString never panics, and a time it accepts
// formats and parses back to itself.
func FuzzParseTime(f *testing.F) {
	for _, seed := range []string{
		"2026-01-01T00:00:00Z", "1601-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807Z",
		"1677-09-21T00:12:43.145224192Z", "2026-01-01 10:00:00.123+02:00", "1700000000000",
		"99999999999999999", "-9223372036854", "1e300", "NaN", "2026-13-01", "yesterday",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, ok := event.ParseTimeString(s)
		if !ok {
			return
		}
		back, ok := event.ParseTimeString(event.FormatTime(ns))
		if !ok || back != ns {
			t.Fatalf("%q: %d formats as %q, which parses to %d (%v)", s, ns, event.FormatTime(ns), back, ok)
		}
	})
}
