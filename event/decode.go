package event

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/internal/jsonstring"
)

// maxDepth bounds JSON nesting so that hostile input cannot exhaust the stack.
const maxDepth = 512

// SyntaxError is a malformed JSON document; Offset is the byte offset in it.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// Decode fills ev from one JSON document (an object) with the values of the
// schema's fields. ev.Raw is set to data, which is not copied: keep data
// unchanged while ev is in use, or Clone the event. Decode resets ev first
// but keeps Source, Pos and Seq.
func (s *Schema) Decode(data []byte, ev *Event) error {
	src, pos, seq := ev.Source, ev.Pos, ev.Seq
	ev.Reset(len(s.names))
	ev.Source, ev.Pos, ev.Seq = src, pos, seq
	ev.Raw = data
	d := decoder{data: data, ev: ev}
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return d.err("expected a JSON object")
	}
	if err := d.object(s.root, 0); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.data) {
		return d.err("unexpected data after the JSON object")
	}
	ev.decoded = data
	return nil
}

type decoder struct {
	data []byte
	pos  int
	ev   *Event
	e    error
}

func (d *decoder) err(msg string) error {
	if d.e == nil {
		d.e = &SyntaxError{Offset: d.pos, Msg: msg}
	}
	return d.e
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// object decodes an object whose '{' is at d.pos, descending into keys the
// trie node n knows and skipping the rest.
func (d *decoder) object(n *node, depth int) error {
	if depth > maxDepth {
		return d.err("nesting too deep")
	}
	d.pos++ // '{'
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.err("expected a string key")
		}
		key, err := d.rawString()
		if err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.err("expected ':' after key")
		}
		d.pos++
		d.ws()
		var k *node
		if n != nil {
			k = n.child(key)
		}
		if k == nil {
			err = d.skip(depth + 1)
		} else {
			err = d.field(k, depth+1)
		}
		if err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.data) {
			return d.err("unterminated object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.err("expected ',' or '}' in object")
		}
	}
}

// field decodes the value at d.pos for trie node n.
func (d *decoder) field(n *node, depth int) error {
	if d.pos >= len(d.data) {
		return d.err("unexpected end of input")
	}
	switch d.data[d.pos] {
	case '{':
		if n.slot >= 0 && !d.ev.has(n.slot) {
			d.ev.fill(n.slot, Value{k: KindObject})
		}
		if n.kids == nil {
			return d.skip(depth)
		}
		return d.object(n, depth)
	case '[':
		return d.array(n, depth)
	}
	if n.slot < 0 {
		return d.skip(depth)
	}
	v, err := d.scalar()
	if err != nil {
		return err
	}
	d.ev.Add(n.slot, v)
	return nil
}

// array decodes an array for node n: scalars are added to n's slot (nested
// arrays flattened), objects are descended into.
func (d *decoder) array(n *node, depth int) error {
	if depth > maxDepth {
		return d.err("nesting too deep")
	}
	d.pos++ // '['
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		if n.slot >= 0 && !d.ev.has(n.slot) {
			d.ev.fill(n.slot, Value{k: KindArray})
		}
		return nil
	}
	// Scalars of this array are collected contiguously in the arena when
	// the slot is empty, the common case, to avoid re-copying per element.
	for {
		d.ws()
		if err := d.field(n, depth+1); err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.data) {
			return d.err("unterminated array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return nil
		default:
			return d.err("expected ',' or ']' in array")
		}
	}
}

// scalar decodes a string, number, true, false or null at d.pos.
func (d *decoder) scalar() (Value, error) {
	c := d.data[d.pos]
	switch {
	case c == '"':
		s, err := d.str()
		return Value{k: KindString, s: s}, err
	case c == 't':
		if bytes.HasPrefix(d.data[d.pos:], []byte("true")) {
			d.pos += 4
			return Value{k: KindBool, n: 1}, nil
		}
	case c == 'f':
		if bytes.HasPrefix(d.data[d.pos:], []byte("false")) {
			d.pos += 5
			return Value{k: KindBool}, nil
		}
	case c == 'n':
		if bytes.HasPrefix(d.data[d.pos:], []byte("null")) {
			d.pos += 4
			return Value{k: KindNull}, nil
		}
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return Value{}, d.err(fmt.Sprintf("unexpected character %q", c))
}

// number decodes a JSON number: an int when it is integral and fits in
// int64, a float otherwise.
func (d *decoder) number() (Value, error) {
	start := d.pos
	i := d.pos
	neg := false
	if d.data[i] == '-' {
		neg = true
		i++
	}
	var u uint64
	digits := 0
	overflow := false
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		if u > (math.MaxUint64-9)/10 {
			overflow = true
		}
		u = u*10 + uint64(d.data[i]-'0')
		i++
		digits++
	}
	if digits == 0 {
		d.pos = i
		return Value{}, d.err("invalid number")
	}
	isFloat := false
	for i < len(d.data) {
		c := d.data[i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || c >= '0' && c <= '9' {
			isFloat = true
			i++
			continue
		}
		break
	}
	d.pos = i
	if !isFloat && !overflow {
		if !neg && u <= math.MaxInt64 {
			return Value{k: KindInt, n: u}, nil
		}
		if neg && u <= 1<<63 {
			return Value{k: KindInt, n: uint64(-int64(u))}, nil
		}
	}
	text := d.data[start:i]
	f, err := strconv.ParseFloat(unsafe.String(&text[0], len(text)), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			d.pos = start
			return Value{}, d.err("invalid number " + strconv.Quote(string(text)))
		}
	}
	return Float(f), nil
}

