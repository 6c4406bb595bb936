package winlog

import (
	"bytes"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vigilsec/vigil/internal/jsonscan"
)

// SyntaxError reports malformed JSON at a byte offset of the line.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "winlog: invalid JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Field identifiers of the raw winlog JSON that DecodeJSON keeps.
const (
	jNone = iota
	jTimestamp
	jMessage
	jHostName
	jEventCode
	jEventProvider
	jEventOutcome
	jEventAction
	jLogLevel
	jChannel
	jEventID
	jComputer
	jProviderName
	jProviderGUID
	jEventSource
	jRecordID
	jTask
	jOpcode
	jVersion
	jLevel
	jKeywords
	jPID
	jTID
	jActivityID
	jRelatedActivityID
	jUserIdentifier
	jUserName
	jUserDomain
	jUserType
	jTimeCreated
	jOutcome
	jEventData
	jUserData
)

// jnode is a node of the trie of dotted field paths DecodeJSON knows.
type jnode struct {
	id   int
	kids map[string]*jnode // while the trie is built; then table
	// table holds the children for kid: every member of every record
	// looks its name up, and a Go map's hash of the whole name was a
	// tenth of the decoding. Open addressing by keyword.Word, at most a
	// quarter full.
	table []jslot
	// path is the node's dotted path ("host" for the node above
	// host.name); winlog is true for winlog and every node below it.
	path   string
	winlog bool
}

var jroot = buildTrie(map[string]int{
	"@timestamp":                 jTimestamp,
	"message":                    jMessage,
	"host.name":                  jHostName,
	"event.code":                 jEventCode,
	"event.provider":             jEventProvider,
	"event.outcome":              jEventOutcome,
	"event.action":               jEventAction,
	"log.level":                  jLogLevel,
	"winlog.channel":             jChannel,
	"winlog.event_id":            jEventID,
	"winlog.computer_name":       jComputer,
	"winlog.provider_name":       jProviderName,
	"winlog.provider_guid":       jProviderGUID,
	"winlog.event_source":        jEventSource,
	"winlog.record_id":           jRecordID,
	"winlog.task":                jTask,
	"winlog.opcode":              jOpcode,
	"winlog.version":             jVersion,
	"winlog.level":               jLevel,
	"winlog.keywords":            jKeywords,
	"winlog.process.pid":         jPID,
	"winlog.process.thread.id":   jTID,
	"winlog.activity_id":         jActivityID,
	"winlog.related_activity_id": jRelatedActivityID,
	"winlog.user.identifier":     jUserIdentifier,
	"winlog.user.name":           jUserName,
	"winlog.user.domain":         jUserDomain,
	"winlog.user.type":           jUserType,
	"winlog.time_created":        jTimeCreated,
	"winlog.outcome":             jOutcome,
	"winlog.event_data":          jEventData,
	"winlog.user_data":           jUserData,
})

func buildTrie(paths map[string]int) *jnode {
	root := &jnode{}
	for p, id := range paths {
		n := root
		for _, seg := range bytes.Split([]byte(p), []byte{'.'}) {
			if n.kids == nil {
				n.kids = map[string]*jnode{}
			}
			k := n.kids[string(seg)]
			if k == nil {
				k = &jnode{path: string(seg)}
				if n != root {
					k.path = n.path + "." + string(seg)
				}
				k.winlog = n.winlog || k.path == "winlog"
				n.kids[string(seg)] = k
			}
			n = k
		}
		n.id = id
	}
	root.index()
	return root
}

// jslot is a slot of jnode.table: a child and the word of its name.
type jslot struct {
	w    uint64
	name string
	node *jnode
}

