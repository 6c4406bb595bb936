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
