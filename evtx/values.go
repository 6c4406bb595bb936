package evtx

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Value types of substitutions ([MS-EVEN6] 3.1.4.7.3); vtArray marks arrays.
const (
	vtNull      = 0x00
	vtString    = 0x01
	vtAnsi      = 0x02
	vtInt8      = 0x03
	vtUint8     = 0x04
	vtInt16     = 0x05
	vtUint16    = 0x06
	vtInt32     = 0x07
	vtUint32    = 0x08
	vtInt64     = 0x09
	vtUint64    = 0x0a
	vtReal32    = 0x0b
	vtReal64    = 0x0c
	vtBool      = 0x0d
	vtBinary    = 0x0e
	vtGUID      = 0x0f
	vtSizeT     = 0x10
	vtFileTime  = 0x11
	vtSysTime   = 0x12
	vtSID       = 0x13
	vtHex32     = 0x14
	vtHex64     = 0x15
	vtEvtHandle = 0x20
	vtBinXml    = 0x21
	vtEvtXml    = 0x23
	vtArray     = 0x80
)

// elemWidth is the size of one element of a fixed-size type, 0 for
// variable-size types.
func elemWidth(t uint8) int {
	switch t &^ vtArray {
	case vtInt8, vtUint8:
		return 1
	case vtInt16, vtUint16:
		return 2
	case vtInt32, vtUint32, vtReal32, vtBool, vtHex32:
		return 4
	case vtInt64, vtUint64, vtReal64, vtFileTime, vtHex64, vtEvtHandle:
		return 8
	case vtGUID, vtSysTime:
		return 16
	}
	return 0
}

// arrayIter splits the data of an array value into its elements.
type arrayIter struct {
	typ uint8 // element type
	b   []byte
}

func (it *arrayIter) next() ([]byte, bool) {
	if len(it.b) == 0 {
		return nil, false
	}
	var n int
	switch it.typ {
	case vtString:
		for n+1 < len(it.b) && (it.b[n] != 0 || it.b[n+1] != 0) {
			n += 2
		}
		e := it.b[:n]
		if n+2 <= len(it.b) {
			n += 2
		} else {
			n = len(it.b)
		}
		it.b = it.b[n:]
		return e, true
	case vtAnsi:
		for n < len(it.b) && it.b[n] != 0 {
			n++
		}
		e := it.b[:n]
		if n < len(it.b) {
			n++
		}
		it.b = it.b[n:]
		return e, true
	case vtSID:
		n = len(it.b)
		if len(it.b) >= 8 {
			if k := 8 + 4*int(it.b[1]); k <= len(it.b) {
				n = k
			}
		}
	case vtSizeT:
		n = 8
		if len(it.b)%8 != 0 {
			n = 4
		}
	default:
		n = elemWidth(it.typ)
	}
	if n <= 0 || n > len(it.b) {
		n = len(it.b)
	}
	e := it.b[:n]
	it.b = it.b[n:]
	return e, true
}

const hexUpper = "0123456789ABCDEF"

// leUint reads up to 8 little-endian bytes.
func leUint(b []byte) uint64 {
	switch len(b) {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	case 8:
		return binary.LittleEndian.Uint64(b)
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		if i < 8 {
			v = v<<8 | uint64(b[i])
		}
	}
	return v
}

// appendScalar renders one value of type t (array flag clear) the way
// Windows' XML rendering does.
func appendScalar(dst []byte, t uint8, b []byte) []byte {
	switch t {
	case vtNull:
		return dst
	case vtString:
		return appendUTF16(dst, b)
	case vtAnsi:
		return appendAnsi(dst, b)
	case vtInt8:
		return strconv.AppendInt(dst, int64(int8(leUint(b))), 10)
	case vtInt16:
		return strconv.AppendInt(dst, int64(int16(leUint(b))), 10)
	case vtInt32:
		return strconv.AppendInt(dst, int64(int32(leUint(b))), 10)
	case vtInt64:
		return strconv.AppendInt(dst, int64(leUint(b)), 10)
	case vtUint8, vtUint16, vtUint32, vtUint64, vtEvtHandle:
		return strconv.AppendUint(dst, leUint(b), 10)
	case vtReal32:
		return strconv.AppendFloat(dst, float64(math.Float32frombits(uint32(leUint(b)))), 'g', -1, 32)
	case vtReal64:
		return strconv.AppendFloat(dst, math.Float64frombits(leUint(b)), 'g', -1, 64)
	case vtBool:
		if leUint(b) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case vtGUID:
		return appendGUID(dst, b)
	case vtSizeT, vtHex32, vtHex64:
		dst = append(dst, "0x"...)
		return strconv.AppendUint(dst, leUint(b), 16)
	case vtFileTime:
		return appendFileTime(dst, leUint(b))
	case vtSysTime:
		return appendSysTime(dst, b)
	case vtSID:
		return appendSID(dst, b)
	}
	// binary, BinXml outside a walk, unknown types
	return appendHex(dst, b)
}

