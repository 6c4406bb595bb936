package alert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
)

// timesketchWriter writes one JSON object per alert in the shape
// Timesketch imports (JSONL with message, datetime and timestamp_desc),
// followed by the alert document's own fields. The alert's time in the
// timeline is the time of its first event, not the time vigil raised it.
// A "message" the source event carried is kept as "event_message".
type timesketchWriter struct {
	w   *bufio.Writer
	f   *Fields
	ctx cellContext
	buf []byte
}

// timestampDesc says what the datetime of a vigil row is.
const timestampDesc = "Event Time (vigil alert)"

func (t *timesketchWriter) Write(a *Alert) error {
	t.buf = a.AppendJSON(t.f, t.buf[:0])
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(t.buf))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	if m, ok := doc["message"]; ok {
		doc["event_message"] = m
	}
	ns := a.OriginalTime
	if ns == 0 {
		ns = a.Time.UnixNano()
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		doc[k] = b
	}
	set("message", TimelineMessage(t.f, a))
	set("datetime", t.ctx.time(ns))
	set("timestamp", ns/1000) // microseconds, as Timesketch stores them
	set("timestamp_desc", timestampDesc)
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	t.w.Write(b)
	return t.w.WriteByte('\n')
}

func (t *timesketchWriter) Close() error { return t.w.Flush() }

// TimelineMessage is an alert in one line for a timeline:
// "[high] Rule name on HOST by user: detail".
func TimelineMessage(f *Fields, a *Alert) string {
	var b strings.Builder
	b.WriteString("[" + a.Severity + "] " + a.RuleName)
	if a.Host != "" {
		b.WriteString(" on " + a.Host)
	}
	if a.User != "" {
		b.WriteString(" by " + a.User)
	}
	if d := Detail(f, a); d != "" {
		b.WriteString(": " + cleanCell(d))
	}
	return b.String()
}
