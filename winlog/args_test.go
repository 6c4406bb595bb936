package winlog

import (
	"reflect"
	"testing"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		cmd  string
		want []string
	}{
		{``, nil},
		{`   `, nil},
		{`notepad.exe`, []string{`notepad.exe`}},
		{`"C:\Windows\system32\notepad.exe" `, []string{`C:\Windows\system32\notepad.exe`}},
		{`sc.exe  create X binPath= "C:\a b\x.exe"`, []string{`sc.exe`, `create`, `X`, `binPath=`, `C:\a b\x.exe`}},
		{"a\tb  \t c", []string{`a`, `b`, `c`}},
		{`a"b c"d`, []string{`ab cd`}},
		{`\\server\share\x.exe`, []string{`\\server\share\x.exe`}},
		{`a\\\"b`, []string{`a\"b`}},       // 2n+1 backslashes: n and a literal quote
		{`a\\\\"b c"`, []string{`a\\b c`}}, // 2n backslashes: n and toggle
		{`"a\\" b`, []string{`a\`, `b`}},
		{`a\b\\c`, []string{`a\b\\c`}},      // backslashes not before a quote are literal
		{`"a""b" c`, []string{`a"b c`}},     // "" inside quotes: a quote, and quoting ends
		{`"a"""b" c`, []string{`a"b`, `c`}}, // the third quote opens quoting again
		{`"unterminated arg`, []string{`unterminated arg`}},
		{`x\\`, []string{`x\\`}},
		{`cmd /c "echo ""hi"""`, []string{`cmd`, `/c`, `echo "hi"`}},
		{`powershell -enc ZQBjAGgAbwA=`, []string{`powershell`, `-enc`, `ZQBjAGgAbwA=`}},
		{`"C:\Program Files\x.exe"arg`, []string{`C:\Program Files\x.exearg`}},
		{`ünïcödé "ä b"`, []string{`ünïcödé`, `ä b`}},
	}
	checkSplits(t, "SplitCommandLine", SplitCommandLine, tests)
}

func TestSplitCommandLineNaive(t *testing.T) {
	tests := []struct {
		cmd  string
		want []string
	}{
		{``, nil},
		{`a`, []string{`a`}},
		{`"C:\Windows\system32\wevtutil.exe" cl Security`, []string{`"C:\Windows\system32\wevtutil.exe"`, `cl`, `Security`}},
		// Repeated spaces give empty arguments, as Elastic's 4688 splitter does.
		{`sc.exe  create X binPath= C:\x.exe`, []string{`sc.exe`, ``, `create`, `X`, `binPath=`, `C:\x.exe`}},
		{`sc \\fs02\ create svc binPath= "C:\a b.exe"`, []string{`sc`, `\\fs02\`, `create`, `svc`, `binPath=`, `"C:\a b.exe"`}},
		{`a `, []string{`a`, ``}},
		{` a`, []string{``, `a`}},
		{"a\tb\nc", []string{`a`, `b`, `c`}},
		{`a"b c"d e`, []string{`a"b c"d`, `e`}},
		{`x\"y z`, []string{`x\"y z`}}, // no escapes: a backslash does not protect a quote
		{"a\u00a0b", []string{"a\u00a0b"}},
		{"a\u2003b", []string{"a", "b"}},
	}
	checkSplits(t, "SplitCommandLineNaive", SplitCommandLineNaive, tests)
}

// checkSplits runs the cases of a command line splitter.
func checkSplits(t *testing.T, name string, split func(string) []string, tests []struct {
	cmd  string
	want []string
}) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			got := split(tc.cmd)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s(%q) = %q, want %q", name, tc.cmd, got, tc.want)
			}
		})
	}
}

func TestNormalizeGUID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{9F32B55F-7C4E-5F98-5803-000000000500}", "{9f32b55f-7c4e-5f98-5803-000000000500}"},
		{"9F32B55F-7C4E-5F98-5803-000000000500", "{9f32b55f-7c4e-5f98-5803-000000000500}"},
		{"{9f32b55f-7c4e-5f98-5803-000000000500}", "{9f32b55f-7c4e-5f98-5803-000000000500}"},
		{"9f32b55f-7c4e-5f98-5803-000000000500", "{9f32b55f-7c4e-5f98-5803-000000000500}"},
		{"not-a-guid", "not-a-guid"},
		{"{9F32B55F-7C4E-5F98-5803-00000000050G}", "{9F32B55F-7C4E-5F98-5803-00000000050G}"},
	}
	for _, tc := range tests {
		if got := NormalizeGUID(tc.in); got != tc.want {
			t.Errorf("NormalizeGUID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
