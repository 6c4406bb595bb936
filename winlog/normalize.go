package winlog

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/event"
)

// ECSVersion is the ecs.version vigil writes.
const ECSVersion = "8.17.0"

// Channels with their own mappings.
const (
	ChannelSysmon        = "Microsoft-Windows-Sysmon/Operational"
	ChannelSecurity      = "Security"
	ChannelSystem        = "System"
	ChannelApplication   = "Application"
	ChannelPowerShellOp  = "Microsoft-Windows-PowerShell/Operational"
	ChannelPowerShell    = "Windows PowerShell"
	ChannelForwarded     = "ForwardedEvents"
	providerSecurity     = "Microsoft-Windows-Security-Auditing"
	providerEventlog     = "Microsoft-Windows-Eventlog"
	maxEventDataKeyCache = 4096
)

// ErrNotARecord is returned for a record with neither a channel, a
// provider nor an event id: nothing says what it is or where it belongs.
var ErrNotARecord = errors.New("winlog: not a Windows event record: no channel, provider or event id")

// item is one event_data value while a record is mapped.
type item struct {
	name  string
	value string
	// val replaces value in the output when it is not missing (an array,
	// for instance).
	val  event.Value
	gone bool
	null bool
	// ed is the index in edNames of name, plus one, or 0.
	ed uint8
	// key is the item's key in the document when known at load.
	key string
}

// nameInfo is what a Normalizer knows of an event data name: its index in
// edNames plus one (or 0), and its key in the document.
type nameInfo struct {
	ed  uint8
	key string
}

// edInfo holds the nameInfo of every name in edNames; each Normalizer
// starts from a copy and adds the other names it meets.
var edInfo = func() *nameTable {
	t := new(nameTable)
	for i, name := range edNames {
		if name == "" {
			panic("winlog: event data name missing for constant " + strconv.Itoa(i))
		}
		t.put(name, nameInfo{ed: uint8(i + 1), key: "winlog.event_data." + name})
	}
	return t
}()

// ed must hold every index in edNames plus one.
var _ [255 - numNames]struct{}

const (
	relUser = iota
	relIP
	relHash
	relHosts
	numRel
)

// A Normalizer maps Windows records to ECS documents. It keeps buffers
// between calls, so the strings of a document it built stay valid only
// until its next Normalize call. A Normalizer is not safe for concurrent
// use.
type Normalizer struct {
	a       arena
	d       *event.Doc
	r       *Record
	items   []item
	slot    [numNames]int16
	names   nameTable        // event data names; see key
	indices map[nsKey]string // data stream names in other namespaces; see index
	ukeys   map[string]string
	codes   map[uint32]string
	related [numRel][]event.Value
	code    uint32
	codeStr string
	// lastCode and lastCodeStr are eventCode's cache of the last id
	// whose text codes keeps (lastCodeStr "": none).
	lastCode    uint32
	lastCodeStr string
	order       []int16
	reused      [][]byte // see Reused
	// nameHints are nameAt's: the names table's slot of each event
	// data name of the last records, by place.
	nameHints []*nameSlot

	// KeepEventData keeps every EventData value of the record under
	// winlog.event_data.<Name> as the record has it, also those the
	// mapping moved to ECS fields or dropped (the values Sigma rules
	// read, by their Windows names); values the mapping left there are
	// not changed. Names with spaces are also kept without them, and
	// unnamed data (paramN) also as the array Data, as Sigma rules write
	// them.
	KeepEventData bool

	// Only, when set, leaves out of the document fields that the mapping
	// never reads back and that Only has no slot for: the event data and
	// related.* fields (written last) and most of the fields every record
	// gets (common), so every other field is as without it. Those of the
	// fields every record gets and of the event data (by the names the
	// mappings know) that Only has a slot for are not written to the
	// document either but given by slot (Slotted): they would only be
	// looked up again to find their slots. For a reader that
	// loads only the fields rules read (event.Schema.LoadDocLazyMoving
	// with Slotted) and builds the whole document again when it is needed
	// (JSONMapper). Not with KeepEventData.
	Only *event.Schema

	keys    event.KeySet // Only's keys when want was set
	want    [numOut]bool // which of outKeys to write; see wants
	wantAll bool         // want is all true (no Only)
	// outSlot is Only's slot of each of outKeys, plus one (0: none);
	// outPos is where in slotted this record's value of each is, plus
	// one (0: none).
	outSlot [numOut]int32
	outPos  [numOut]uint16
	slotted []event.SlotValue // see Slotted
	// edSlot caches Only's slot of the key of each edNames name: 0 not
	// asked yet, -1 none, else the slot plus one. finish asks for every
	// item of every record; wants clears it when keys change.
	edSlot [numNames]int32
}