func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexUpper[c>>4], hexUpper[c&15])
	}
	return dst
}

// appendGUID renders {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.
func appendGUID(dst, b []byte) []byte {
	if len(b) != 16 {
		return appendHex(dst, b)
	}
	dst = append(dst, '{')
	for _, i := range [4]int{3, 2, 1, 0} {
		dst = append(dst, hexUpper[b[i]>>4], hexUpper[b[i]&15])
	}
	dst = append(dst, '-', hexUpper[b[5]>>4], hexUpper[b[5]&15], hexUpper[b[4]>>4], hexUpper[b[4]&15], '-',
		hexUpper[b[7]>>4], hexUpper[b[7]&15], hexUpper[b[6]>>4], hexUpper[b[6]&15], '-')
	dst = appendHex(dst, b[8:10])
	dst = append(dst, '-')
	dst = appendHex(dst, b[10:16])
	return append(dst, '}')
}

// appendSID renders S-R-A-S1-S2-...
func appendSID(dst, b []byte) []byte {
	if len(b) < 8 || len(b) < 8+4*int(b[1]) {
		return appendHex(dst, b)
	}
	dst = append(dst, 'S', '-')
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	dst = append(dst, '-')
	if auth >= 1<<32 {
		dst = append(dst, "0x"...)
		dst = appendHex(dst, b[2:8])
	} else {
		dst = strconv.AppendUint(dst, auth, 10)
	}
	for i := 0; i < int(b[1]); i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(binary.LittleEndian.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// FILETIME is 100 ns ticks since 1601-01-01 UTC.
const ticksTo1970 = 116444736000000000

// fileTime converts a FILETIME to a UTC time.Time.
func fileTime(ticks uint64) time.Time {
	d := int64(ticks/10_000_000) - 11644473600
	return time.Unix(d, int64(ticks%10_000_000)*100).UTC()
}

// appendFileTime renders a FILETIME as 2019-03-19T23:34:25.1234567Z.
func appendFileTime(dst []byte, ticks uint64) []byte {
	t := time.Unix(int64(ticks/10_000_000)-11644473600, 0).UTC()
	return appendRFC3339(dst, t, uint32(ticks%10_000_000))
}

// appendRFC3339 renders t (whole seconds) with 7 fractional digits.
func appendRFC3339(dst []byte, t time.Time, frac7 uint32) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendInt(dst, y, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendInt(dst, h, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, s, 2)
	dst = append(dst, '.')
	dst = appendInt(dst, int(frac7), 7)
	return append(dst, 'Z')
}

func appendInt(dst []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	if v < 0 {
		v = 0
	}
	for v > 0 || width > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
		if i == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// sysTime decodes a SYSTEMTIME (year, month, weekday, day, hour, minute,
// second, milliseconds).
func sysTime(b []byte) (time.Time, bool) {
	if len(b) < 16 {
		return time.Time{}, false
	}
	f := func(i int) int { return int(binary.LittleEndian.Uint16(b[2*i:])) }
	return time.Date(f(0), time.Month(f(1)), f(3), f(4), f(5), f(6), f(7)*1e6, time.UTC), true
}

func appendSysTime(dst, b []byte) []byte {
	t, ok := sysTime(b)
	if !ok {
		return appendHex(dst, b)
	}
	return appendRFC3339(dst, t.Truncate(time.Second), uint32(t.Nanosecond()/100))
}

// cp1252 maps Windows-1252 bytes 0x80..0x9f to runes; the rest are Latin-1.
var cp1252 = [32]rune{
	0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
}

// appendAnsi renders an ANSI (code page 1252) string, stopping at NUL.
func appendAnsi(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case c == 0:
			return dst
		case c < 0x80:
			dst = append(dst, c)
		case c < 0xa0:
			dst = utf8.AppendRune(dst, cp1252[c-0x80])
		default:
			dst = append(dst, 0xc0|c>>6, 0x80|c&0x3f)
		}
	}
	return dst
}

// valueUint interprets a value as an unsigned integer: integer types
// directly, strings as decimal or 0x-prefixed hex.
func valueUint(t uint8, b []byte) (uint64, bool) {
	switch t {
	case vtInt8, vtUint8, vtInt16, vtUint16, vtInt32, vtUint32, vtInt64, vtUint64,
		vtHex32, vtHex64, vtSizeT, vtBool, vtEvtHandle:
		if len(b) == 0 {
			return 0, false
		}
		return leUint(b), true
	}
	return 0, false
}

// parseUint parses decimal or 0x-prefixed hexadecimal text.
func parseUint(s []byte) (uint64, bool) {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	base := uint64(10)
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		v = v*base + d
	}
	return v, true
}

// parseTime parses the text forms of TimeCreated that records without
// templates carry: RFC 3339 with any number of fractional digits.
func parseTime(s []byte) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
