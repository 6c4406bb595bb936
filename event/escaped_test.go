package event_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestMessageKeptEscaped decodes real ECS documents whose message Decode
// keeps escaped: every reader (Str, String, AppendJSON, a clone, readers
// on several goroutines) sees what encoding/json decodes.
func TestMessageKeptEscaped(t *testing.T) {
	s := event.NewSchema()
	msg := s.Slot("message")
	cmd := s.Slot("process.command_line")
	escaped := 0
	var ev event.Event
	for i, line := range realLines(t, 2000) {
		var want struct {
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("document %d: encoding/json: %v", i, err)
		}
		ev.Recycle()
		if err := s.Decode(ev.Own(line), &ev); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		v := ev.Get(msg)
		if want.Message == nil {
			if v.Kind() != event.KindMissing {
				t.Fatalf("document %d: message %v, want missing", i, v)
			}
			continue
		}
		if strings.Contains(*want.Message, "\n") {
			escaped++
		}
		c := ev.Clone()
		for name, got := range map[string]string{
			"Str": v.Str(), "String": v.String(), "clone": c.Get(msg).Str(),
			"AppendJSON": string(v.AppendJSON(nil)),
		} {
			w := *want.Message
			if name == "AppendJSON" {
				w = string(event.AppendJSONString(nil, w))
			}
			if got != w {
				t.Fatalf("document %d: %s = %q, want %q", i, name, got, w)
			}
		}
		if !v.Equal(event.Str(*want.Message)) || !c.Get(cmd).Equal(ev.Get(cmd)) {
			t.Fatalf("document %d: Equal is false", i)
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if got := ev.Get(msg).Str(); got != *want.Message {
					t.Errorf("document %d: concurrent Str = %q", i, got)
				}
			})
		}
		wg.Wait()
	}
	if escaped == 0 {
		t.Fatal("no message in the sample had an escape")
	}
}

// TestMessageEscapeErrors: a message kept escaped is still checked, with
// the error an unescaped field gives.
func TestMessageEscapeErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"message":"a\qb"}`, `invalid JSON at byte 13: invalid escape '\q'`},
		{`{"message":"C:\\x\u00zz"}`, `invalid JSON at byte 17: invalid \u escape`},
		{`{"message":"a\"b`, `invalid JSON at byte 16: unterminated string`},
	} {
		for _, field := range []string{"message", "massage"} {
			doc := strings.Replace(tc.doc, "message", field, 1)
			s := event.NewSchema()
			s.Slot(field)
			err := s.Decode([]byte(doc), &event.Event{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s: %v, want %s", doc, err, tc.want)
			}
		}
	}
}