// NewNormalizer returns a Normalizer.
func NewNormalizer() *Normalizer {
	return &Normalizer{names: edInfo.clone(), ukeys: map[string]string{}, codes: map[uint32]string{}}
}

var pool = sync.Pool{New: func() any { return NewNormalizer() }}

// Normalize maps rec to an ECS document in doc (which it resets) and
// returns the index (data stream) the document belongs to. The document's
// strings point into rec and into memory owned by the document. Use a
// Normalizer to reuse memory across records.
func Normalize(rec *Record, doc *event.Doc) (string, error) {
	n := pool.Get().(*Normalizer)
	n.a.detached = true
	idx, err := n.Normalize(rec, doc)
	n.a.reset()
	n.a.detached = false
	pool.Put(n)
	return idx, err
}

// Normalize maps rec to an ECS document in doc (which it resets), exactly
// as Elastic Agent (or Winlogbeat) and Elastic's ingest pipelines would,
// and returns the index the document belongs to. The document's strings
// point into rec and into n's buffers: they are valid until n's next call.
func (n *Normalizer) Normalize(rec *Record, doc *event.Doc) (string, error) {
	doc.Reset()
	n.a.reset()
	n.d, n.r = doc, rec
	defer func() { n.d, n.r = nil, nil }()
	if rec.Channel == "" && rec.Provider == "" && !rec.HasEventID {
		return "", ErrNotARecord
	}
	n.wants()
	clear(n.outPos[:])
	n.slotted = n.slotted[:0]
	n.load()
	kind := channelKind(rec)
	n.common(rec, kind)
	switch kind {
	case kindSysmon:
		n.sysmon()
	case kindSecurity:
		if rec.Provider == providerSecurity || rec.Provider == providerEventlog {
			n.security()
		}
		n.securityPost()
	case kindPowerShellOp:
		n.powershellOperational()
	case kindPowerShell:
		n.powershellClassic()
	}
	n.shipper()
	n.finish(kind)
	return n.index(kind), nil
}

// Slotted returns the values of the last document's fields that Only has
// slots for and that n gave by slot rather than writing them to the
// document (see Only), in n's memory until its next call; one whose
// field the mapping deleted has the slot -1. Without Only it is empty.
func (n *Normalizer) Slotted() []event.SlotValue { return n.slotted }

// Reused returns the buffers that the strings of a document n built from
// rec may lie in and that n's next Normalize (or rec's next decoding)
// writes again: a copy of the document must copy the strings lying there
// (event.Event.OwnDocReusing); its other strings point into rec's line,
// into constants or into memory n and rec have let go of for good.
// The slices are n's and rec's own, valid until either is used again.
// The arena's scratch space is not among them: what is built there is
// copied into the arena (or only looked up) before it is used.
func (n *Normalizer) Reused(rec *Record) [][]byte {
	n.reused = append(n.reused[:0], n.a.buf[:cap(n.a.buf)], rec.buf[:cap(rec.buf)])
	return n.reused
}

// Written is Reused without the record's buffer (rec.Unescaped), for a
// caller that copies that one whole when one of the document's strings
// lies in it (event.Schema.LoadDocLazyMoving's moved): the fewer
// buffers, the fewer each string of the document is looked for in.
func (n *Normalizer) Written() [][]byte {
	n.reused = append(n.reused[:0], n.a.buf[:cap(n.a.buf)])
	return n.reused
}

