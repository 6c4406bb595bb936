package winlog

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/jsonscan"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestDecodeJSONStrings checks unescaping against encoding/json: strings
// with escapes at every position relative to the eight-byte words the
// decoder reads, as encoding/json and Winlogbeat write them.
func TestDecodeJSONStrings(t *testing.T) {
	pieces := []string{`\`, `"`, "\n", "\r\n", "\t", "\x01", "é", "😀", "\u2028", "<&>", "a", "bc", "defghij", `C:\Windows\System32\`, `\\host\share`}
	rng := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for n := range 40 {
		for _, p := range pieces {
			inputs = append(inputs, strings.Repeat("x", n)+p, p+strings.Repeat("y", n), strings.Repeat("z", n)+p+strings.Repeat("w", n%9))
		}
	}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		inputs = append(inputs, b.String())
	}
	var rec Record
	for _, s := range inputs {
		enc, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		line := `{"winlog":{"channel":"Security","event_data":{"k":` + string(enc) + `,"next":"v"}}}`
		if err := DecodeJSON([]byte(line), &rec); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if len(rec.EventData) != 2 || rec.EventData[0].Value != s || rec.EventData[1].Value != "v" {
			t.Fatalf("%s: got %+v", line, rec.EventData)
		}
	}
}

func TestDecodeJSONStringErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{`{"message":"abc\`, "winlog: invalid JSON at byte 16: unterminated string"},
		{`{"message":"abc\"}`, "winlog: invalid JSON at byte 18: unterminated string"},
		{`{"message":"a\qb"}`, `winlog: invalid JSON at byte 13: invalid escape '\q'`},
		{`{"message":"a\u12"}`, `winlog: invalid JSON at byte 13: invalid \u escape`},
		{`{"other":"abc\\\"}`, "winlog: invalid JSON at byte 18: unterminated string"},
	}
	var rec Record
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			err := DecodeJSON([]byte(tt.line), &rec)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// TestDecodeJSONMapped checks which records are marked as possibly mapped
// by the ingest pipelines: those naming event.category, event.module or
// event.ingested, nested or dotted, whatever their value.
func TestDecodeJSONMapped(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{`{"winlog":{"channel":"Security"},"event":{"code":"4688"}}`, false},
		{`{"winlog":{"channel":"Security"},"event":{"category":["process"]}}`, true},
		{`{"winlog":{"channel":"Security"},"event.module":"system"}`, true},
		{`{"winlog":{"channel":"Security"},"event":{"ingested":null}}`, true},
		{`{"winlog":{"channel":"Security"},"event":{"module":{"x":1}}}`, true},
		{`{"winlog":{"channel":"Security","event_data":{"category":"x"}},"message":"module\""}`, false},
		{`{"winlog":{"channel":"Security"},"x":{"event":{"category":"y"}}}`, false},
	}
	var rec Record
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if err := DecodeJSON([]byte(tt.line), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Mapped != tt.want {
				t.Errorf("Mapped = %v, want %v", rec.Mapped, tt.want)
			}
		})
	}
}

// TestDecodeJSONMessageEscaped: a record's message is left escaped, and the
// normalised document's message reads as encoding/json decodes it.
func TestDecodeJSONMessageEscaped(t *testing.T) {
	var rec Record
	var doc event.Doc
	n := NewNormalizer()
	escaped := 0
	for i, line := range testenv.WinlogSample(t, 2000) {
		var want struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("record %d: encoding/json: %v", i, err)
		}
		if err := DecodeJSON(line, &rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		got := rec.Message
		if rec.MessageEscaped {
			escaped++
			got = jsonscan.Unescape(got)
		}
		if got != want.Message {
			t.Fatalf("record %d: message %q, want %q", i, got, want.Message)
		}
		if _, err := n.Normalize(&rec, &doc); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if v, _ := doc.Get("message"); v.Str() != want.Message {
			t.Fatalf("record %d: document's message %q, want %q", i, v.Str(), want.Message)
		}
	}
	if escaped == 0 {
		t.Fatal("no message in the sample had an escape")
	}
}

// TestDecodeJSONHints decodes records into one Record, as a reader does,
// where a member's name at one place matches the one before it under
// another parent (host.name, then winlog.user.name): the hint of the
// first record must not be taken for the second's.
func TestDecodeJSONHints(t *testing.T) {
	var rec Record
	lines := []string{
		`{"x":{},"host":{"name":"H"},"winlog":{"channel":"Security"}}`,
		`{"winlog":{"user":{"name":"U"},"channel":"Security"}}`,
		`{"x":{},"host":{"name":"H2"},"winlog":{"channel":"System"}}`,
		`{"winlog":{"channel":"Application","user":{"name":"U2"}},"host":{"name":"H3"}}`,
	}
	want := []struct{ host, user, channel string }{
		{"H", "", "Security"}, {"", "U", "Security"}, {"H2", "", "System"}, {"H3", "U2", "Application"},
	}
	for round := range 2 {
		for i, l := range lines {
			if err := DecodeJSON([]byte(l), &rec); err != nil {
				t.Fatal(err)
			}
			if got := (struct{ host, user, channel string }{rec.HostName, rec.User.Name, rec.Channel}); got != want[i] {
				t.Errorf("round %d, record %d: got %+v, want %+v", round, i, got, want[i])
			}
		}
	}
}