// index builds the tables of n and the nodes below it.
func (n *jnode) index() {
	if len(n.kids) == 0 {
		return
	}
	size := 4
	for size < 4*len(n.kids) {
		size *= 2
	}
	n.table = make([]jslot, size)
	for name, k := range n.kids {
		w := nameWord(name)
		i := jstart(w, size)
		for n.table[i].node != nil {
			i = (i + 1) & (size - 1)
		}
		n.table[i] = jslot{w: w, name: name, node: k}
		k.index()
	}
	n.kids = nil
}

func jstart(w uint64, size int) int {
	return int((w * 0x9e3779b97f4a7c15) >> (64 - bits.Len(uint(size-1))))
}

// kid returns the child named k, or nil.
func (n *jnode) kid(k string) *jnode {
	if s := n.slot(k); s != nil {
		return s.node
	}
	return nil
}

// slot returns the slot of the child named k, or nil.
func (n *jnode) slot(k string) *jslot {
	if len(n.table) == 0 {
		return nil
	}
	w := nameWord(k)
	mask := len(n.table) - 1
	for i := jstart(w, len(n.table)); ; i = (i + 1) & mask {
		s := &n.table[i]
		if s.node == nil {
			return nil
		}
		if s.w == w && s.name == k {
			return s
		}
	}
}

// jhint is what the member at one place in a record (the nth whose name
// a trie node looked up) was in the record before: records from one
// shipper name their members in one order, so comparing the name with
// the last one's costs less than hashing it.
type jhint struct {
	parent *jnode
	slot   *jslot // its name is the trie's own, never the record's; nil: none
}

// kid is n.kid(k) for the record's next member, through the record's
// hints.
func (d *jdecoder) kid(n *jnode, k string) *jnode {
	i := d.nkid
	d.nkid++
	hints := d.rec.hints
	if i < len(hints) {
		if h := hints[i]; h.parent == n && h.slot != nil && h.slot.name == k {
			return h.slot.node
		}
	}
	s := n.slot(k) // nil (a name the trie lacks) is kept too, to keep places
	if i < len(hints) {
		hints[i] = jhint{parent: n, slot: s}
	} else if i == len(hints) && i < maxHints {
		d.rec.hints = append(hints, jhint{parent: n, slot: s})
	}
	if s == nil {
		return nil
	}
	return s.node
}

// maxHints bounds the hints a Record keeps.
const maxHints = 64

// DecodeJSON fills rec from one raw winlog JSON record: the form Winlogbeat
// 8 and Elastic Agent ship before Elastic's ingest pipelines run, nested
// ({"winlog":{"channel":...}}) or dotted ({"winlog.channel":...}). Fields
// it does not know are skipped. Strings without escapes point into line,
// which must stay unchanged while rec is in use; rec is reset first.
func DecodeJSON(line []byte, rec *Record) error {
	var err error
	rec.buf, err = decodeJSON(line, rec, rec.buf[:0])
	return err
}

// DecodeJSONTo is DecodeJSON writing the strings it unescapes (and the
// dotted keys it joins) at the free end of buf rather than in rec's own
// buffer, and returning buf with them appended. When they do not fit in
// buf's capacity it is a buffer of its own, and buf's free end may hold
// some of them too. A caller that keeps buf's bytes (see
// event.Event.Spare and Keep) keeps rec's strings valid after rec is
// decoded into again.
func DecodeJSONTo(line []byte, rec *Record, buf []byte) ([]byte, error) {
	return decodeJSON(line, rec, buf)
}

func decodeJSON(line []byte, rec *Record, buf []byte) ([]byte, error) {
	rec.Reset()
	d := jdecoder{Scanner: jsonscan.Scanner{Data: line, Buf: buf}, rec: rec}
	err := d.Begin()
	if err == nil {
		err = d.object(jroot, 0)
	}
	if err == nil {
		err = d.End()
	}
	if se, ok := err.(*jsonscan.SyntaxError); ok {
		return d.Buf, &SyntaxError{Offset: se.Offset, Msg: se.Msg}
	}
	return d.Buf, err
}

