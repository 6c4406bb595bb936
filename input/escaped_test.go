package input

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestMessageUnescapedForWholeRecordRules: a message with escapes is left
// escaped as decoded and unescaped into new memory at each read, which
// suits the few rules that read it; with KeepEventData (Sigma rules, whose
// keyword searches read every record's message) it is unescaped once, as
// decoded, so that reading it allocates nothing. Both a raw winlog record
// and an ECS document.
func TestMessageUnescapedForWholeRecordRules(t *testing.T) {
	docs := []struct{ name, line string }{
		{"raw winlog", `{"@timestamp":"2024-01-02T03:04:05Z","winlog":{"channel":"Security","event_id":4688,` +
			`"computer_name":"h1","provider_name":"Microsoft-Windows-Security-Auditing","record_id":7},` +
			`"message":"A new process\r\n\tC:\\Windows\\cmd.exe"}`},
		{"ECS", `{"@timestamp":"2024-01-02T03:04:05Z","event":{"code":"4688"},"host":{"name":"h1"},` +
			`"message":"A new process\r\n\tC:\\Windows\\cmd.exe"}`},
	}
	const want = "A new process\r\n\tC:\\Windows\\cmd.exe"
	for _, d := range docs {
		for _, keep := range []bool{false, true} {
			s := event.NewSchema()
			slot := s.Slot("message")
			dec := NewOpener(Options{Schema: s, KeepEventData: keep}).NewRecordDecoder("topic/0")
			ev := new(event.Event)
			// Twice: a decoder takes a raw record's first line as a
			// document, then knows the input holds raw records.
			for pos := range int64(2) {
				if err := dec.Decode(pos, []byte(d.line), ev); err != nil {
					t.Fatalf("%s: %v", d.name, err)
				}
			}
			if got := ev.Get(slot).Str(); got != want {
				t.Fatalf("%s, KeepEventData %v: message %q, want %q", d.name, keep, got, want)
			}
			allocs := testing.AllocsPerRun(20, func() { _ = ev.Get(slot).Str() })
			if keep && allocs != 0 {
				t.Errorf("%s, KeepEventData: reading the message allocates %.0f times", d.name, allocs)
			}
			if !keep && allocs == 0 {
				t.Errorf("%s: the message was unescaped as decoded (the test proves nothing)", d.name)
			}
		}
	}
}
