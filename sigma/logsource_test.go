package sigma

import (
	"fmt"
	"testing"
)

func TestLogsourceSources(t *testing.T) {
	tests := []struct {
		ls   Logsource
		want string
	}{
		{Logsource{Product: "windows", Category: "process_creation"}, "[{Microsoft-Windows-Sysmon/Operational [1]} {Security [4688]}]"},
		{Logsource{Product: "windows", Category: "registry_event"}, "[{Microsoft-Windows-Sysmon/Operational [12 13 14]}]"},
		{Logsource{Product: "windows", Service: "security"}, "[{Security []}]"},
		{Logsource{Product: "windows", Category: "ps_script", Service: "powershell"}, "[{Microsoft-Windows-PowerShell/Operational [4104]}]"},
		{Logsource{Product: "windows"}, "[]"},
		{Logsource{Product: "windows", Category: "no_such"}, `error: logsource category "no_such" has no Windows event source`},
		{Logsource{Product: "linux", Category: "process_creation"}, `error: logsource product "linux": only windows logsources are mapped to event sources`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.ls), func(t *testing.T) {
			srcs, err := tc.ls.Sources()
			got := fmt.Sprint(srcs)
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}