// load copies the record's event data into items and indexes the names
// the mappings use.
func (n *Normalizer) load() {
	clear(n.slot[:])
	clear(n.items)
	n.items = n.items[:0]
	for i := range n.related {
		n.related[i] = n.related[i][:0]
	}
	for i, p := range n.r.EventData {
		n.addItem(n.nameAt(i, p.Name), p.Name, p.Value, p.Null)
		if len(p.Values) > 1 {
			n.items[len(n.items)-1].val = n.a.strArray(p.Values)
		}
	}
}

// nameAt returns the names table's slot of the record's ith event data
// name (nil: none), through nameHints: records of one kind name their
// event data in one order, so comparing a name with the one at the same
// place in the record before costs less than hashing it.
func (n *Normalizer) nameAt(i int, name string) *nameSlot {
	if i < len(n.nameHints) {
		if s := n.nameHints[i]; s != nil && s.name == name {
			return s
		}
	}
	s := n.names.find(name) // nil is kept too, to keep places
	if i < len(n.nameHints) {
		n.nameHints[i] = s
	} else if i == len(n.nameHints) && i < maxHints {
		n.nameHints = append(n.nameHints, s)
	}
	return s
}

// addItem adds an event data item; s is the names table's slot of its
// name, or nil.
func (n *Normalizer) addItem(s *nameSlot, name, value string, null bool) {
	n.items = append(n.items, item{})
	it := &n.items[len(n.items)-1]
	it.name, it.value, it.null = name, value, null
	if s != nil {
		it.ed, it.key = s.info.ed, s.info.key
	}
	if it.ed != 0 {
		id := it.ed - 1
		if n.slot[id] == 0 {
			n.slot[id] = int16(len(n.items))
		} else {
			// A later duplicate wins, as in a JSON object.
			n.items[n.slot[id]-1].gone = true
			n.slot[id] = int16(len(n.items))
		}
	}
}

// setItem sets (or adds) an event data item by name.
func (n *Normalizer) setItem(name, value string) {
	if ni, ok := n.names.get(name); ok && ni.ed != 0 && n.slot[ni.ed-1] != 0 {
		it := &n.items[n.slot[ni.ed-1]-1]
		it.value, it.val, it.gone, it.null = value, event.Value{}, false, false
		return
	}
	for i := range n.items {
		if n.items[i].name == name && !n.items[i].gone {
			n.items[i].value, n.items[i].val, n.items[i].null = value, event.Value{}, false
			return
		}
	}
	n.addItem(n.names.find(name), name, value, false)
}

// setItemValue sets an event data item to a non-string value.
func (n *Normalizer) setItemValue(name string, v event.Value) {
	n.setItem(name, "")
	for i := len(n.items) - 1; i >= 0; i-- {
		if n.items[i].name == name && !n.items[i].gone {
			n.items[i].val = v
			return
		}
	}
}

// item returns the event data item for a name constant, or nil.
func (n *Normalizer) item(e int) *item {
	if s := n.slot[e]; s != 0 {
		if it := &n.items[s-1]; !it.gone && !it.null {
			return it
		}
	}
	return nil
}

// get returns the value of an event data item that is present.
func (n *Normalizer) get(e int) (string, bool) {
	if it := n.item(e); it != nil {
		return it.value, true
	}
	return "", false
}

// val returns the value of an event data item, or "".
func (n *Normalizer) val(e int) string {
	v, _ := n.get(e)
	return v
}

// drop removes an event data item from the output.
func (n *Normalizer) drop(e int) {
	if s := n.slot[e]; s != 0 {
		n.items[s-1].gone = true
	}
}

// rename moves a non-empty event data item to key, as the rename
// processor does: nothing happens when key is already set.
func (n *Normalizer) rename(e int, key string) bool {
	return n.renameAs(e, key, false) != ""
}

