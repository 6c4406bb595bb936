package esql

import "testing"

// TestParseIPZeros checks TO_IP's leading_zeros modes on the forms
// Elasticsearch's tests leave out: bad octal digits, overflowing
// octets, IPv6, non-dotted text.
func TestParseIPZeros(t *testing.T) {
	tests := []struct {
		in, zeros, want string // want "": an error
	}{
		{"1.1.010.1", "reject", ""},
		{"1.1.010.1", "decimal", "1.1.10.1"},
		{"1.1.010.1", "octal", "1.1.8.1"},
		{"1.1.09.1", "octal", ""},
		{"1.1.0377.1", "octal", "1.1.255.1"},
		{"1.1.0400.1", "octal", ""},
		{"1.1.256.1", "decimal", ""},
		{"0.00.000.0", "octal", "0.0.0.0"},
		{"::ffff:1.1.1.1", "octal", "::ffff:1.1.1.1"},
		{"1.1.1", "decimal", ""},
		{"1.1.1.a", "decimal", ""},
		{"1.1..1", "decimal", ""},
	}
	for _, tc := range tests {
		a, err := parseIPZeros(tc.in, tc.zeros)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %s: %v, want an error", tc.in, tc.zeros, a)
		case tc.want != "" && err != nil:
			t.Errorf("%s %s: %v", tc.in, tc.zeros, err)
		case tc.want != "" && a.String() != tc.want:
			t.Errorf("%s %s: %v, want %s", tc.in, tc.zeros, a, tc.want)
		}
	}
	for _, q := range []string{
		`row s = "1.1.1.1" | eval ip = to_ip(s, {"leading_zeros": "hex"})`,
		`row s = "1.1.1.1" | eval ip = to_ip(s, {"zeros": "octal"})`,
		`row s = "1.1.1.1" | eval ip = to_ip(s, s)`,
	} {
		q0, err := Parse(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if _, err := Compile(q0, Options{}); err == nil {
			t.Errorf("%s: compiled, want an error", q)
		}
	}
}

// TestRoundIntegers checks ROUND on long and unsigned_long with negative
// decimals: exact arithmetic, half away from zero, overflow as an error.
func TestRoundIntegers(t *testing.T) {
	longs := []struct {
		n, d int64
		want any // int64, or nil for an overflow
	}{
		{1234, 0, int64(1234)},
		{1234, 2, int64(1234)},
		{1250, -2, int64(1300)},
		{1249, -2, int64(1200)},
		{-1250, -2, int64(-1300)},
		{-1249, -2, int64(-1200)},
		{9223372036854775804, -1, int64(9223372036854775800)},
		{9223372036854775807, -1, nil},
		{-9223372036854775808, -1, nil},
		{-9223372036854775808, -18, int64(-9000000000000000000)},
		{9223372036854775807, -19, int64(0)},
		{5, -1, int64(10)},
		{-5, -1, int64(-10)},
	}
	for _, tc := range longs {
		got, err := roundLong(tc.n, tc.d)
		if tc.want == nil {
			if err == nil {
				t.Errorf("round(%d, %d) = %v, want an overflow", tc.n, tc.d, got)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("round(%d, %d) = %v, %v, want %v", tc.n, tc.d, got, err, tc.want)
		}
	}
	uls := []struct {
		n    uint64
		d    int64
		want any
	}{
		{18446744073709551614, -1, uint64(18446744073709551610)},
		{18446744073709551615, -1, nil},
		{12446744073709551615, -19, uint64(10000000000000000000)},
		{18446744073709551615, -19, nil},
		{18446744073709551615, -20, uint64(0)},
		{15, -1, uint64(20)},
		{14, -1, uint64(10)},
	}
	for _, tc := range uls {
		got, err := roundUnsigned(tc.n, tc.d)
		if tc.want == nil {
			if err == nil {
				t.Errorf("round(%d, %d) = %v, want an overflow", tc.n, tc.d, got)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("round(%d, %d) = %v, %v, want %v", tc.n, tc.d, got, err, tc.want)
		}
	}
}

// TestURLDecode checks URL_DECODE's decoding and Java URLDecoder's
// errors.
func TestURLDecode(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"a+b%20c", "a b c", ""},
		{"%E2%82%AC", "€", ""},
		{"%41%42", "AB", ""},
		{"%#", "", "Incomplete trailing escape (%) pattern"},
		{"%4", "", "Incomplete trailing escape (%) pattern"},
		{"%41%", "", "Incomplete trailing escape (%) pattern"},
		{"%zz!", "", `Illegal hex characters in escape (%) pattern - For input string: "zz" under radix 16`},
		{"%-1!", "", "Illegal hex characters in escape (%) pattern - negative value"},
		{"%FF", "\uFFFD", ""},
	}
	for _, tc := range tests {
		got, err := urlDecode(tc.in)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: %q, %v, want error %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}
