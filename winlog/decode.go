package winlog

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/internal/jsonstring"
)

// maxDepth bounds nesting in DecodeJSON so hostile input cannot exhaust
// the stack.
const maxDepth = 128

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
	kids map[string]*jnode
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
	return root
}

// DecodeJSON fills rec from one raw winlog JSON record: the form Winlogbeat
// 8 and Elastic Agent ship before Elastic's ingest pipelines run, nested
// ({"winlog":{"channel":...}}) or dotted ({"winlog.channel":...}). Fields
// it does not know are skipped. Strings without escapes point into line,
// which must stay unchanged while rec is in use; rec is reset first.
func DecodeJSON(line []byte, rec *Record) error {
	rec.Reset()
	d := jdecoder{data: line, rec: rec}
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return d.fail("expected a JSON object")
	}
	if err := d.object(jroot, 0); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.data) {
		return d.fail("unexpected data after the JSON object")
	}
	return nil
}

type jdecoder struct {
	data []byte
	pos  int
	rec  *Record
}

func (d *jdecoder) fail(msg string) error { return &SyntaxError{Offset: d.pos, Msg: msg} }

func (d *jdecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// objectStart consumes '{' and reports whether the object is empty.
func (d *jdecoder) objectStart(depth int) (bool, error) {
	if depth > maxDepth {
		return false, d.fail("nesting too deep")
	}
	d.pos++
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return true, nil
	}
	return false, nil
}

// key reads a member key and the ':' after it.
func (d *jdecoder) key() (string, error) {
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return "", d.fail("expected a string key")
	}
	k, err := d.str()
	if err != nil {
		return "", err
	}
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return "", d.fail("expected ':' after key")
	}
	d.pos++
	d.ws()
	return k, nil
}

// next consumes ',' or '}' after a member; it reports whether the object
// ended.
func (d *jdecoder) next(close byte) (bool, error) {
	d.ws()
	if d.pos >= len(d.data) {
		return false, d.fail("unterminated object or array")
	}
	switch d.data[d.pos] {
	case ',':
		d.pos++
		return false, nil
	case close:
		d.pos++
		return true, nil
	}
	return false, d.fail("expected ',' or '" + string(close) + "'")
}

func (d *jdecoder) object(n *jnode, depth int) error {
	return d.members(depth, func(k string) error { return d.member(n, k, depth+1) })
}

// members walks the object at d.pos, calling value for each member with
// d.pos at its value, which value must consume.
func (d *jdecoder) members(depth int, value func(k string) error) error {
	empty, err := d.objectStart(depth)
	if err != nil || empty {
		return err
	}
	for {
		k, err := d.key()
		if err != nil {
			return err
		}
		if d.pos >= len(d.data) {
			return d.fail("unexpected end of input")
		}
		if err := value(k); err != nil {
			return err
		}
		end, err := d.next('}')
		if err != nil || end {
			return err
		}
	}
}

// member decodes the value of key k of an object at trie node n.
func (d *jdecoder) member(n *jnode, k string, depth int) error {
	var t *jnode
	if n != nil {
		t = n.kids[k]
		if t == nil && len(k) > 0 && bytes.IndexByte(unsafe.Slice(unsafe.StringData(k), len(k)), '.') >= 0 {
			t = n
			for seg := range splitDots(k) {
				if t = t.kids[seg]; t == nil {
					break
				}
			}
		}
	}
	if d.pos >= len(d.data) {
		return d.fail("unexpected end of input")
	}
	c := d.data[d.pos]
	switch {
	case t == nil:
		if n == nil || n.winlog || n == jroot && isWinlogKey(k) {
			return d.skip(depth)
		}
		return d.shipper(d.path(n, k), depth)
	case t.id == jEventData || t.id == jUserData:
		if c != '{' {
			return d.skip(depth)
		}
		if t.id == jEventData {
			return d.params(&d.rec.EventData, "", depth)
		}
		return d.params(&d.rec.UserData, "", depth)
	case c == '{':
		if t.kids == nil {
			return d.skip(depth)
		}
		return d.object(t, depth)
	case c == '[':
		if t.id == jKeywords {
			var err error
			d.rec.Keywords, err = d.stringArray(d.rec.Keywords, depth)
			return err
		}
		return d.skip(depth)
	}
	if t.id == jNone {
		return d.skip(depth)
	}
	s, null, err := d.scalar()
	if err != nil || null {
		return err
	}
	d.assign(t.id, s)
	return nil
}

