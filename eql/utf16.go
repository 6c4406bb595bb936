package eql

import "github.com/vigilsec/vigil/match"

// UTF-16 indexing: Elasticsearch's string functions count Java chars
// (UTF-16 code units). These helpers convert between UTF-16 indexes and
// byte offsets; an index inside a surrogate pair rounds up to the rune's
// end.

// u16len returns the length of s in UTF-16 code units.
func u16len(s string) int {
	if match.IsASCII(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// u16ToByte returns the byte offset of UTF-16 index i in s (0 ≤ i ≤ len).
func u16ToByte(s string, i int) int {
	if i <= 0 {
		return 0
	}
	n := 0
	for off, r := range s {
		if n >= i {
			return off
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return len(s)
}

// byteToU16 returns the UTF-16 index of byte offset b in s.
func byteToU16(s string, b int) int {
	n := 0
	for off, r := range s {
		if off >= b {
			break
		}
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	if b > len(s) {
		return n
	}
	return n
}
