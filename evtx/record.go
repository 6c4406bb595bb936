package evtx

import (
	"strings"
	"time"
)

// Record is one event record. Strings and slices in a Record returned by
// File.Next point into buffers the File reuses: they are valid only until the
// next call to Next or Close. Clone makes an independent copy.
type Record struct {
	ID      uint64    // event record identifier (record header)
	Written time.Time // record header FILETIME, UTC
	Chunk   int       // chunk index in the file (64 KiB slot after the header)
	Offset  int64     // file offset of the record

	System System

	// EventData holds the children of <EventData> in order:
	// <Data Name="X">v</Data> as {X, v}, <Data> without a name as {"", v}, and
	// <Binary> as {"Binary", hex}.
	EventData []Data

	// UserData holds the leaf elements below <UserData><UserDataName>, named
	// by their element name; deeper leaves are named by the path below
	// UserDataName joined with ".". Attributes of a leaf (other than xmlns)
	// come out as "Leaf.Attribute"; a leaf with attributes and no content
	// adds only those.
	UserData     []Data
	UserDataName string // name of the first child element of <UserData>, e.g. "LogFileCleared"

	// where the event's BinXml lives, for AppendXML; nil in a clone.
	cs   *chunkState
	root ref
	xml  []byte // rendered XML of a clone
}

// System holds the children of <System>. Fields absent from the event are
// left zero (HasQualifiers tells a zero Qualifiers from a missing one).
type System struct {
	Provider, ProviderGUID, EventSourceName string

	EventID       uint16
	Qualifiers    uint16
	HasQualifiers bool

	Version, Level, Opcode uint8
	Task                   uint16
	Keywords               uint64

	TimeCreated time.Time
	RecordID    uint64 // <EventRecordID>

	ActivityID, RelatedActivityID string
	ProcessID, ThreadID           uint32

	Channel, Computer, UserID string
}

// Data is one named value of EventData or UserData.
//
// Values render as Windows' XML rendering shows them: integers in decimal,
// HexInt32/HexInt64 and size_t as "0x" and lower-case hex, GUIDs as
// {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}, SIDs as S-1-..., FILETIME and
// SYSTEMTIME as RFC 3339 UTC with 7 fractional digits, binary as upper-case
// hex, booleans as true/false. An element whose only content is an optional
// substitution of a null value is left out, as Windows leaves it out.
type Data struct {
	Name  string
	Value string
	// Values is set when the value was an array substitution; Value is then
	// the values joined by ",". Windows' XML shows such an element once per
	// value (<Data>a</Data><Data>b</Data>, which Winlogbeat names param1,
	// param2 when unnamed); AppendXML does the same.
	Values []string
}

// Clone returns a deep copy of r that stays valid after the File moves on.
// The copy's AppendXML returns the XML rendered at the time of the clone.
func (r *Record) Clone() *Record {
	c := &Record{
		ID:           r.ID,
		Written:      r.Written,
		Chunk:        r.Chunk,
		Offset:       r.Offset,
		System:       r.System,
		UserDataName: strings.Clone(r.UserDataName),
	}
	s := &c.System
	s.Provider = strings.Clone(s.Provider)
	s.ProviderGUID = strings.Clone(s.ProviderGUID)
	s.EventSourceName = strings.Clone(s.EventSourceName)
	s.ActivityID = strings.Clone(s.ActivityID)
	s.RelatedActivityID = strings.Clone(s.RelatedActivityID)
	s.Channel = strings.Clone(s.Channel)
	s.Computer = strings.Clone(s.Computer)
	s.UserID = strings.Clone(s.UserID)
	c.EventData = cloneData(r.EventData)
	c.UserData = cloneData(r.UserData)
	c.xml = r.AppendXML(nil)
	return c
}

func cloneData(ds []Data) []Data {
	if ds == nil {
		return nil
	}
	out := make([]Data, len(ds))
	for i, d := range ds {
		out[i] = Data{Name: strings.Clone(d.Name), Value: strings.Clone(d.Value)}
		if d.Values != nil {
			vs := make([]string, len(d.Values))
			for j, v := range d.Values {
				vs[j] = strings.Clone(v)
			}
			out[i].Values = vs
		}
	}
	return out
}

// reset clears r for reuse, keeping the capacity of its slices.
func (r *Record) reset() {
	ed, ud := r.EventData[:0], r.UserData[:0]
	*r = Record{EventData: ed, UserData: ud}
}
