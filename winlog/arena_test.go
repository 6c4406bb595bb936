package winlog

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppendTime(t *testing.T) {
	times := []int64{0, 1, 999, 1000000, 1234567891, -1, -1000000, 1554314208628000000, 1554314208628123400,
		1554314208000000001, 253402300799999999999 / 1000, -62135596800000000000 / 1000}
	for i := range 2000 {
		times = append(times, int64(i)*7919*1e12+int64(i)*104729)
	}
	for _, ns := range times {
		tm := time.Unix(0, ns).UTC()
		for _, c := range []struct {
			nano   bool
			layout string
		}{{false, "2006-01-02T15:04:05.000Z"}, {true, time.RFC3339Nano}} {
			want := tm.Format(c.layout)
			if got := string(appendTime(nil, ns, c.nano)); got != want {
				t.Fatalf("%d nano=%v: got %s, want %s", ns, c.nano, got, want)
			}
		}
	}
}

func TestDropPercents(t *testing.T) {
	var a arena
	for _, s := range []string{"", "%", "%%", "%%%", "%%%%", "%%1833", " %%1833 %%1834 ", "a%%b%%%c%", "no percent"} {
		if got, want := a.dropPercents(s), strings.ReplaceAll(s, "%%", ""); got != want {
			t.Errorf("dropPercents(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestSmallNumbers(t *testing.T) {
	for i := -1; i < maxNumber+2; i++ {
		if got, want := smallNumber(i), strconv.Itoa(i); got != want {
			t.Fatalf("smallNumber(%d) = %q", i, got)
		}
	}
}

// TestLower checks the eight-bytes-at-a-time lower case against a byte
// by byte one: every byte value at every position of strings of up to
// 20 bytes (a word, a word and a tail, two words), upper case runs and
// bytes above 0x7f next to letters.
func TestLower(t *testing.T) {
	want := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	var a arena
	cases := []string{"", "a", "A", "abcdefgh", "ABCDEFGH", "0123456789ABCDEF0123456789abcdef",
		"SHA256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "héLLo WÖRLD", "@[`{AZaz"}
	for n := 0; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("aZ", n)[:n])
				b[pos] = byte(c)
				cases = append(cases, string(b))
			}
		}
	}
	for _, s := range cases {
		a.reset()
		if got := a.lower(s); got != want(s) {
			t.Fatalf("lower(%q) = %q, want %q", s, got, want(s))
		}
	}
}