// jdecoder walks a raw record with the trie of the fields it keeps.
type jdecoder struct {
	jsonscan.Scanner
	rec  *Record
	nkid int // members looked up so far (see kid)
}

func (d *jdecoder) object(n *jnode, depth int) error {
	return d.Object(depth, func(k string) error { return d.member(n, k, depth+1) })
}

// member decodes the value of key k of an object at trie node n.
func (d *jdecoder) member(n *jnode, k string, depth int) error {
	var t *jnode
	if n != nil {
		t = d.kid(n, k)
		if t == nil && strings.IndexByte(k, '.') >= 0 {
			t = n
			for seg := range strings.SplitSeq(k, ".") {
				if t = t.kid(seg); t == nil {
					break
				}
			}
		}
	}
	c := d.Data[d.Pos]
	switch {
	case t == nil:
		if n == nil || n.winlog || n == jroot && isWinlogKey(k) {
			return d.Skip(depth)
		}
		return d.shipper(d.path(n, k), depth)
	case t.id == jEventData || t.id == jUserData:
		if c != '{' {
			return d.Skip(depth)
		}
		if t.id == jEventData {
			return d.params(&d.rec.EventData, "", depth)
		}
		return d.params(&d.rec.UserData, "", depth)
	case c == '{':
		if t.table == nil {
			return d.Skip(depth)
		}
		return d.object(t, depth)
	case c == '[':
		if t.id == jKeywords {
			var err error
			d.rec.Keywords, err = d.stringArray(d.rec.Keywords, depth)
			return err
		}
		return d.Skip(depth)
	}
	if t.id == jNone {
		return d.Skip(depth)
	}
	if t.id == jMessage && c == '"' && !d.rec.UnescapeMessage {
		// Long, full of escapes, and read by few rules: left escaped.
		text, escaped, err := d.Escaped()
		d.rec.Message, d.rec.MessageEscaped = text, escaped
		return err
	}
	s, null, err := d.scalar()
	if err != nil || null {
		return err
	}
	d.assign(t.id, s)
	return nil
}

// textField is a string field of Record that DecodeJSON fills; a
// fallback field (event.provider for winlog.provider_name, ...) does not
// replace a value already set.
type textField struct {
	field    func(*Record) *string
	fallback bool
}

// textFields are the string fields by field identifier.
var textFields = [jUserData + 1]textField{
	jTimestamp:         {field: func(r *Record) *string { return &r.Timestamp }},
	jMessage:           {field: func(r *Record) *string { return &r.Message }},
	jHostName:          {field: func(r *Record) *string { return &r.HostName }},
	jEventProvider:     {field: func(r *Record) *string { return &r.Provider }, fallback: true},
	jEventOutcome:      {field: func(r *Record) *string { return &r.Outcome }, fallback: true},
	jOutcome:           {field: func(r *Record) *string { return &r.Outcome }, fallback: true},
	jEventAction:       {field: func(r *Record) *string { return &r.Action }},
	jLogLevel:          {field: func(r *Record) *string { return &r.Level }, fallback: true},
	jLevel:             {field: func(r *Record) *string { return &r.Level }, fallback: true},
	jChannel:           {field: func(r *Record) *string { return &r.Channel }},
	jComputer:          {field: func(r *Record) *string { return &r.Computer }},
	jProviderName:      {field: func(r *Record) *string { return &r.Provider }},
	jProviderGUID:      {field: func(r *Record) *string { return &r.ProviderGUID }},
	jEventSource:       {field: func(r *Record) *string { return &r.EventSource }},
	jTask:              {field: func(r *Record) *string { return &r.Task }},
	jOpcode:            {field: func(r *Record) *string { return &r.Opcode }},
	jActivityID:        {field: func(r *Record) *string { return &r.ActivityID }},
	jRelatedActivityID: {field: func(r *Record) *string { return &r.RelatedActivityID }},
	jUserIdentifier:    {field: func(r *Record) *string { return &r.User.Identifier }},
	jUserName:          {field: func(r *Record) *string { return &r.User.Name }},
	jUserDomain:        {field: func(r *Record) *string { return &r.User.Domain }},
	jUserType:          {field: func(r *Record) *string { return &r.User.Type }},
}

