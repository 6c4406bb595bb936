package sigma

import (
	"strings"
	"testing"
)

func TestTimeModifiers(t *testing.T) {
	// UtcTime as Sysmon writes it; 2025-10-24 is a Friday of ISO week 43.
	const sysmonTime = `"UtcTime":"2025-10-24 23:34:34.634"`
	tests := []struct {
		name      string
		detection string
		doc       string
		want      bool
	}{
		{"hour", "  sel:\n    UtcTime|hour: 23\n  condition: sel", sysmonTime, true},
		{"hour other", "  sel:\n    UtcTime|hour: 22\n  condition: sel", sysmonTime, false},
		{"hour list", "  sel:\n    UtcTime|hour:\n      - 1\n      - 23\n  condition: sel", sysmonTime, true},
		{"minute", "  sel:\n    UtcTime|minute: 34\n  condition: sel", sysmonTime, true},
		{"day", "  sel:\n    UtcTime|day: 24\n  condition: sel", sysmonTime, true},
		{"week", "  sel:\n    UtcTime|week: 43\n  condition: sel", sysmonTime, true},
		{"month", "  sel:\n    UtcTime|month: 10\n  condition: sel", sysmonTime, true},
		{"year", "  sel:\n    UtcTime|year: 2025\n  condition: sel", sysmonTime, true},
		{"hour gte", "  sel:\n    UtcTime|hour|gte: 20\n  condition: sel", sysmonTime, true},
		{"hour lt", "  sel:\n    UtcTime|hour|lt: 6\n  condition: sel", sysmonTime, false},
		{"hour neq", "  sel:\n    UtcTime|hour|neq: 23\n  condition: sel", sysmonTime, false},
		{"zone not converted", "  sel:\n    UtcTime|hour: 23\n  condition: sel", `"UtcTime":"2025-10-24T23:10:00+02:00"`, true},
		{"Z zone", "  sel:\n    UtcTime|hour: 23\n  condition: sel", `"UtcTime":"2025-10-24T23:10:00.5Z"`, true},
		{"epoch millis in UTC", "  sel:\n    UtcTime|hour: 0\n  condition: sel", `"UtcTime":"86400000"`, true},
		{"not a date", "  sel:\n    UtcTime|hour: 0\n  condition: sel", `"UtcTime":"midnight"`, false},
		{"missing", "  sel:\n    UtcTime|hour: 0\n  condition: sel", `"Image":"x"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, m, err := compileOne(t, ruleWith(tc.detection), Env{NoLogsource: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := m(sysmon1(tc.doc)); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTimeModifierErrors(t *testing.T) {
	tests := []struct {
		name      string
		detection string
		want      string
	}{
		{"out of range", "  sel:\n    UtcTime|hour: 24\n  condition: sel", `r.yml:8:19: sigma: field "UtcTime": hour takes a whole number from 0 to 23, not "24"`},
		{"not a number", "  sel:\n    UtcTime|month: may\n  condition: sel", `r.yml:8:20: sigma: field "UtcTime": month takes a whole number from 1 to 12, not "may"`},
		{"two parts", "  sel:\n    UtcTime|hour|day: 1\n  condition: sel", `r.yml:8:5: sigma: field "UtcTime": modifiers hour and day do not combine`},
		{"with contains", "  sel:\n    UtcTime|hour|contains: 1\n  condition: sel", `r.yml:8:5: sigma: field "UtcTime": hour combines with lt, lte, gt, gte, neq and all only`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := compileOne(t, ruleWith(tc.detection), Env{NoLogsource: true})
			if err == nil {
				t.Fatal("compiled")
			}
			if got := strings.SplitN(err.Error(), "\n", 2)[0]; got != tc.want {
				t.Errorf("error %q\nwant  %q", got, tc.want)
			}
		})
	}
}
