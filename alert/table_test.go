package alert

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

// tableAlerts makes n alerts whose rule names and command lines grow
// longer row by row.
func tableAlerts(t *testing.T, n int) (*Fields, []*Alert) {
	s := event.NewSchema()
	f := Register(s)
	f.Add(detailFields...)
	var out []*Alert
	for i := range n {
		ev := decode(t, s, fmt.Sprintf(`{"@timestamp":"2026-11-23T10:%02d:00.000Z","host":{"name":"FS02"},"user":{"name":"alice"},`+
			`"process":{"command_line":"cmd.exe /c %s"}}`, i%60, strings.Repeat("x", 4*i)), int64(i))
		r := testRule()
		r.Name = "Rule " + strings.Repeat("n", 3*i)
		a := New(f, r, []*event.Event{ev}, nil, now)
		a.Severity = []string{"low", "medium", "high", "critical"}[i%4]
		out = append(out, a)
	}
	return f, out
}

func writeTable(t *testing.T, f *Fields, alerts []*Alert, opt WriterOptions) string {
	var b bytes.Buffer
	w, err := NewWriterOptions("table", &b, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTableStableWidths: the widths are fixed by the first block of rows;
// every later row keeps the columns where they were, cut with an ellipsis.
func TestTableStableWidths(t *testing.T) {
	f, alerts := tableAlerts(t, tableBlock+15)
	for _, width := range []int{0, 80, 120} {
		out := writeTable(t, f, alerts, WriterOptions{Width: width})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(alerts)+1 {
			t.Fatalf("%d lines", len(lines))
		}
		col := strings.Index(lines[0], "HOST")
		for i, l := range lines {
			if width > 0 && runeLen(l) > width {
				t.Errorf("width %d: line %d has %d columns", width, i, runeLen(l))
			}
			if i > 0 && string([]rune(l)[col:col+4]) != "FS02" {
				t.Errorf("width %d: line %d: HOST not at column %d: %q", width, i, col, l)
			}
		}
		last := lines[len(lines)-1]
		if !strings.Contains(last, "…") {
			t.Errorf("width %d: the longest row was not cut: %q", width, last)
		}
	}
}

func TestTableColour(t *testing.T) {
	f, alerts := tableAlerts(t, 4)
	plain := writeTable(t, f, alerts, WriterOptions{Width: 100})
	coloured := writeTable(t, f, alerts, WriterOptions{Width: 100, Colour: true})
	if sgr.ReplaceAllString(coloured, "") != plain {
		t.Errorf("colour changed the layout:\n%s\n%s", coloured, plain)
	}
	for _, want := range []string{"\x1b[1;35mcritical\x1b[0m", "\x1b[1;31mhigh\x1b[0m", "\x1b[33mmedium\x1b[0m", "\x1b[36mlow\x1b[0m"} {
		if !strings.Contains(coloured, want) {
			t.Errorf("no %q in\n%s", want, coloured)
		}
	}
	if strings.Contains(plain, "\x1b") {
		t.Error("escape codes without Colour")
	}
}

func TestTableExplicitColumns(t *testing.T) {
	f, alerts := tableAlerts(t, 3)
	cols, err := ParseColumns("time, RULE ,detail,rule_id", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := writeTable(t, f, alerts, WriterOptions{Width: 60, Columns: cols, ExplicitColumns: true})
	header := strings.Fields(strings.Split(out, "\n")[0])
	if got := strings.Join(header, " "); got != "TIME (UTC) RULE DETAIL RULE ID" {
		t.Errorf("header %q", got)
	}
	if _, err := ParseColumns("time,colour", nil); err == nil || !strings.HasPrefix(err.Error(), `unknown column "colour" (want original_time, severity`) {
		t.Errorf("err %v", err)
	}
}

func TestDetail(t *testing.T) {
	s := event.NewSchema()
	f := Register(s)
	f.Add(detailFields...)
	for _, tc := range []struct{ doc, want string }{
		{`{"process":{"command_line":"sc.exe \\\\FS02 create x","executable":"C:\\sc.exe"}}`, `sc.exe \\FS02 create x`},
		{`{"registry":{"path":"HKLM\\S\\ImagePath","data":{"strings":["C:\\p.exe"]}}}`, `HKLM\S\ImagePath = C:\p.exe`},
		{`{"winlog":{"event_data":{"ServiceName":"PSEXESVC","ImagePath":"%SystemRoot%\\PSEXESVC.exe"}}}`, `PSEXESVC: %SystemRoot%\PSEXESVC.exe`},
		{`{"winlog":{"event_data":{"ShareName":"\\\\*\\ADMIN$","RelativeTargetName":"x.exe"}}}`, `\\*\ADMIN$\x.exe`},
		{`{"destination":{"ip":"10.0.0.5","port":445}}`, `10.0.0.5:445`},
		{`{"dns":{"question":{"name":"evil.example"}}}`, `evil.example`},
		{`{"host":{"name":"x"}}`, ``},
	} {
		ev := decode(t, s, tc.doc, 1)
		if got := Detail(f, New(f, testRule(), []*event.Event{ev}, nil, now)); got != tc.want {
			t.Errorf("%s: detail %q, want %q", tc.doc, got, tc.want)
		}
	}
}

func TestCuts(t *testing.T) {
	for _, tc := range []struct {
		cut  func(string, int) string
		s    string
		n    int
		want string
	}{
		{cutHost, "PC01.example.corp", 8, "PC01"},
		{cutHost, "PC01.example.corp", 17, "PC01.example.corp"},
		{cutHost, "WIN-77LTAPHIQ1R.example.corp", 8, "WIN-77L…"},
		{cutDetail, `%SystemRoot%\PSEXESVC.exe`, 14, `…\PSEXESVC.exe`},
		{cutDetail, `C:\Windows\system32\cmd.exe /c whoami`, 14, `C:\Windows\sy…`},
		{cutDetail, `cmd.exe`, 14, `cmd.exe`},
	} {
		if got := tc.cut(tc.s, tc.n); got != tc.want || runeLen(got) > tc.n {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestTableFirstRowsWait: on a terminal the first rows are not held for
// long when no more come; elsewhere they wait for the block or Close.
func TestTableFirstRowsWait(t *testing.T) {
	f, alerts := tableAlerts(t, 2)
	var b lockedBuffer
	w, err := NewWriterOptions("table", &b, f, WriterOptions{Width: 80, FirstRowsWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(alerts[0])
	deadline := time.Now().Add(10 * time.Second)
	// The header and the row are two writes: wait for both (a hang guard,
	// not a timing assertion).
	for strings.Count(b.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := strings.Count(b.String(), "\n"); n != 2 {
		t.Errorf("%d lines before Close, want the header and the row", n)
	}
	w.Write(alerts[1])
	w.Close()
	if n := strings.Count(b.String(), "\n"); n != 3 {
		t.Errorf("%d lines after Close", n)
	}

	var held bytes.Buffer
	w, _ = NewWriterOptions("table", &held, f, WriterOptions{Width: 80})
	w.Write(alerts[0])
	time.Sleep(20 * time.Millisecond)
	if held.Len() != 0 {
		t.Errorf("rows written before the block or Close without FirstRowsWait: %q", held.String())
	}
	w.Close()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTableInvestigationUnderRule: investigation fields go under the
// rule's name and are cut to the width.
func TestTableInvestigationUnderRule(t *testing.T) {
	s := event.NewSchema()
	f := Register(s, "host.id", "process.args")
	ev := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","host":{"name":"WKS-1","id":"h-1"},"process":{"args":["sc.exe","\\\\FS02","create","svc","binPath=","`+strings.Repeat("x", 80)+`"]}}`, 1)
	r := testRule()
	r.InvestigationFields = []string{"host.id", "process.args"}
	out := writeTable(t, f, []*Alert{New(f, r, []*event.Event{ev}, nil, now)}, WriterOptions{Width: 100})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table:\n%s", out)
	}
	col := strings.Index(lines[0], "RULE")
	if !strings.HasPrefix(lines[2], strings.Repeat(" ", col+2)+"host.id=h-1  process.args=[sc.exe, ") || runeLen(lines[2]) != 100 || !strings.HasSuffix(lines[2], "…") {
		t.Errorf("investigation line %q (RULE at %d)", lines[2], col)
	}
}
