package winlog

import (
	"time"

	"github.com/vigilsec/vigil/event"
)

// Record is one Windows event record as both sources give it: the raw
// winlog JSON that Winlogbeat and Elastic Agent ship (DecodeJSON) and a
// record parsed from an EVTX file (FromEVTX). Strings may point into the
// buffer the record was decoded from; see DecodeJSON.
type Record struct {
	Channel      string
	Provider     string // provider name
	ProviderGUID string
	EventSource  string // classic event source name, when it differs from Provider

	EventID    uint32
	HasEventID bool
	Version    int // -1 when absent
	// Level is the rendered level ("information", "warning", ...).
	Level string
	// Task and Opcode are rendered names when the source has them, else
	// the number as text.
	Task   string
	Opcode string
	// Keywords are rendered keyword names ("Audit Success").
	Keywords []string

	RecordID    uint64
	HasRecordID bool
	Computer    string

	// TimeCreated is the record's creation time in nanoseconds since the
	// epoch; HasTimeCreated reports whether it is known.
	TimeCreated    int64
	HasTimeCreated bool

	ProcessID, ThreadID uint32
	HasProcess          bool

	ActivityID, RelatedActivityID string

	// User is the record's security user (the SID in System/Security) and
	// its resolved name, domain and type when the source resolved it.
	User UserInfo

	// EventData holds the <EventData> values in document order; UserData
	// the <UserData> values (with the element name as "xml_name").
	EventData []Param
	UserData  []Param

	// Message is the rendered message, when the source has it. From a
	// JSON record it is the text between the quotes, still escaped when
	// MessageEscaped is set: the normaliser hands it on so (event.Escaped),
	// and only a reader of the value unescapes it.
	Message        string
	MessageEscaped bool
	// UnescapeMessage, set by the caller and kept by Reset, makes
	// DecodeJSON unescape the message as any other string (for rules
	// that read every record's whole text, see event.Schema.UnescapeAll).
	UnescapeMessage bool

	// Timestamp and HostName are the original "@timestamp" and "host.name"
	// of a JSON record; Outcome its "event.outcome" (or "winlog.outcome").
	Timestamp string
	HostName  string
	Outcome   string
	// Action is the original "event.action" (Winlogbeat sets it to the
	// task name).
	Action string

	// Shipper holds the fields of a JSON record outside winlog.* that
	// DecodeJSON has no other place for (host.id, host.ip, agent.*,
	// cloud.*, tags, data_stream.*, ...), dotted keys in input order: what
	// the shipper added, which Elastic's pipelines keep unless they
	// overwrite it. EVTX records have none.
	Shipper []ShipperField
	// Mapped reports that the record names event.category, event.module
	// or event.ingested (with any value): fields only Elastic's ingest
	// pipelines add, so the record may have been mapped already.
	Mapped bool

	// buf holds unescaped JSON strings; see DecodeJSON.
	buf []byte
	// vals holds the elements of Shipper's arrays.
	vals []event.Value
	// ordered reports that EventData comes in an order that records of one
	// kind share (an EVTX template's).
	ordered bool
	// hints are DecodeJSON's, kept by Reset (see jdecoder.kid).
	hints []jhint
}

// UserInfo is the user a record runs as.
type UserInfo struct {
	Identifier, Name, Domain, Type string
}

// Param is one named value of EventData or UserData. Values holds all
// values of a multi-valued item (Value is then the first one).
type Param struct {
	Name   string
	Value  string
	Values []string
	// Null marks a JSON null value.
	Null bool
}

// Reset empties the record for reuse, keeping its storage.
func (r *Record) Reset() {
	ed, ud, kw, buf := r.EventData[:0], r.UserData[:0], r.Keywords[:0], r.buf[:0]
	sh, vals := r.Shipper[:0], r.vals[:0]
	// Only the used part: what lies beyond was cleared when it was.
	clear(r.EventData)
	clear(r.UserData)
	clear(r.Shipper)
	clear(r.vals)
	*r = Record{Version: -1, EventData: ed, UserData: ud, Keywords: kw, buf: buf, Shipper: sh, vals: vals,
		UnescapeMessage: r.UnescapeMessage, hints: r.hints}
}

// Unescaped returns the bytes DecodeJSON wrote for the record's strings
// that are not in its line (unescaped strings, joined dotted keys), for
// a reader that copies them as one block (event.Schema.LoadDocLazyMoving).
// They are the record's own, valid until it is decoded into again;
// DecodeJSONTo leaves them empty.
func (r *Record) Unescaped() []byte { return r.buf }

// EventDataValue returns the value of the named EventData item.
func (r *Record) EventDataValue(name string) (string, bool) {
	for i := range r.EventData {
		if r.EventData[i].Name == name {
			return r.EventData[i].Value, true
		}
	}
	return "", false
}

// Time returns TimeCreated as a time.Time in UTC.
func (r *Record) Time() time.Time { return time.Unix(0, r.TimeCreated).UTC() }

// ShipperValue returns the value of a shipper field (see Shipper).
func (r *Record) ShipperValue(key string) (event.Value, bool) {
	for i := range r.Shipper {
		if r.Shipper[i].Key == key {
			return r.Shipper[i].Value, true
		}
	}
	return event.Value{}, false
}

// ShipperField is one field of Record.Shipper.
type ShipperField struct {
	Key   string
	Value event.Value
}
