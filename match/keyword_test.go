package match

import (
	"math"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestAppendKeyword checks the keyword form of scalar values: the folded
// text of AppendScalar, integers written directly.
func TestAppendKeyword(t *testing.T) {
	for _, tc := range []struct {
		v    event.Value
		want string
		ok   bool
	}{
		{event.Int(0), "0", true},
		{event.Int(4688), "4688", true},
		{event.Int(-12), "-12", true},
		{event.Int(math.MaxInt64), "9223372036854775807", true},
		{event.Int(math.MinInt64), "-9223372036854775808", true},
		{event.Float(1.5), "1.5", true},
		{event.Bool(true), "true", true},
		{event.Str("Microsoft-Windows-Sysmon/Operational"), "microsoft-windows-sysmon/operational", true},
		{event.Value{}, "", false},
	} {
		got, ok := AppendKeyword([]byte("x"), tc.v)
		if ok != tc.ok || string(got) != "x"+tc.want {
			t.Errorf("AppendKeyword(%v) = %q, %v; want %q, %v", tc.v, got, ok, "x"+tc.want, tc.ok)
		}
		if tc.ok {
			if want := foldString(string(AppendScalar(nil, tc.v))); want != tc.want {
				t.Errorf("%v: the folded scalar is %q, the table says %q", tc.v, want, tc.want)
			}
		}
	}
}
