package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/vigilsec/vigil/event"
)

// summaryFields are the event fields alerts read for their reason, table
// columns and ids. Engines register them in their schema with Register.
var summaryFields = []string{
	"@timestamp", "_id", "_index", "event.id", "event.category", "event.action", "event.code",
	"event.kind", "event.dataset", "host.name", "host.hostname", "user.name", "user.domain",
	"process.name", "process.parent.name", "process.command_line", "process.executable",
	"file.name", "file.path", "registry.path", "source.ip", "source.port", "destination.ip",
	"destination.port", "dns.question.name", "winlog.channel", "winlog.event_id",
	"winlog.record_id", "winlog.computer_name",
}

// Fields resolves the event fields alerts need to schema slots.
type Fields struct {
	schema *event.Schema
	slots  map[string]int
}

// Register adds the fields alerts read (and any extra ones, such as a
// rule's severity_mapping fields) to the schema and returns a resolver.
// Call it before decoding events.
func Register(s *event.Schema, extra ...string) *Fields {
	f := &Fields{schema: s, slots: make(map[string]int)}
	for _, name := range summaryFields {
		f.slots[name] = s.Slot(name)
	}
	f.Add(extra...)
	return f
}

// Add registers more fields.
func (f *Fields) Add(names ...string) {
	for _, name := range names {
		if name != "" {
			f.slots[name] = f.schema.Slot(name)
		}
	}
}

// Get returns a field of ev; a field that was not registered is missing.
func (f *Fields) Get(ev *event.Event, name string) event.Value {
	if ev == nil {
		return event.Value{}
	}
	if i, ok := f.slots[name]; ok {
		return ev.Get(i)
	}
	return event.Value{}
}

// Str returns the first string (or number, as text) of a field.
func (f *Fields) Str(ev *event.Event, name string) string {
	return first(f.Get(ev, name))
}

func first(v event.Value) string {
	switch v.Kind() {
	case event.KindArray:
		for _, e := range v.Array() {
			if s := first(e); s != "" {
				return s
			}
		}
		return ""
	case event.KindString:
		return v.Str()
	case event.KindMissing, event.KindNull, event.KindObject:
		return ""
	}
	return v.String()
}

// EventID returns the id of an event: its _id when it has one, else
// event.id, else a stable hash of where it came from (source and position),
// so that the same file read twice gives the same ids.
func (f *Fields) EventID(ev *event.Event) string {
	if ev.ID != "" {
		return ev.ID
	}
	if s := f.Str(ev, "_id"); s != "" {
		return s
	}
	if s := f.Str(ev, "event.id"); s != "" {
		return s
	}
	// No id of its own: the event is named by what it is, so that it gets
	// the same id whether a hunt read it (from EVTX or JSON) or a service
	// received it, and again when the service replays its log. A Windows
	// record is named by its computer, channel, record number and time; any
	// other document by its content (the JSON read, or the normalised
	// document); an event with neither by where it was read.
	h := sha256.New()
	if rid := f.Str(ev, "winlog.record_id"); rid != "" {
		h.Write([]byte(f.Str(ev, "winlog.computer_name")))
		h.Write([]byte{0})
		h.Write([]byte(f.Str(ev, "winlog.channel")))
		h.Write([]byte{0})
		h.Write([]byte(rid))
		h.Write([]byte{0})
		h.Write(strconv.AppendInt(nil, ev.Time, 10))
	} else if len(ev.Raw) > 0 || ev.Doc != nil {
		h.Write(ev.AppendJSON(nil))
	} else {
		h.Write([]byte(ev.Source))
		h.Write([]byte{0})
		h.Write(strconv.AppendInt(nil, ev.Pos, 10))
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// EventIndex returns the index an event belongs to.
func (f *Fields) EventIndex(ev *event.Event) string {
	if ev.Index != "" {
		return ev.Index
	}
	return f.Str(ev, "_index")
}