// assign stores the scalar s of the field id in the record.
func (d *jdecoder) assign(id int, s string) {
	r := d.rec
	if f := textFields[id]; f.field != nil {
		if p := f.field(r); !f.fallback || *p == "" {
			*p = s
		}
		return
	}
	v, num := parseUint(s)
	switch id {
	case jEventCode, jEventID:
		// winlog.event_id wins over event.code.
		if num && v <= 0xffffffff && (id == jEventID || !r.HasEventID) {
			r.EventID, r.HasEventID = uint32(v), true
		}
	case jRecordID:
		if num {
			r.RecordID, r.HasRecordID = v, true
		}
	case jVersion:
		if num && v < 256 {
			r.Version = int(v)
		}
	case jKeywords:
		r.Keywords = append(r.Keywords, s)
	case jPID, jTID:
		if num && v <= 0xffffffff {
			if id == jPID {
				r.ProcessID = uint32(v)
			} else {
				r.ThreadID = uint32(v)
			}
			r.HasProcess = true
		}
	case jTimeCreated:
		if ns, ok := parseTime(s); ok {
			r.TimeCreated, r.HasTimeCreated = ns, true
		}
	}
}

func parseUint(s string) (uint64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n := v*10 + uint64(c-'0')
		if n < v {
			return 0, false
		}
		v = n
	}
	return v, true
}

// params collects the members of an event_data or user_data object. A
// nested object's members are kept with dotted names.
func (d *jdecoder) params(dst *[]Param, prefix string, depth int) error {
	return d.Object(depth, func(k string) error {
		if prefix != "" {
			k = d.concat(prefix, k)
		}
		switch d.Data[d.Pos] {
		case '{':
			return d.params(dst, k, depth+1)
		case '[':
			return d.paramArray(dst, k, depth+1)
		}
		s, null, err := d.scalar()
		if err != nil {
			return err
		}
		*dst = append(*dst, Param{Name: k, Value: s, Null: null})
		return nil
	})
}

func (d *jdecoder) paramArray(dst *[]Param, k string, depth int) error {
	vals, err := d.stringArray(nil, depth)
	if err != nil {
		return err
	}
	p := Param{Name: k, Values: vals, Null: len(vals) == 0}
	if len(vals) > 0 {
		p.Value = vals[0]
	}
	*dst = append(*dst, p)
	return nil
}

// stringArray appends the strings, numbers and booleans of the array at
// d.Pos to dst, as their text. Nulls are left out and nested objects and
// arrays skipped.
func (d *jdecoder) stringArray(dst []string, depth int) ([]string, error) {
	err := d.Array(depth, func() error {
		if c := d.Data[d.Pos]; c == '{' || c == '[' {
			return d.Skip(depth + 1)
		}
		s, null, err := d.scalar()
		if err == nil && !null {
			dst = append(dst, s)
		}
		return err
	})
	return dst, err
}

// scalar decodes a string, number, true, false or null at d.Pos; numbers
// and booleans are returned as their text.
func (d *jdecoder) scalar() (s string, null bool, err error) {
	k, text, err := d.Scalar()
	switch k {
	case jsonscan.True:
		return "true", false, nil
	case jsonscan.False:
		return "false", false, nil
	case jsonscan.Null:
		return "", true, nil
	}
	return text, false, err
}

// concat joins prefix and k with a dot in the record's buffer.
func (d *jdecoder) concat(prefix, k string) string {
	b := d.Alloc(len(prefix) + 1 + len(k))
	n := copy(b, prefix)
	b[n] = '.'
	copy(b[n+1:], k)
	return unsafe.String(&b[0], len(b))
}