// rawString returns the bytes of a string at d.pos without its quotes. Keys
// with escapes are unescaped into the event buffer.
func (d *decoder) rawString() ([]byte, error) {
	start := d.pos + 1
	i := start
	for {
		j := bytes.IndexByte(d.data[i:], '"')
		if j < 0 {
			d.pos = len(d.data)
			return nil, d.err("unterminated string")
		}
		k := bytes.IndexByte(d.data[i:i+j], '\\')
		if k >= 0 {
			d.pos = start - 1
			s, err := d.str()
			return unsafe.Slice(unsafe.StringData(s), len(s)), err
		}
		d.pos = i + j + 1
		return d.data[start : i+j], nil
	}
}

// str decodes a string at d.pos. Strings without escapes point into the
// document; others are unescaped into the event's buffer.
func (d *decoder) str() (string, error) {
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		if c == '"' {
			d.pos = i + 1
			if i == start {
				return "", nil
			}
			return unsafe.String(&d.data[start], i-start), nil
		}
		if c == '\\' {
			return d.unescape(start, i)
		}
		i++
	}
	d.pos = len(d.data)
	return "", d.err("unterminated string")
}

func (d *decoder) unescape(start, i int) (string, error) {
	buf := d.ev.buf
	if cap(buf)-len(buf) < i-start+16 {
		// The buffer backs strings already handed out; start a new one
		// rather than moving them.
		n := 2*cap(buf) + i - start + 64
		buf = make([]byte, 0, n)
	}
	off := len(buf)
	buf = append(buf, d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.ev.buf = buf
			s := buf[off:]
			if len(s) == 0 {
				return "", nil
			}
			return unsafe.String(&s[0], len(s)), nil
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i
				return "", d.err("unterminated escape")
			}
			e := d.data[i+1]
			i += 2
			if b, ok := jsonstring.Escape(e); ok {
				buf = appendGrow(buf, b, &off)
				continue
			}
			if e != 'u' {
				d.pos = i - 2
				return "", d.err(fmt.Sprintf("invalid escape '\\%c'", e))
			}
			r, next, ok := jsonstring.Unicode(d.data, i)
			if !ok {
				d.pos = i - 2
				return "", d.err("invalid \\u escape")
			}
			i = next
			var tmp [4]byte
			n := utf8.EncodeRune(tmp[:], r)
			for _, b := range tmp[:n] {
				buf = appendGrow(buf, b, &off)
			}
		default:
			buf = appendGrow(buf, c, &off)
			i++
		}
	}
	d.ev.buf = buf
	d.pos = len(d.data)
	return "", d.err("unterminated string")
}

// appendGrow appends a byte without ever moving bytes already handed out as
// strings: when the buffer is full, the string being built moves to a fresh
// buffer (off is updated to its new start).
func appendGrow(buf []byte, c byte, off *int) []byte {
	if len(buf) < cap(buf) {
		return append(buf, c)
	}
	part := buf[*off:]
	nb := make([]byte, 0, 2*cap(buf)+64)
	nb = append(nb, part...)
	*off = 0
	return append(nb, c)
}

// skip passes over one JSON value at d.pos.
func (d *decoder) skip(depth int) error {
	if d.pos >= len(d.data) {
		return d.err("unexpected end of input")
	}
	switch c := d.data[d.pos]; c {
	case '"':
		return d.skipString()
	case '{', '[':
		return d.skipNested(depth)
	default:
		_, err := d.scalar()
		return err
	}
}

func (d *decoder) skipString() error {
	end := jsonstring.End(d.data, d.pos+1, d.pos+1)
	if end < 0 {
		d.pos = len(d.data)
		return d.err("unterminated string")
	}
	d.pos = end + 1
	return nil
}

// skipNested passes over an object or array, checking brackets and strings
// but not the grammar in between.
func (d *decoder) skipNested(depth int) error {
	var stack [64]byte
	open := stack[:0]
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch c {
		case '"':
			if err := d.skipString(); err != nil {
				return err
			}
			continue
		case '{', '[':
			if depth+len(open) > maxDepth {
				return d.err("nesting too deep")
			}
			open = append(open, c)
		case '}', ']':
			if len(open) == 0 || (c == '}') != (open[len(open)-1] == '{') {
				return d.err(fmt.Sprintf("unexpected %q", c))
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				d.pos++
				return nil
			}
		}
		d.pos++
	}
	return d.err("unterminated object or array")
}
