package span

import (
	"strings"
	"testing"
	"unsafe"
)

func TestWithin(t *testing.T) {
	b := []byte("hello, world")
	whole := unsafe.String(&b[0], len(b))
	other := strings.Clone("world")
	tests := []struct {
		name string
		s    string
		b    []byte
		off  int
		ok   bool
	}{
		{"prefix", whole[:5], b, 0, true},
		{"middle", whole[7:], b, 7, true},
		{"all", whole, b, 0, true},
		{"equal bytes elsewhere", other, b, 0, false},
		{"runs past the end", whole, b[:5], 0, false},
		{"starts before", whole[:5], b[2:], 0, false},
		{"empty string", whole[3:3], b, 0, false},
		{"empty slice", whole, nil, 0, false},
	}
	for _, tc := range tests {
		off, ok := Within(tc.s, tc.b)
		if ok != tc.ok || off != tc.off {
			t.Errorf("%s: Within = %d, %v; want %d, %v", tc.name, off, ok, tc.off, tc.ok)
		}
	}
}
