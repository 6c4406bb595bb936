package sigma

import (
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Where a Sigma field's value comes from. Sigma names are the Windows
// record's own: EventData names (Image, CommandLine, TargetObject, ...)
// and a few System names (EventID, Channel, Provider_Name, Computer).
// Records read from EVTX or raw winlog JSON keep every EventData value
// under winlog.event_data.<Name> when the reader is asked to
// (input.Options.KeepEventData, set whenever a Sigma rule is loaded), so
// the raw value is read first. Already normalised ECS input has lost
// the values Elastic's pipelines moved; for those the ECS field the
// pipeline moved it to is read instead (ecsFallback), and for the two
// values the pipelines split, User and Hashes, the value is rebuilt
// (composites). A field is read from the first of its document fields
// that the event has.

// systemFields maps Sigma's System names to the document.
var systemFields = map[string][]string{
	"EventID":       {"winlog.event_id"},
	"Channel":       {"winlog.channel"},
	"Provider_Name": {"winlog.provider_name"},
	"Provider":      {"winlog.provider_name"},
	"Computer":      {"winlog.computer_name", "host.name"},
	"ComputerName":  {"winlog.computer_name", "host.name"},
	"EventRecordID": {"winlog.record_id"},
	"Version":       {"winlog.version"},
	"Opcode":        {"winlog.opcode"},
	"Task":          {"winlog.task"},
	"TimeCreated":   {"@timestamp"},
}

// ecsFallback maps EventData names to the ECS fields Elastic's pipelines
// move them to (shared/ecs/windows-to-ecs-mapping.txt), for ECS-only
// input.
var ecsFallback = map[string]string{
	"Image":               "process.executable",
	"CommandLine":         "process.command_line",
	"ParentImage":         "process.parent.executable",
	"ParentCommandLine":   "process.parent.command_line",
	"OriginalFileName":    "process.pe.original_file_name",
	"Product":             "process.pe.product",
	"Company":             "process.pe.company",
	"Description":         "process.pe.description",
	"FileVersion":         "process.pe.file_version",
	"CurrentDirectory":    "process.working_directory",
	"ProcessId":           "process.pid",
	"ParentProcessId":     "process.parent.pid",
	"ProcessGuid":         "process.entity_id",
	"ParentProcessGuid":   "process.parent.entity_id",
	"TargetFilename":      "file.path",
	"ImageLoaded":         "file.path",
	"TargetObject":        "registry.path",
	"Details":             "registry.data.strings",
	"QueryName":           "dns.question.name",
	"DestinationIp":       "destination.ip",
	"DestinationPort":     "destination.port",
	"DestinationHostname": "destination.domain",
	"SourceIp":            "source.ip",
	"SourcePort":          "source.port",
	"SourceHostname":      "source.domain",
	"PipeName":            "file.name",
	"ScriptBlockText":     "powershell.file.script_block_text",
	"Path":                "powershell.file.script_block_path",
	"ServiceName":         "service.name",
	"TargetUserName":      "user.target.name",
	"SubjectUserName":     "user.name",
	"LogonType":           "winlog.logon.type",
	"IpAddress":           "source.ip",
	"WorkstationName":     "source.domain",
	"Signed":              "file.code_signature.signed",
	"Signature":           "file.code_signature.subject_name",
	"SignatureStatus":     "file.code_signature.status",
	"ContextInfo":         "winlog.event_data.ContextInfo",
	"Payload":             "winlog.event_data.Payload",
	"HostApplication":     "process.command_line",
}

// processCreation4688 are the Security 4688 names of process_creation's
// Sysmon names: a process_creation rule reads the Sysmon name where the
// record has it and the 4688 one otherwise.
var processCreation4688 = map[string]string{
	"Image":           "NewProcessName",
	"ParentImage":     "ParentProcessName",
	"ProcessId":       "NewProcessId",
	"ParentProcessId": "ProcessId",
	"User":            "SubjectUserName",
	"LogonId":         "SubjectLogonId",
}

// composites are values Elastic's pipelines split, rebuilt from ECS.
var composites = map[string]*composite{
	// User is DOMAIN\name in Sysmon records; the pipeline keeps them apart.
	"User": {slots: []string{"user.domain", "user.name"}, build: func(v []string) (string, bool) {
		if v[1] == "" {
			return "", false
		}
		if v[0] == "" {
			return v[1], true
		}
		return v[0] + `\` + v[1], true
	}},
	// Hashes is "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." in Sysmon records;
	// the pipeline splits it into the hash fields of the process (or file).
	"Hashes": {slots: []string{"process.hash.sha1", "process.hash.md5", "process.hash.sha256", "process.pe.imphash",
		"file.hash.sha1", "file.hash.md5", "file.hash.sha256", "file.pe.imphash"}, build: func(v []string) (string, bool) {
		names := [4]string{"SHA1=", "MD5=", "SHA256=", "IMPHASH="}
		var parts []string
		for i, n := range names {
			h := v[i]
			if h == "" {
				h = v[4+i]
			}
			if h != "" {
				parts = append(parts, n+strings.ToUpper(h))
			}
		}
		return strings.Join(parts, ","), len(parts) > 0
	}},
}

// composite is a value built from several ECS fields.
type composite struct {
	slots []string
	build func(v []string) (string, bool)
}

// fieldMap resolves Sigma field names for one logsource.
type fieldMap struct {
	processCreation bool
}

func fieldsOf(ls Logsource) fieldMap {
	return fieldMap{processCreation: ls.Category == "process_creation"}
}

// source is where one Sigma field is read: the first of fields the event
// has, else the composite.
type source struct {
	name   string
	fields []string
	comp   *composite
}

func (m fieldMap) source(name string) source {
	if f, ok := systemFields[name]; ok {
		return source{name: name, fields: f}
	}
	if strings.Contains(name, ".") {
		// Already a document field (ECS, or a dotted path).
		return source{name: name, fields: []string{name}}
	}
	s := source{name: name, fields: []string{"winlog.event_data." + name}}
	if m.processCreation {
		if alt, ok := processCreation4688[name]; ok {
			s.fields = append(s.fields, "winlog.event_data."+alt)
		}
	}
	if f, ok := ecsFallback[name]; ok && f != s.fields[0] {
		s.fields = append(s.fields, f)
	}
	s.fields = append(s.fields, "winlog.user_data."+name)
	s.comp = composites[name]
	return s
}

// each builds a predicate per document field and reads the first present.
func (s source) each(slotOf func(string) int, mk func(slot int) (match.Pred, error), test func(string) bool) (match.Pred, error) {
	f := &firstOf{}
	for _, name := range s.fields {
		slot := slotOf(name)
		p, err := mk(slot)
		if err != nil {
			return nil, err
		}
		f.slots = append(f.slots, slot)
		f.preds = append(f.preds, p)
	}
	if s.comp != nil && test != nil {
		c := &compositePred{test: test}
		for _, n := range s.comp.slots {
			c.slots = append(c.slots, slotOf(n))
		}
		c.build = s.comp.build
		f.comp = c
	}
	if len(f.preds) == 1 && f.comp == nil {
		return f.preds[0], nil
	}
	return f, nil
}

func (s source) exists(slotOf func(string) int) match.Pred {
	p, _ := s.each(slotOf, func(slot int) (match.Pred, error) { return match.Exists(slot), nil }, func(string) bool { return true })
	return p
}

// str tests the field against GlobLucene patterns.
func (s source) str(slotOf func(string) int, patterns []string, fold bool) match.Pred {
	t := globTest(patterns, fold)
	p, _ := s.each(slotOf, func(slot int) (match.Pred, error) { return t.pred(slot), nil }, t.test)
	return p
}

// firstOf reads the first of several fields the event has.
type firstOf struct {
	slots []int
	preds []match.Pred
	comp  *compositePred // when none is present
}

func (f *firstOf) Match(ev *event.Event) bool {
	for i, s := range f.slots {
		if ev.Get(s).Kind() != event.KindMissing {
			return f.preds[i].Match(ev)
		}
	}
	if f.comp != nil {
		return f.comp.Match(ev)
	}
	return f.preds[len(f.preds)-1].Match(ev)
}

// Needs is the union of the fields' needs: one of them holds when the
// predicate does. The fields after the first are read only when the
// first is missing, and so is a composite (which needs one of its fields),
// so their needs are fallbacks' (match.Need.Unless): an index skips them
// for records that hold the first field (raw records and their ECS
// copies).
func (f *firstOf) Needs(score func(match.Need) int) ([]match.Need, bool) {
	var out []match.Need
	unless := f.slots[0] + 1
	for i, p := range f.preds {
		best, ok := match.BestNeed(match.Needs(p, score), score)
		if !ok {
			return nil, false
		}
		for _, n := range best {
			if i > 0 && n.Unless == 0 {
				n.Unless = unless
			}
			out = append(out, n)
		}
	}
	if f.comp != nil {
		for _, s := range f.comp.slots {
			out = append(out, match.Need{Slot: s, Op: match.NeedExists, Unless: unless})
		}
	}
	return out, true
}

// compositePred tests a value rebuilt from several fields.
type compositePred struct {
	slots []int
	build func([]string) (string, bool)
	test  func(string) bool
}

func (c *compositePred) Match(ev *event.Event) bool {
	var buf [8]string
	vals := buf[:len(c.slots)]
	for i, s := range c.slots {
		if v := ev.Get(s); v.Kind() == event.KindString {
			vals[i] = v.Str()
		}
	}
	s, ok := c.build(vals)
	return ok && c.test(s)
}

// Script marks the predicate for the analyses: only evaluating it
// decides it.
func (c *compositePred) Script() {}
