package span

import "unsafe"

// Within reports whether s lies inside b, returning its offset in b.
// An empty string or an empty slice is never within.
func Within(s string, b []byte) (int, bool) {
	if len(s) == 0 || len(b) == 0 {
		return 0, false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	base := uintptr(unsafe.Pointer(&b[0]))
	if p < base || p+uintptr(len(s)) > base+uintptr(len(b)) {
		return 0, false
	}
	return int(p - base), true
}