// renamed is rename returning the value it moved, or "" when it moved
// none: the value key then has when nothing else sets it, without
// looking it up again.
func (n *Normalizer) renamed(e int, key string) string {
	return n.renameAs(e, key, false)
}

// renameGUID is rename for a process GUID, which it writes as vigil
// keeps every process GUID (normalizeGUID: lower case, in braces). Sysmon
// writes them either way depending on its version and on how the record
// was rendered, and a join on process.entity_id must not depend on that.
func (n *Normalizer) renameGUID(e int, key string) bool {
	return n.renameAs(e, key, true) != ""
}

func (n *Normalizer) renameAs(e int, key string, guid bool) string {
	it := n.item(e)
	if it == nil || it.value == "" {
		return ""
	}
	if _, ok := n.d.Get(key); ok {
		return ""
	}
	v := it.value
	if guid {
		v = normalizeGUID(&n.a, v)
	}
	n.d.Set(key, event.Str(v))
	it.gone = true
	return v
}

// copyItem copies a non-empty event data item to key.
func (n *Normalizer) copyItem(e int, key string) {
	if v, ok := n.get(e); ok && v != "" {
		n.d.Set(key, event.Str(v))
	}
}

// convertLong sets key to the item parsed as a decimal long.
func (n *Normalizer) convertLong(e int, key string) (int64, bool) {
	v, ok := n.get(e)
	if !ok || v == "" {
		return 0, false
	}
	i, ok := parseLong(v)
	if ok {
		n.d.Set(key, event.Int(i))
	}
	return i, ok
}

func (n *Normalizer) set(key, s string) { n.d.SetStr(key, s) }

func (n *Normalizer) has(key string) bool {
	if _, ok := n.d.Get(key); ok {
		return true
	}
	if n.wantAll {
		return false
	}
	o, ok := outIndex[key]
	return ok && n.outPos[o] != 0
}

func (n *Normalizer) str(key string) string { return n.d.GetStr(key) }

// rel adds s to related.<kind> unless it is there already.
func (n *Normalizer) rel(kind int, s string) {
	if s == "" {
		return
	}
	for _, v := range n.related[kind] {
		if v.Str() == s {
			return
		}
	}
	n.related[kind] = append(n.related[kind], event.Str(s))
}

// strArray is an array of string values in the arena.
func (n *Normalizer) strArray(ss ...string) event.Value { return n.a.strArray(ss) }

type kind uint8

const (
	kindOther kind = iota
	kindSysmon
	kindSecurity
	kindSystem
	kindApplication
	kindPowerShellOp
	kindPowerShell
	numKinds
)

func channelKind(r *Record) kind {
	switch c := r.Channel; {
	case strings.EqualFold(c, ChannelSysmon):
		return kindSysmon
	case strings.EqualFold(c, ChannelSecurity):
		return kindSecurity
	case strings.EqualFold(c, ChannelSystem):
		return kindSystem
	case strings.EqualFold(c, ChannelApplication):
		return kindApplication
	case strings.EqualFold(c, ChannelPowerShellOp):
		return kindPowerShellOp
	case strings.EqualFold(c, ChannelPowerShell):
		return kindPowerShell
	}
	return kindOther
}

var kindDataset = [numKinds]string{
	kindOther:        "windows.forwarded",
	kindSysmon:       "windows.sysmon_operational",
	kindSecurity:     "system.security",
	kindSystem:       "system.system",
	kindApplication:  "system.application",
	kindPowerShellOp: "windows.powershell_operational",
	kindPowerShell:   "windows.powershell",
}

var kindIndex = func() (idx [numKinds]string) {
	for k, ds := range kindDataset {
		idx[k] = "logs-" + ds + "-default"
	}
	return idx
}()

var kindModule = [numKinds]string{
	kindSysmon:       "sysmon",
	kindSecurity:     "security",
	kindSystem:       "system",
	kindApplication:  "system",
	kindPowerShellOp: "powershell",
	kindPowerShell:   "powershell",
}

