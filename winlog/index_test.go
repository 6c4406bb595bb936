package winlog

import "testing"

// TestSelected tells the rules that see Windows records from those that
// do not, by their index patterns.
func TestSelected(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		want     bool
	}{
		{[]string{"winlogbeat-*", "logs-windows.*"}, true},
		{[]string{"logs-system.security*"}, true},
		{[]string{"logs-endpoint.events.process-*"}, false},
		{[]string{"-winlogbeat-*", "auditbeat-*"}, false},
		{[]string{"*"}, true},
		{nil, false},
	} {
		if got := Selected(tc.patterns); got != tc.want {
			t.Errorf("Selected(%q) = %v, want %v", tc.patterns, got, tc.want)
		}
	}
}
