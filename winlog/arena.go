package winlog

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/vigilsec/vigil/event"
)

// arena hands out strings and value slices that stay valid until reset.
// It never moves memory it has handed out: when a chunk is full it starts
// a new one, and reset keeps only the largest.
type arena struct {
	buf  []byte
	vals []event.Value
	// scratch is working space that outlives reset, for building a
	// string before it is copied in.
	scratch []byte
	// detached arenas allocate fresh memory after every reset, so that the
	// strings of a finished document stay valid (see Normalize).
	detached bool
}

func (a *arena) reset() {
	if a.detached {
		a.buf, a.vals = nil, nil
		return
	}
	a.buf = a.buf[:0]
	clear(a.vals)
	a.vals = a.vals[:0]
}

func (a *arena) bytes(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(2*cap(a.buf), n, 4096))
	}
	off := len(a.buf)
	a.buf = a.buf[:off+n]
	return a.buf[off : off+n : off+n]
}

// str returns b as a string whose bytes live in the arena.
func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	dst := a.bytes(len(b))
	copy(dst, b)
	return unsafe.String(&dst[0], len(dst))
}

// concat joins strings in the arena.
func (a *arena) concat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return ""
	}
	dst := a.bytes(n)[:0]
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return unsafe.String(&dst[0], n)
}

// lower returns s in ASCII lower case, copying only when needed.
func (a *arena) lower(s string) string {
	i := firstUpper(s)
	if i == len(s) {
		return s
	}
	dst := a.bytes(len(s))
	copy(dst, s)
	// Eight bytes at a time while eight remain and are ASCII (hashes,
	// the one caller's values, are); bytes one by one otherwise.
	for i+8 <= len(dst) {
		x := leWord(dst[i:])
		if x&wordMSB != 0 {
			lowerBytes(dst[i : i+8])
		} else {
			putLEWord(dst[i:], x|upperMask(x)>>2)
		}
		i += 8
	}
	lowerBytes(dst[i:])
	return unsafe.String(&dst[0], len(dst))
}

const (
	wordLSB = 0x0101010101010101
	wordMSB = 0x8080808080808080
)

// upperMask has the high bit of each byte of x that is an ASCII capital
// letter set, for an x whose bytes are all below 0x80 (no sum below
// carries into the next byte).
func upperMask(x uint64) uint64 {
	return (x + wordLSB*(0x80-'A')) &^ (x + wordLSB*(0x80-'Z'-1)) & wordMSB
}

// firstUpper returns the index of the first ASCII capital letter in s,
// or len(s).
func firstUpper(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := leWord(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		if x&wordMSB != 0 || upperMask(x) != 0 {
			break
		}
	}
	for i < len(s) && !(s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	return i
}

func lowerBytes(b []byte) {
	for j, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[j] = c + 'a' - 'A'
		}
	}
}

func leWord(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

func putLEWord(b []byte, x uint64) { binary.LittleEndian.PutUint64(b, x) }

// withoutSpaces returns s without ASCII white space (isSpace).
func (a *arena) withoutSpaces(s string) string {
	b := a.scratch[:0]
	for i := 0; i < len(s); i++ {
		if !isSpace(rune(s[i])) {
			b = append(b, s[i])
		}
	}
	a.scratch = b[:0]
	return a.str(b)
}

// dropPercents returns s without "%%" (as strings.ReplaceAll(s, "%%", "")
// does) for a look-up: the result may be in scratch space, valid only
// until the arena's next use of it.
func (a *arena) dropPercents(s string) string {
	i := strings.Index(s, "%%")
	if i < 0 {
		return s
	}
	b := a.scratch[:0]
	for ; i >= 0; i = strings.Index(s, "%%") {
		b = append(b, s[:i]...)
		s = s[i+2:]
	}
	b = append(b, s...)
	a.scratch = b[:0]
	return bstr(b)
}

// values returns a slice of n values in the arena, with len 0 and cap n.
func (a *arena) values(n int) []event.Value {
	if cap(a.vals)-len(a.vals) < n {
		a.vals = make([]event.Value, 0, max(2*cap(a.vals), n, 256))
	}
	off := len(a.vals)
	a.vals = a.vals[:off+n]
	return a.vals[off : off : off+n]
}

// array copies vs into the arena as an array value.
func (a *arena) array(vs []event.Value) event.Value {
	dst := a.values(len(vs))
	dst = append(dst, vs...)
	return event.Array(dst...)
}

// strArray makes an array value of strings.
func (a *arena) strArray(ss []string) event.Value {
	dst := a.values(len(ss))
	for _, s := range ss {
		dst = append(dst, event.Str(s))
	}
	return event.Array(dst...)
}

// fieldsArray makes an array value of the fields of s, as strings.Fields
// splits them.
func (a *arena) fieldsArray(s string) event.Value {
	n := 0
	for range strings.FieldsSeq(s) {
		n++
	}
	dst := a.values(n)
	for f := range strings.FieldsSeq(s) {
		dst = append(dst, event.Str(f))
	}
	return event.Array(dst...)
}

// itoa formats an integer in the arena.
func (a *arena) itoa(v int64) string {
	var tmp [24]byte
	return a.str(strconv.AppendInt(tmp[:0], v, 10))
}

// timeMillis formats ns as Elasticsearch's date processor does:
// yyyy-MM-dd'T'HH:mm:ss.SSSZ in UTC, truncated to milliseconds.
func (a *arena) timeMillis(ns int64) string {
	var tmp [40]byte
	return a.str(appendTime(tmp[:0], ns, false))
}

// timeNano formats ns as RFC 3339 with as many fraction digits as needed,
// as Winlogbeat writes @timestamp.
func (a *arena) timeNano(ns int64) string {
	var tmp [40]byte
	return a.str(appendTime(tmp[:0], ns, ns%int64(time.Millisecond) != 0))
}

// appendTime appends ns in UTC as time.Time.AppendFormat does with
// "2006-01-02T15:04:05.000Z" (nano false) or time.RFC3339Nano (nano true),
// without parsing a layout each time.
func appendTime(dst []byte, ns int64, nano bool) []byte {
	t := time.Unix(0, ns).UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if nano {
			return t.AppendFormat(dst, time.RFC3339Nano)
		}
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	}
	hour, minute, sec := t.Clock()
	frac := t.Nanosecond()
	dst = append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10))
	if !nano {
		ms := frac / 1e6
		return append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	}
	if frac != 0 {
		var digits [10]byte
		digits[0] = '.'
		for i := 9; i >= 1; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 10
		for digits[n-1] == '0' {
			n--
		}
		dst = append(dst, digits[:n]...)
	}
	return append(dst, 'Z')
}

func parseTime(s string) (int64, bool) { return event.ParseTimeString(s) }

// bstr returns b as a string without copying; b must not change after.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