var (
	valEvent   = event.Str("event")
	valWindows = event.Str("windows")
	valLogs    = event.Str("logs")
	valDefault = event.Str("default")
	valECS     = event.Str(ECSVersion)
)

// common sets the fields every record gets: what Winlogbeat or Elastic
// Agent's winlog input writes before any pipeline runs, plus the host and
// data stream fields the agent adds.
func (n *Normalizer) common(r *Record, k kind) {
	d := n.d
	created := "" // TimeCreated as Winlogbeat writes it
	if r.HasTimeCreated {
		created = n.a.timeNano(r.TimeCreated)
		d.Set("@timestamp", event.Str(created))
	} else if r.Timestamp != "" {
		d.Set("@timestamp", event.Str(r.Timestamp))
	}
	if r.HasEventID {
		n.code = r.EventID
		s := n.eventCode(r.EventID)
		n.codeStr = s
		d.Set("event.code", event.Str(s))
		n.out(oEventID, event.Str(s))
	} else {
		n.code, n.codeStr = 0, ""
	}
	n.out(oKind, valEvent)
	n.outStr(oProvider, r.Provider)
	if m := kindModule[k]; m != "" {
		n.out(oModule, event.Str(m))
	}
	ds := event.Str(kindDataset[k])
	n.out(oDataset, ds)
	n.out(oStreamType, valLogs)
	n.out(oStreamDataset, ds)
	n.out(oStreamNamespace, valDefault)
	n.out(oECSVersion, valECS)
	if r.HasTimeCreated && n.want[oCreated] {
		d.Set("event.created", event.Str(n.a.timeMillis(r.TimeCreated)))
	}
	if a := r.Action; a != "" {
		d.Set("event.action", event.Str(a))
	} else if t := r.Task; t != "" && !isNumber(t) {
		d.Set("event.action", event.Str(t))
	}
	outcome := r.Outcome
	if outcome == "" {
		for _, kw := range r.Keywords {
			switch kw {
			case "Audit Success":
				outcome = "success"
			case "Audit Failure":
				outcome = "failure"
			}
		}
	}
	if outcome != "" {
		d.Set("event.outcome", event.Str(outcome))
		n.out(oOutcome, event.Str(outcome))
	}
	host := r.HostName
	if host == "" {
		host = r.Computer
	}
	n.outStr(oHostName, host)
	n.out(oOSType, valWindows)
	n.out(oOSFamily, valWindows)
	n.outStr(oLogLevel, r.Level)
	n.outStr(oLevel, r.Level)
	if r.MessageEscaped {
		n.out(oMessage, event.Escaped(r.Message))
	} else {
		n.outStr(oMessage, r.Message)
	}

	n.outStr(oChannel, r.Channel)
	n.outStr(oComputer, r.Computer)
	n.outStr(oProviderName, r.Provider)
	n.outStr(oProviderGUID, r.ProviderGUID)
	if r.EventSource != "" && r.EventSource != r.Provider {
		n.outStr(oEventSource, r.EventSource)
	}
	if r.HasRecordID && n.want[oRecordID] {
		d.Set("winlog.record_id", event.Str(n.a.itoa(int64(r.RecordID))))
	}
	n.outStr(oTask, r.Task)
	n.outStr(oOpcode, r.Opcode)
	if r.Version >= 0 {
		n.out(oVersion, event.Int(int64(r.Version)))
	}
	if len(r.Keywords) > 0 && n.want[oKeywords] {
		d.Set("winlog.keywords", n.a.strArray(r.Keywords))
	}
	if r.HasProcess {
		n.out(oPID, event.Int(int64(r.ProcessID)))
		n.out(oTID, event.Int(int64(r.ThreadID)))
	}
	n.outStr(oActivityID, r.ActivityID)
	n.outStr(oRelatedActivityID, r.RelatedActivityID)
	n.outStr(oUserIdentifier, r.User.Identifier)
	n.outStr(oUserName, r.User.Name)
	n.outStr(oUserDomain, r.User.Domain)
	n.outStr(oUserType, r.User.Type)
	if r.HasTimeCreated && k != kindSysmon && k != kindPowerShell && k != kindPowerShellOp {
		// Only the pipelines that parse winlog.time_created remove it.
		n.out(oTimeCreated, event.Str(created))
	}
	for _, p := range r.UserData {
		if p.Null {
			continue
		}
		key := n.key("winlog.user_data.", p.Name)
		if len(p.Values) > 1 {
			d.Set(key, n.a.strArray(p.Values))
		} else {
			d.Set(key, event.Str(p.Value))
		}
	}
}

