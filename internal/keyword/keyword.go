package keyword

import "math/bits"

// Word folds s into one word: its length and its first and last eight
// bytes (fewer for shorter strings), loaded byte by byte so that the
// compiler can merge the loads. Strings that differ only in their
// middle bytes share a word: a table compares the strings when words agree.
func Word(s string) uint64 {
	n := len(s)
	var w uint64
	switch {
	case n >= 8:
		w = le64(s) ^ bits.RotateLeft64(le64(s[n-8:]), 31)
	case n >= 4:
		w = uint64(le32(s)) | uint64(le32(s[n-4:]))<<32
	case n > 0:
		w = uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
	}
	return w + uint64(n)<<56
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
