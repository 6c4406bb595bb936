package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// MaxDepth bounds nesting so that hostile input cannot exhaust the stack.
const MaxDepth = 512

// SyntaxError is a malformed JSON document; Offset is the byte offset in it.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid JSON at byte " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Kind is the kind of a scalar.
type Kind uint8

// The kinds of scalars.
const (
	String Kind = iota + 1
	Number
	True
	False
	Null
)

// Scanner reads one JSON document, Data, from Pos on. Buf receives
// unescaped strings: bytes once handed out are never moved (a full buffer is
// replaced, not grown), so strings into it stay valid while the caller keeps
// Buf's earlier arrays alive. The zero Scanner with Data set is ready.
type Scanner struct {
	Data []byte
	Pos  int
	Buf  []byte
}

// Fail returns a syntax error at the current position.
func (s *Scanner) Fail(msg string) error { return &SyntaxError{Offset: s.Pos, Msg: msg} }

// WS skips white space. Documents written by machines have none between
// tokens: that case is decided inline, by one comparison.
func (s *Scanner) WS() {
	if s.Pos < len(s.Data) && s.Data[s.Pos] > ' ' {
		return
	}
	s.ws()
}

func (s *Scanner) ws() {
	for s.Pos < len(s.Data) {
		switch s.Data[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Begin starts a document: white space, then an object.
func (s *Scanner) Begin() error {
	s.WS()
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '{' {
		return s.Fail("expected a JSON object")
	}
	return nil
}

// End checks that only white space follows the document.
func (s *Scanner) End() error {
	s.WS()
	if s.Pos != len(s.Data) {
		return s.Fail("unexpected data after the JSON object")
	}
	return nil
}

// Open consumes the '{' or '[' at Pos of a value nested depth deep and the
// white space after it; it reports whether the object or array is empty
// (its closing bracket consumed too).
func (s *Scanner) Open(depth int) (empty bool, err error) {
	if depth > MaxDepth {
		return false, s.Fail("nesting too deep")
	}
	close := byte('}')
	if s.Data[s.Pos] == '[' {
		close = ']'
	}
	s.Pos++
	s.WS()
	if s.Pos < len(s.Data) && s.Data[s.Pos] == close {
		s.Pos++
		return true, nil
	}
	return false, nil
}

// Key reads a member's key, the ':' after it and the white space up to its
// value, which is not at the end of the data. Machines write the key's
// quote, the key without escapes, the ':' and the value with nothing
// between: that case is decided here, with the document in locals and the
// key searched for its end as String does; anything else goes to key,
// from the same position.
func (s *Scanner) Key() (string, error) {
	data, p := s.Data, s.Pos
	if p < len(data) && data[p] == '"' {
		i := p + 1
		for i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			if m := hasByte(w, '"') | hasByte(w, '\\'); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				if after := data[i:]; len(after) > 2 && after[0] == '"' && after[1] == ':' && after[2] > ' ' {
					s.Pos = i + 2
					return str(data[p+1 : i]), nil
				}
				break
			}
			i += 8
		}
	}
	return s.key()
}

// key is Key for any key: white space, escapes, the end of the data,
// errors.
func (s *Scanner) key() (string, error) {
	s.WS()
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != '"' {
		return "", s.Fail("expected a string key")
	}
	k, err := s.String()
	if err != nil {
		return "", err
	}
	if data, p := s.Data, s.Pos; p+1 < len(data) && data[p] == ':' && data[p+1] > ' ' {
		s.Pos = p + 1
		return k, nil
	}
	return s.colon(k)
}

// colon is the rest of key for a key followed by white space or by
// something else than a ':' and a value.
func (s *Scanner) colon(k string) (string, error) {
	s.WS()
	if s.Pos >= len(s.Data) || s.Data[s.Pos] != ':' {
		return "", s.Fail("expected ':' after key")
	}
	s.Pos++
	s.WS()
	if s.Pos >= len(s.Data) {
		return "", s.Fail("unexpected end of input")
	}
	return k, nil
}

// Next consumes the ',' or the closing bracket after a member of an object
// (close '}') or an element of an array (close ']'), and the white space
// after a comma; it reports whether the object or array ended. A comma or
// bracket right after the value, and no white space after a comma, is
// the case decided here; next takes the rest.
func (s *Scanner) Next(close byte) (end bool, err error) {
	data, p := s.Data, s.Pos
	if p+1 < len(data) {
		switch data[p] {
		case ',':
			if data[p+1] > ' ' {
				s.Pos = p + 1
				return false, nil
			}
		case close:
			s.Pos = p + 1
			return true, nil
		}
	}
	return s.next(close)
}

// next is Next for any input: white space, the end of the data, errors.
func (s *Scanner) next(close byte) (end bool, err error) {
	s.WS()
	if s.Pos >= len(s.Data) {
		if close == '}' {
			return false, s.Fail("unterminated object")
		}
		return false, s.Fail("unterminated array")
	}
	switch s.Data[s.Pos] {
	case ',':
		s.Pos++
		s.WS()
		return false, nil
	case close:
		s.Pos++
		return true, nil
	}
	if close == '}' {
		return false, s.Fail("expected ',' or '}' in object")
	}
	return false, s.Fail("expected ',' or ']' in array")
}

// Object walks the object at Pos, nested depth deep, calling member with
// Pos at each member's value, which member must consume.
func (s *Scanner) Object(depth int, member func(key string) error) error {
	empty, err := s.Open(depth)
	if err != nil || empty {
		return err
	}
	for {
		k, err := s.Key()
		if err != nil {
			return err
		}
		if err := member(k); err != nil {
			return err
		}
		end, err := s.Next('}')
		if err != nil || end {
			return err
		}
	}
}

// Scalar reads the string, number, true, false or null at Pos. text is
// the string's value or the number's text; empty for the others.
func (s *Scanner) Scalar() (k Kind, text string, err error) {
	c := s.Data[s.Pos]
	switch {
	case c == '"':
		text, err = s.String()
		return String, text, err
	case c == 't':
		if bytes.HasPrefix(s.Data[s.Pos:], []byte("true")) {
			s.Pos += 4
			return True, "", nil
		}
	case c == 'f':
		if bytes.HasPrefix(s.Data[s.Pos:], []byte("false")) {
			s.Pos += 5
			return False, "", nil
		}
	case c == 'n':
		if bytes.HasPrefix(s.Data[s.Pos:], []byte("null")) {
			s.Pos += 4
			return Null, "", nil
		}
	case c == '-' || c >= '0' && c <= '9':
		text, err = s.number()
		return Number, text, err
	}
	return 0, "", s.Fail("unexpected character " + strconv.QuoteRune(rune(c)))
}

// number reads a number as JSON writes one: an optional '-', digits
// (leading zeros allowed), an optional fraction, an optional exponent.
func (s *Scanner) number() (string, error) {
	start := s.Pos
	i := s.Pos
	if s.Data[i] == '-' {
		i++
	}
	if i == len(s.Data) || s.Data[i] < '0' || s.Data[i] > '9' {
		s.Pos = i
		return "", s.Fail("invalid number")
	}
	for i < len(s.Data) {
		c := s.Data[i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || c >= '0' && c <= '9' {
			i++
			continue
		}
		break
	}
	text := str(s.Data[start:i])
	if !validNumber(text) {
		return "", s.Fail("invalid number " + strconv.Quote(text))
	}
	s.Pos = i
	return text, nil
}

// validNumber checks the grammar of a number's text: -?D+(.D+)?([eE][+-]?D+)?
func validNumber(t string) bool {
	i := 0
	if t[0] == '-' {
		i++
	}
	digits := func() bool {
		d := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		return i > d
	}
	ok := digits()
	if ok && i < len(t) && t[i] == '.' {
		i++
		ok = digits()
	}
	if ok && i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		ok = digits()
	}
	return ok && i == len(t)
}

// Int converts a number's text to an int64 when it is an integer (no
// fraction or exponent) that fits; ok is false otherwise.
func Int(text string) (v int64, ok bool) {
	i := 0
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		i = 1
	}
	if i == len(text) || len(text)-i > 19 {
		return 0, false
	}
	var u uint64
	for ; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	// 19 digits cannot overflow a uint64.
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// Skip passes over the value at Pos, nested depth deep. Objects and arrays
// are checked for balanced brackets and whole strings, not for the grammar
// in between; scalars are read.
func (s *Scanner) Skip(depth int) error {
	if s.Pos >= len(s.Data) {
		return s.Fail("unexpected end of input")
	}
	switch s.Data[s.Pos] {
	case '"':
		return s.skipString()
	case '{', '[':
		return s.skipNested(depth)
	}
	_, _, err := s.Scalar()
	return err
}

// skipString passes over the string at Pos. Most strings it skips are
// short (values of fields no rule reads): the first words are searched
// for the closing quote inline, eight bytes at a time, as String does,
// before End's search, which costs a call and a setup.
func (s *Scanner) skipString() error {
	data := s.Data
	from := s.Pos + 1
	for k := 0; k < 4 && from+8 <= len(data); k++ {
		w := binary.LittleEndian.Uint64(data[from:])
		if m := hasByte(w, '"') | hasByte(w, '\\'); m != 0 {
			from += bits.TrailingZeros64(m) / 8
			if data[from] == '"' {
				s.Pos = from + 1
				return nil
			}
			break // a backslash: End decides what it escapes
		}
		from += 8
	}
	end := End(data, s.Pos+1, from)
	if end < 0 {
		s.Pos = len(s.Data)
		return s.Fail("unterminated string")
	}
	s.Pos = end + 1
	return nil
}

func (s *Scanner) skipNested(depth int) error {
	var stack [64]byte
	open := stack[:0]
	for s.Pos < len(s.Data) {
		c := s.Data[s.Pos]
		switch c {
		case '"':
			if err := s.skipString(); err != nil {
				return err
			}
			continue
		case '{', '[':
			if depth+len(open) > MaxDepth {
				return s.Fail("nesting too deep")
			}
			open = append(open, c)
		case '}', ']':
			if len(open) == 0 || (c == '}') != (open[len(open)-1] == '{') {
				return s.Fail("unexpected " + strconv.QuoteRune(rune(c)))
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				s.Pos++
				return nil
			}
		}
		s.Pos++
	}
	return s.Fail("unterminated object or array")
}

// Array walks the array at Pos, nested depth deep, calling elem with Pos at
// each element, which elem must consume.
func (s *Scanner) Array(depth int, elem func() error) error {
	empty, err := s.Open(depth)
	if err != nil || empty {
		return err
	}
	for {
		if s.Pos >= len(s.Data) {
			return s.Fail("unexpected end of input")
		}
		if err := elem(); err != nil {
			return err
		}
		end, err := s.Next(']')
		if err != nil || end {
			return err
		}
	}
}