// eventCode returns an event id's text: the last record's when the id is
// the same (records of one kind come in runs), else from codes, which
// keeps the text of every id met (up to a bound) when n is not detached.
func (n *Normalizer) eventCode(id uint32) string {
	if id == n.lastCode && n.lastCodeStr != "" {
		return n.lastCodeStr
	}
	s, ok := n.codes[id]
	if !ok {
		s = n.a.itoa(int64(id))
		if n.a.detached || len(n.codes) >= 70000 {
			return s // in the arena: not kept past this record
		}
		s = strings.Clone(s)
		n.codes[id] = s
	}
	n.lastCode, n.lastCodeStr = id, s
	return s
}

// Fields common writes that the mapping never reads back (nor deletes,
// but for winlog.level, which is then absent anyway): with Only, those no
// slot takes are not written (see want).
const (
	oEventID = iota
	oKind
	oProvider
	oModule
	oDataset
	oStreamType
	oStreamDataset
	oStreamNamespace
	oECSVersion
	oCreated
	oOutcome
	oHostName
	oOSType
	oOSFamily
	oLogLevel
	oLevel
	oMessage
	oChannel
	oComputer
	oProviderName
	oProviderGUID
	oEventSource
	oRecordID
	oTask
	oOpcode
	oVersion
	oKeywords
	oPID
	oTID
	oActivityID
	oRelatedActivityID
	oUserIdentifier
	oUserName
	oUserDomain
	oUserType
	oTimeCreated
	numOut
)

var outKeys = [numOut]string{
	oEventID: "winlog.event_id", oKind: "event.kind", oProvider: "event.provider", oModule: "event.module",
	oDataset: "event.dataset", oStreamType: "data_stream.type", oStreamDataset: "data_stream.dataset",
	oStreamNamespace: "data_stream.namespace", oECSVersion: "ecs.version", oCreated: "event.created",
	oOutcome: "winlog.outcome", oHostName: "host.name", oOSType: "host.os.type", oOSFamily: "host.os.family",
	oLogLevel: "log.level", oLevel: "winlog.level", oMessage: "message", oChannel: "winlog.channel",
	oComputer: "winlog.computer_name", oProviderName: "winlog.provider_name", oProviderGUID: "winlog.provider_guid",
	oEventSource: "winlog.event_source", oRecordID: "winlog.record_id", oTask: "winlog.task",
	oOpcode: "winlog.opcode", oVersion: "winlog.version", oKeywords: "winlog.keywords",
	oPID: "winlog.process.pid", oTID: "winlog.process.thread.id", oActivityID: "winlog.activity_id",
	oRelatedActivityID: "winlog.related_activity_id", oUserIdentifier: "winlog.user.identifier",
	oUserName: "winlog.user.name", oUserDomain: "winlog.user.domain", oUserType: "winlog.user.type",
	oTimeCreated: "winlog.time_created",
}

// wants sets want for Only's slots as they are now: every field without
// Only.
func (n *Normalizer) wants() {
	if n.Only == nil {
		if !n.wantAll {
			for i := range n.want {
				n.want[i] = true
			}
			n.wantAll, n.keys = true, event.KeySet{}
		}
		return
	}
	ks := n.Only.KeySet()
	if ks == n.keys && !n.wantAll {
		return
	}
	for i, k := range outKeys {
		n.want[i] = ks.Has(k)
		n.outSlot[i] = 0
		if slot, ok := n.Only.Lookup(k); ok && n.want[i] {
			n.outSlot[i] = int32(slot) + 1
		}
	}
	n.wantAll, n.keys = false, ks
	clear(n.edSlot[:])
}

