package keyword

import "math/bits"

// Word folds s into one word: its length and its first and last eight
// bytes (fewer for shorter strings, see Bytes). Strings that differ only
// in their middle bytes share a word: a table compares the strings when
// words agree.
func Word(s string) uint64 {
	lo, hi := Bytes(s)
	return (lo ^ bits.RotateLeft64(hi, 31)) + uint64(len(s))<<56
}

// Bytes returns s's first and last eight bytes, overlapping in a string
// of 8 to 16 bytes; a shorter string's bytes are in lo (for 4 to 7 bytes,
// its first and last four; for 1 to 3, its first, middle and last byte),
// hi zero. With the length they are the whole string, up to 16 bytes.
// They are loaded byte by byte so that the compiler can merge the loads.
func Bytes(s string) (lo, hi uint64) {
	switch n := len(s); {
	case n >= 8:
		return le64(s), le64(s[n-8:])
	case n >= 4:
		return uint64(le32(s)) | uint64(le32(s[n-4:]))<<32, 0
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0
	}
	return 0, 0
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
