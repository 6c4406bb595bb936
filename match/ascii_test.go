package match

import (
	"strings"
	"testing"
)

// TestIsASCII puts one byte from 0x80 at every place of strings of
// lengths around the sixteen-byte step, and checks that IsASCII finds it,
// and that it accepts the same strings without it.
func TestIsASCII(t *testing.T) {
	for n := range 40 {
		s := strings.Repeat("a", n)
		if !IsASCII(s) {
			t.Fatalf("%d ASCII bytes reported as not ASCII", n)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xc5, 0xff} {
				b := []byte(s)
				b[i] = c
				if IsASCII(string(b)) {
					t.Fatalf("length %d: byte %#x at %d not found", n, c, i)
				}
			}
		}
	}
}