// kept reports whether finish writes an item: always without Only, else
// when Only has a slot for its key.
func (n *Normalizer) kept(it *item) bool {
	if n.Only == nil {
		return true
	}
	if it.ed == 0 {
		return n.keys.Has(n.itemKey(it))
	}
	return n.itemSlot(it) >= 0
}

// itemSlot returns Only's slot of the key of an item whose name is one of
// edNames (it.ed != 0), or -1.
func (n *Normalizer) itemSlot(it *item) int {
	k := &n.edSlot[it.ed-1]
	if *k == 0 {
		*k = -1
		if slot, ok := n.Only.Lookup(n.itemKey(it)); ok && n.keys.Has(n.itemKey(it)) {
			*k = int32(slot) + 1
		}
	}
	if *k < 0 {
		return -1
	}
	return int(*k) - 1
}

// out sets outKeys[o] to v unless Only leaves it out: in the document,
// or with Only by slot (see Slotted).
func (n *Normalizer) out(o int, v event.Value) {
	if n.want[o] { // which every field Only has a slot for is (wants)
		n.setOut(o, v)
	}
}

// slot1 gives outKeys[o] the value v by slot, replacing the one given
// before in this record.
func (n *Normalizer) slot1(o int, v event.Value) {
	if p := n.outPos[o]; p != 0 {
		n.slotted[p-1] = event.SlotValue{Slot: int(n.outSlot[o]) - 1, Value: v}
		return
	}
	n.slotted = append(n.slotted, event.SlotValue{Slot: int(n.outSlot[o]) - 1, Value: v})
	n.outPos[o] = uint16(len(n.slotted))
}

// setOut sets outKeys[o] to v as out does, but also when Only has no
// slot for it, as the mappings that change one of those fields did
// before Only left any out.
func (n *Normalizer) setOut(o int, v event.Value) {
	if n.outSlot[o] != 0 && !n.wantAll {
		n.slot1(o, v)
		return
	}
	n.d.Set(outKeys[o], v)
}

// deleteOut removes outKeys[o], wherever out put it.
func (n *Normalizer) deleteOut(o int) {
	if p := n.outPos[o]; p != 0 {
		n.slotted[p-1] = event.SlotValue{Slot: -1}
		n.outPos[o] = 0
	}
	n.d.Delete(outKeys[o])
}

// outIndex is the index in outKeys of each of them.
var outIndex = func() map[string]int {
	m := make(map[string]int, numOut)
	for o, k := range outKeys {
		m[k] = o
	}
	return m
}()

// outStr is out for a string, set only when not empty.
func (n *Normalizer) outStr(o int, s string) {
	if s != "" {
		n.out(o, event.Str(s))
	}
}

// finish writes the remaining event data and the related fields. Records
// of one kind must make documents of one shape (keys in the same order),
// for Doc.AppendJSON caches the layout of each shape: EVTX records give
// their event data in their template's order, JSON records in whatever
// order their producer wrote, so those are sorted by name.
func (n *Normalizer) finish(k kind) {
	order := n.order[:0]
	for i := range n.items {
		if it := &n.items[i]; !it.gone && !it.null && n.kept(it) {
			order = append(order, int16(i))
		}
	}
	// With Only the document is not written out (see Only), and its
	// fields, one for each name, go to their slots whatever their order.
	for i := 1; i < len(order) && !n.r.ordered && n.Only == nil; i++ {
		for j := i; j > 0 && n.items[order[j-1]].name > n.items[order[j]].name; j-- {
			order[j-1], order[j] = order[j], order[j-1]
		}
	}
	n.order = order
	for _, i := range order {
		it := &n.items[i]
		v := it.val
		if v.Kind() == event.KindMissing {
			v = event.Str(it.value)
		}
		if it.ed != 0 && !n.wantAll {
			// With Only, by slot (see Slotted): an edNames name is
			// one item, whose key no other field has.
			n.slotted = append(n.slotted, event.SlotValue{Slot: n.itemSlot(it), Value: v})
			continue
		}
		n.d.Set(n.itemKey(it), v)
	}
	if n.KeepEventData {
		n.keepEventData()
	}
	names := [numRel]string{"related.user", "related.ip", "related.hash", "related.hosts"}
	for i, vs := range n.related {
		if len(vs) > 0 && (n.Only == nil || n.keys.Has(names[i])) {
			n.d.Set(names[i], n.a.array(vs))
		}
	}
}

