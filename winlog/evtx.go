package winlog

import (
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/evtx"
)

// FromEVTX fills rec from a record read from an EVTX file, rendering what
// Winlogbeat renders from the same record: level, task and opcode names,
// the audit keywords, and "paramN" names for unnamed event data. Message
// files are not available, so there is no rendered message, and tasks are
// named only for Sysmon and Security auditing (others keep their number).
// rec's strings point into r, which is valid only until the evtx.File
// moves on: normalise rec before reading the next record.
func FromEVTX(r *evtx.Record, rec *Record) {
	rec.Reset()
	s := &r.System
	rec.Channel = s.Channel
	rec.Provider = s.Provider
	rec.ProviderGUID = s.ProviderGUID
	rec.EventSource = s.EventSourceName
	rec.EventID, rec.HasEventID = uint32(s.EventID), true
	rec.Version = int(s.Version)
	rec.Level = levelName(s.Level)
	rec.Task = taskName(s)
	rec.Opcode = opcodeName(s.Opcode)
	if s.Keywords&keywordAuditSuccess != 0 {
		rec.Keywords = append(rec.Keywords, "Audit Success")
	}
	if s.Keywords&keywordAuditFailure != 0 {
		rec.Keywords = append(rec.Keywords, "Audit Failure")
	}
	rec.RecordID, rec.HasRecordID = s.RecordID, true
	if rec.RecordID == 0 {
		rec.RecordID = r.ID
	}
	rec.Computer = s.Computer
	if !s.TimeCreated.IsZero() {
		rec.TimeCreated, rec.HasTimeCreated = s.TimeCreated.UnixNano(), true
	} else if !r.Written.IsZero() {
		rec.TimeCreated, rec.HasTimeCreated = r.Written.UnixNano(), true
	}
	rec.ProcessID, rec.ThreadID, rec.HasProcess = s.ProcessID, s.ThreadID, true
	rec.ActivityID = s.ActivityID
	rec.RelatedActivityID = s.RelatedActivityID
	rec.User.Identifier = s.UserID
	rec.ordered = true
	for i, d := range r.EventData {
		name := d.Name
		if name == "" {
			name = paramName(i + 1)
		}
		rec.EventData = append(rec.EventData, Param{})
		p := &rec.EventData[len(rec.EventData)-1]
		p.Name, p.Value, p.Values = name, d.Value, d.Values
	}
	if r.UserDataName != "" || len(r.UserData) > 0 {
		for _, d := range r.UserData {
			rec.UserData = append(rec.UserData, Param{Name: d.Name, Value: d.Value, Values: d.Values})
		}
		if r.UserDataName != "" {
			rec.UserData = append(rec.UserData, Param{Name: "xml_name", Value: r.UserDataName})
		}
	}
}

const (
	keywordAuditFailure = 0x10000000000000
	keywordAuditSuccess = 0x20000000000000
)

var levelNames = [...]string{0: "information", 1: "critical", 2: "error", 3: "warning", 4: "information", 5: "verbose"}

func levelName(l uint8) string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return smallNumber(int(l))
}

var opcodeNames = [256]string{
	0: "Info", 1: "Start", 2: "Stop", 3: "DCStart", 4: "DCStop", 5: "Extension", 6: "Reply",
	7: "Resume", 8: "Suspend", 9: "Send", 240: "Receive",
}

func opcodeName(o uint8) string {
	if s := opcodeNames[o]; s != "" {
		return s
	}
	return smallNumber(int(o))
}

func taskName(s *evtx.System) string {
	switch s.Provider {
	case "Microsoft-Windows-Sysmon":
		if t := sysmonTasks[s.Task&0xff]; t != "" && s.Task < 256 {
			return t
		}
	case providerSecurity:
		if t, ok := messageTable[smallNumber(int(s.Task))]; ok {
			return t
		}
	}
	if s.Task == 0 {
		return "None"
	}
	return smallNumber(int(s.Task))
}

// numberText holds the decimal text of 0 to maxNumber-1 one after the
// other, so that naming tasks, levels and opcodes does not allocate:
// smallNumber slices it. (A table of strings would cost a process start-up
// a quarter of a megabyte of headers.)
var numberText = func() string {
	var b strings.Builder
	b.Grow(numberOffset(maxNumber))
	var tmp [8]byte
	for i := range maxNumber {
		b.Write(strconv.AppendInt(tmp[:0], int64(i), 10))
	}
	return b.String()
}()

const maxNumber = 16384

// numberOffset is where i starts in numberText.
func numberOffset(i int) int {
	switch {
	case i < 10:
		return i
	case i < 100:
		return 10 + (i-10)*2
	case i < 1000:
		return 190 + (i-100)*3
	case i < 10000:
		return 2890 + (i-1000)*4
	}
	return 38890 + (i-10000)*5
}

func smallNumber(i int) string {
	if i >= 0 && i < maxNumber {
		return numberText[numberOffset(i):numberOffset(i+1)]
	}
	return strconv.Itoa(i)
}

var paramNames = func() (ps [128]string) {
	for i := range ps {
		ps[i] = "param" + strconv.Itoa(i)
	}
	return ps
}()

func paramName(i int) string {
	if i < len(paramNames) {
		return paramNames[i]
	}
	return "param" + strconv.Itoa(i)
}