func splitDots(k string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for {
			i := 0
			for i < len(k) && k[i] != '.' {
				i++
			}
			if !yield(k[:i]) || i == len(k) {
				return
			}
			k = k[i+1:]
		}
	}
}

func (d *jdecoder) assign(id int, s string) {
	r := d.rec
	switch id {
	case jTimestamp:
		r.Timestamp = s
	case jMessage:
		r.Message = s
	case jHostName:
		r.HostName = s
	case jEventCode:
		if !r.HasEventID {
			if v, ok := parseUint(s); ok && v <= 0xffffffff {
				r.EventID, r.HasEventID = uint32(v), true
			}
		}
	case jEventProvider:
		if r.Provider == "" {
			r.Provider = s
		}
	case jEventOutcome, jOutcome:
		if r.Outcome == "" {
			r.Outcome = s
		}
	case jEventAction:
		r.Action = s
	case jLogLevel, jLevel:
		if r.Level == "" {
			r.Level = s
		}
	case jChannel:
		r.Channel = s
	case jEventID:
		if v, ok := parseUint(s); ok && v <= 0xffffffff {
			r.EventID, r.HasEventID = uint32(v), true
		}
	case jComputer:
		r.Computer = s
	case jProviderName:
		r.Provider = s
	case jProviderGUID:
		r.ProviderGUID = s
	case jEventSource:
		r.EventSource = s
	case jRecordID:
		if v, ok := parseUint(s); ok {
			r.RecordID, r.HasRecordID = v, true
		}
	case jTask:
		r.Task = s
	case jOpcode:
		r.Opcode = s
	case jVersion:
		if v, ok := parseUint(s); ok && v < 256 {
			r.Version = int(v)
		}
	case jKeywords:
		r.Keywords = append(r.Keywords, s)
	case jPID:
		if v, ok := parseUint(s); ok && v <= 0xffffffff {
			r.ProcessID, r.HasProcess = uint32(v), true
		}
	case jTID:
		if v, ok := parseUint(s); ok && v <= 0xffffffff {
			r.ThreadID, r.HasProcess = uint32(v), true
		}
	case jActivityID:
		r.ActivityID = s
	case jRelatedActivityID:
		r.RelatedActivityID = s
	case jUserIdentifier:
		r.User.Identifier = s
	case jUserName:
		r.User.Name = s
	case jUserDomain:
		r.User.Domain = s
	case jUserType:
		r.User.Type = s
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
	return d.members(depth, func(k string) error {
		if prefix != "" {
			k = d.concat(prefix, k)
		}
		switch d.data[d.pos] {
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
// d.pos to dst, as their text. Nulls are left out and nested objects and
// arrays skipped.
func (d *jdecoder) stringArray(dst []string, depth int) ([]string, error) {
	if depth > maxDepth {
		return dst, d.fail("nesting too deep")
	}
	d.pos++
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return dst, nil
	}
	for {
		d.ws()
		if d.pos >= len(d.data) {
			return dst, d.fail("unterminated array")
		}
		if c := d.data[d.pos]; c == '{' || c == '[' {
			if err := d.skip(depth + 1); err != nil {
				return dst, err
			}
		} else {
			s, null, err := d.scalar()
			if err != nil {
				return dst, err
			}
			if !null {
				dst = append(dst, s)
			}
		}
		end, err := d.next(']')
		if err != nil || end {
			return dst, err
		}
	}
}

// concat joins prefix and k with a dot in the record's buffer.
func (d *jdecoder) concat(prefix, k string) string {
	b := d.alloc(len(prefix) + 1 + len(k))
	n := copy(b, prefix)
	b[n] = '.'
	copy(b[n+1:], k)
	return unsafe.String(&b[0], len(b))
}

// alloc returns n bytes of the record's buffer, never moving bytes already
// handed out.
func (d *jdecoder) alloc(n int) []byte {
	buf := d.rec.buf
	if cap(buf)-len(buf) < n {
		buf = make([]byte, 0, max(2*cap(buf), n+256))
	}
	off := len(buf)
	buf = buf[:off+n]
	d.rec.buf = buf
	return buf[off : off+n : off+n]
}

// scalar decodes a string, number, true, false or null at d.pos; numbers
// and booleans are returned as their text.
func (d *jdecoder) scalar() (string, bool, error) {
	c := d.data[d.pos]
	switch {
	case c == '"':
		s, err := d.str()
		return s, false, err
	case c == 't':
		if bytes.HasPrefix(d.data[d.pos:], []byte("true")) {
			d.pos += 4
			return "true", false, nil
		}
	case c == 'f':
		if bytes.HasPrefix(d.data[d.pos:], []byte("false")) {
			d.pos += 5
			return "false", false, nil
		}
	case c == 'n':
		if bytes.HasPrefix(d.data[d.pos:], []byte("null")) {
			d.pos += 4
			return "", true, nil
		}
	case c == '-' || c >= '0' && c <= '9':
		start := d.pos
		i := d.pos
		if d.data[i] == '-' {
			i++
		}
		digits := 0
		for i < len(d.data) {
			b := d.data[i]
			if b >= '0' && b <= '9' {
				digits++
			} else if b != '.' && b != 'e' && b != 'E' && b != '+' && b != '-' {
				break
			}
			i++
		}
		if digits == 0 {
			return "", false, d.fail("invalid number")
		}
		d.pos = i
		return unsafe.String(&d.data[start], i-start), false, nil
	}
	return "", false, d.fail("unexpected character " + strconv.QuoteRune(rune(c)))
}

// str decodes a string at d.pos.
func (d *jdecoder) str() (string, error) {
	start := d.pos + 1
	j := bytes.IndexByte(d.data[start:], '"')
	if j < 0 {
		d.pos = len(d.data)
		return "", d.fail("unterminated string")
	}
	if bytes.IndexByte(d.data[start:start+j], '\\') < 0 {
		d.pos = start + j + 1
		if j == 0 {
			return "", nil
		}
		return unsafe.String(&d.data[start], j), nil
	}
	return d.unescape(start, start+j)
}

// unescape decodes a string with escapes, whose first byte is at start and
// whose first quote is at quote.
func (d *jdecoder) unescape(start, quote int) (string, error) {
	end := jsonstring.End(d.data, start, quote)
	if end < 0 {
		d.pos = len(d.data)
		return "", d.fail("unterminated string")
	}
	// Escapes only shrink: the output fits in end-start bytes.
	out := d.alloc(end - start)[:0]
	i := start
	for i < end {
		if i+8 <= end {
			// Eight bytes at a time up to the next backslash: the word is
			// written whole (out has room: it never gets ahead of i) and
			// cut after the bytes before the backslash.
			w := binary.LittleEndian.Uint64(d.data[i:])
			x := w ^ ('\\' * 0x0101010101010101)
			m := (x - 0x0101010101010101) &^ x & 0x8080808080808080
			n := len(out)
			out = binary.LittleEndian.AppendUint64(out, w)
			if m == 0 {
				i += 8
				continue
			}
			k := bits.TrailingZeros64(m) / 8 // the first backslash
			out = out[:n+k]
			i += k
		} else {
			for i < end && d.data[i] != '\\' {
				out = append(out, d.data[i])
				i++
			}
			if i == end {
				break
			}
		}
		e := d.data[i+1]
		i += 2
		if c, ok := jsonstring.Escape(e); ok {
			out = append(out, c)
			continue
		}
		if e != 'u' {
			d.pos = i - 2
			return "", d.fail("invalid escape '\\" + string(rune(e)) + "'")
		}
		r, next, ok := jsonstring.Unicode(d.data[:end], i)
		if !ok {
			d.pos = i - 2
			return "", d.fail("invalid \\u escape")
		}
		i = next
		// A \uXXXX escape is 6 bytes and encodes to at most 4 (a
		// surrogate pair is 12 bytes for 4), so out never outgrows its
		// capacity.
		out = utf8.AppendRune(out, r)
	}
	d.pos = end + 1
	if len(out) == 0 {
		return "", nil
	}
	return unsafe.String(&out[0], len(out)), nil
}

// skip passes over one JSON value, checking its syntax.
func (d *jdecoder) skip(depth int) error {
	if depth > maxDepth {
		return d.fail("nesting too deep")
	}
	if d.pos >= len(d.data) {
		return d.fail("unexpected end of input")
	}
	switch d.data[d.pos] {
	case '{':
		return d.members(depth, func(string) error { return d.skip(depth + 1) })
	case '[':
		d.pos++
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return nil
		}
		for {
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			end, err := d.next(']')
			if err != nil || end {
				return err
			}
		}
	case '"':
		end := jsonstring.End(d.data, d.pos+1, d.pos+1)
		if end < 0 {
			d.pos = len(d.data)
			return d.fail("unterminated string")
		}
		d.pos = end + 1
		return nil
	}
	_, _, err := d.scalar()
	return err
}
