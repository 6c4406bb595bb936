package match

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// BenchmarkGlob matches the shapes a pattern can take (prefix, segments,
// with ?, escaped wildcards, ignoring case) against a decoded event's
// field, as a rule's predicate does.
func BenchmarkGlob(b *testing.B) {
	const doc = `{"process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",` +
		`"command_line":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA c:\\users\\public\\x.ps1"}}`
	cases := []struct {
		name, field, pattern string
		syntax               GlobSyntax
		fold                 bool
	}{
		{"prefix-fold", "process.executable", `c:\windows\*`, GlobStarQuestion, true},
		{"segments", "process.command_line", `*-NoP*Hidden*.ps1`, GlobStarQuestion, false},
		{"segments-fold", "process.command_line", `*-nop*hidden*.PS1`, GlobStarQuestion, true},
		{"general-fold", "process.executable", `*\system32\*\v?.0\*.exe`, GlobStarQuestion, true},
		{"general-miss", "process.command_line", `*?x*?y*?z*?q`, GlobStarQuestion, false},
		{"escaped-star", "process.command_line", `*-enc\*x*`, GlobLucene, false},
		{"escaped-fold", "process.command_line", `*HIDDEN\?*`, GlobLucene, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := event.NewSchema()
			p := WildcardGlob(s.Slot(c.field), CompileGlob(c.pattern, c.syntax, c.fold))
			var ev event.Event
			if err := s.Decode([]byte(doc), &ev); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.Match(&ev)
			}
		})
	}
}

// BenchmarkWildcardList tests a field against a list of patterns, as EQL's
// `field : ("a*", "b*", ...)`: Sysmon call traces (hundreds of bytes)
// against patterns anchored at their start, as Elastic's "Suspicious
// Process Access via Direct System Call" tests them, and a short path
// against patterns with literal text anywhere.
func BenchmarkWildcardList(b *testing.B) {
	frames := `|C:\\windows\\System32\\KERNELBASE.dll+305fe|C:\\windows\\system32\\twinui.pcshell.dll+1d207|C:\\windows\\system32\\twinui.dll+1780b|C:\\windows\\system32\\twinui.dll+1734c|C:\\windows\\System32\\USER32.dll+15c1d|C:\\Windows\\System32\\windows.immersiveshell.serviceprovider.dll+45f0|C:\\windows\\System32\\KERNEL32.DLL+17c24|C:\\windows\\SYSTEM32\\ntdll.dll+6cea1`
	calltrace := []string{`?:\WINDOWS\SYSTEM32\ntdll.dll*`, `?:\WINDOWS\SysWOW64\ntdll.dll*`, `?:\Windows\System32\sysfer.dll*`,
		`?:\Windows\System32\wow64cpu.dll*`, `?:\WINDOWS\System32\wow64win.dll*`, `?:\Windows\System32\win32u.dll*`,
		`?:\ProgramData\Symantec\Symantec Endpoint Protection\*\sysfer.dll*`}
	cases := []struct {
		name, field, value string
		patterns           []string
	}{
		{"calltrace-hit", "winlog.event_data.CallTrace", `C:\\windows\\SYSTEM32\\ntdll.dll+9c584` + frames, calltrace},
		{"calltrace-miss", "winlog.event_data.CallTrace", `UNKNOWN(00007FF6A2B41F32)` + frames, calltrace},
		{"path-floating", "process.executable", `C:\\Users\\bob\\AppData\\Local\\Temp\\setup\\x.exe`,
			[]string{`*\Temp\*.exe`, `*\Downloads\*`, `*\PerfLogs\*`, `*\Users\Public\*`, `*\$Recycle.Bin\*`}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := event.NewSchema()
			p := WildcardIn(s.Slot(c.field), c.patterns, true, true)
			var ev event.Event
			if err := s.Decode([]byte(`{"`+c.field+`":"`+c.value+`"}`), &ev); err != nil {
				b.Fatal(err)
			}
			v := ev.Get(s.Slot(c.field)).Str()
			if v == "" {
				b.Fatalf("no %s", c.field)
			}
			b.SetBytes(int64(len(v)))
			b.ReportAllocs()
			for b.Loop() {
				p.Match(&ev)
			}
		})
	}
}