// itemKey returns an event data item's key in the document.
func (n *Normalizer) itemKey(it *item) string {
	if it.key == "" {
		it.key = n.key("winlog.event_data.", it.name)
	}
	return it.key
}

// keepEventData writes the record's event data the mapping did not leave
// in the document (see KeepEventData).
func (n *Normalizer) keepEventData() {
	var unnamed []string // the values of unnamed data (paramN), as Data
	for _, p := range n.r.EventData {
		if p.Null || p.Name == "" {
			continue
		}
		if len(p.Name) > 5 && p.Name[:5] == "param" && isNumber(p.Name[5:]) {
			if len(p.Values) > 0 {
				unnamed = append(unnamed, p.Values...)
			} else {
				unnamed = append(unnamed, p.Value)
			}
		}
		n.keepItem(n.key("winlog.event_data.", p.Name), p)
		if strings.IndexByte(p.Name, ' ') >= 0 {
			// Sigma writes names with spaces (Windows Defender's
			// "Threat Name") without them.
			n.keepItem(n.key("winlog.event_data.", strings.ReplaceAll(p.Name, " ", "")), p)
		}
	}
	if len(unnamed) > 0 {
		n.keepItem(n.key("winlog.event_data.", "Data"), Param{Value: unnamed[0], Values: unnamed})
	}
}

func (n *Normalizer) keepItem(key string, p Param) {
	if _, ok := n.d.Get(key); ok {
		return
	}
	if len(p.Values) > 1 {
		n.d.Set(key, n.a.strArray(p.Values))
	} else {
		n.d.Set(key, event.Str(p.Value))
	}
}

// key returns prefix+name for winlog.event_data. and winlog.user_data.,
// cached so that common names cost nothing.
func (n *Normalizer) key(prefix, name string) string {
	if prefix == "winlog.event_data." {
		if ni, ok := n.names.get(name); ok {
			return ni.key
		}
		k := n.a.concat(prefix, name)
		if !n.a.detached && n.names.len() < numNames+maxEventDataKeyCache {
			k = strings.Clone(k)
			n.names.put(strings.Clone(name), nameInfo{key: k})
		}
		return k
	}
	if k, ok := n.ukeys[name]; ok {
		return k
	}
	k := n.a.concat(prefix, name)
	if !n.a.detached && len(n.ukeys) < maxEventDataKeyCache {
		k = strings.Clone(k)
		n.ukeys[strings.Clone(name)] = k
	}
	return k
}

// isNumber reports whether s is a decimal number, as a task's code is.
func isNumber(s string) bool {
	_, ok := parseUint(s)
	return ok
}

// parseLong parses a decimal integer as Elasticsearch's convert processor
// does (a leading sign allowed).
func parseLong(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v, ok := parseUint(s)
	if !ok || v > 1<<63-1 {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
}

// decodeLong parses an integer as Java's Long.decode does: an optional
// sign, then 0x/0X/# for hex, a leading 0 for octal, or decimal.
func decodeLong(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	base := uint64(10)
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		base, s = 16, s[2:]
	case strings.HasPrefix(s, "#"):
		base, s = 16, s[1:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || len(s) > 22 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var dgt uint64
		switch {
		case c >= '0' && c <= '9':
			dgt = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			dgt = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			dgt = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if dgt >= base {
			return 0, false
		}
		nv := v*base + dgt
		if nv/base != v || nv > 1<<63 {
			return 0, false
		}
		v = nv
	}
	if neg {
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
