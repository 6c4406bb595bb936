package alert

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
)

// Column is one column of the table and CSV formats: its name (the CSV
// header and the name --columns takes), the table's header, how to get its
// value, and how it behaves when a table must fit a terminal.
type Column struct {
	Name, Header string
	Aliases      []string
	value        func(a *Alert, c *cellContext) string
	// Table layout: a fixed column keeps its width; a flexible one shrinks
	// to Min with an ellipsis. Max caps a column when the width is not
	// limited. Drop orders the default columns that give way first on a
	// narrow terminal (0: never dropped); Shrink orders the flexible
	// columns that are narrowed first.
	Min, Max     int
	Fixed        bool
	Drop, Shrink int
	// cut shortens a cell to n runes (default: an ellipsis at the end).
	cut func(s string, n int) string
}

// cellContext is what a cell may need beyond the alert.
type cellContext struct {
	f      *Fields
	loc    *time.Location
	layout string // time layout
}

// Columns lists every column, in the order of the default CSV header.
var Columns = []*Column{
	{Name: "original_time", Header: "TIME", Aliases: []string{"time"}, Fixed: true,
		value: func(a *Alert, c *cellContext) string { return c.time(a.OriginalTime) }},
	{Name: "severity", Header: "SEVERITY", Fixed: true,
		value: func(a *Alert, _ *cellContext) string { return a.Severity }},
	{Name: "risk_score", Header: "RISK", Aliases: []string{"risk"}, Fixed: true, Drop: 3,
		value: func(a *Alert, _ *cellContext) string { return strconv.Itoa(a.RiskScore) }},
	{Name: "rule_id", Header: "RULE ID", Min: 8, Max: 36, Shrink: 6,
		value: func(a *Alert, _ *cellContext) string { return a.Rule.ID }},
	{Name: "rule_name", Header: "RULE", Aliases: []string{"rule"}, Min: 20, Max: 60, Shrink: 9,
		value: func(a *Alert, _ *cellContext) string { return a.RuleName }},
	{Name: "host", Header: "HOST", Aliases: []string{"computer"}, Min: 8, Max: 30, Shrink: 4, cut: cutHost,
		value: func(a *Alert, _ *cellContext) string { return a.Host }},
	{Name: "user", Header: "USER", Min: 6, Max: 24, Drop: 4, Shrink: 3,
		value: func(a *Alert, _ *cellContext) string { return a.User }},
	{Name: "events", Header: "EVENTS", Fixed: true, Drop: 2,
		value: func(a *Alert, _ *cellContext) string { return strconv.Itoa(countEvents(a)) }},
	{Name: "tactics", Header: "TACTICS", Min: 10, Max: 40, Drop: 1, Shrink: 2,
		value: func(a *Alert, _ *cellContext) string { return strings.Join(a.Tactics(), ", ") }},
	{Name: "techniques", Header: "TECHNIQUES", Min: 9, Max: 40, Shrink: 5,
		value: func(a *Alert, _ *cellContext) string { return strings.Join(a.Techniques(), ", ") }},
	{Name: "reason", Header: "REASON", Min: 16, Max: 120, Shrink: 7,
		value: func(a *Alert, _ *cellContext) string { return a.Reason }},
	{Name: "alert_id", Header: "ALERT ID", Aliases: []string{"id"}, Min: 8, Max: 64, Shrink: 6,
		value: func(a *Alert, _ *cellContext) string { return a.ID }},
	{Name: "source", Header: "SOURCE", Min: 12, Max: 80, Shrink: 7,
		value: func(a *Alert, _ *cellContext) string { return sourceOf(a) }},
	{Name: "detail", Header: "DETAIL", Aliases: []string{"command"}, Min: 12, Max: 100, Shrink: 1, cut: cutDetail,
		value: func(a *Alert, c *cellContext) string { return Detail(c.f, a) }},
}

// DefaultTableColumns and DefaultCSVColumns are what the formats show
// without --columns.
var (
	DefaultTableColumns = []string{"original_time", "severity", "risk_score", "rule_name", "host", "user", "events", "tactics", "detail"}
	DefaultCSVColumns   = []string{"original_time", "severity", "risk_score", "rule_id", "rule_name", "host", "user",
		"events", "tactics", "techniques", "reason", "alert_id", "source"}
)

// ParseColumns resolves a comma-separated list of column names (or
// aliases); "" gives def.
func ParseColumns(list string, def []string) ([]*Column, error) {
	names := def
	if strings.TrimSpace(list) != "" {
		names = strings.Split(list, ",")
	}
	var out []*Column
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		c := columnNamed(n)
		if c == nil {
			all := make([]string, len(Columns))
			for i, c := range Columns {
				all[i] = c.Name
			}
			return nil, fmt.Errorf("unknown column %q (want %s)", n, strings.Join(all, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

func columnNamed(n string) *Column {
	for _, c := range Columns {
		if c.Name == n || strings.EqualFold(c.Header, n) {
			return c
		}
		for _, a := range c.Aliases {
			if a == n {
				return c
			}
		}
	}
	return nil
}

func (c *cellContext) time(ns int64) string {
	if ns == 0 {
		return "-"
	}
	t := time.Unix(0, ns).In(c.loc)
	if c.layout == "" {
		if c.loc == time.UTC {
			return event.FormatTime(ns)
		}
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(c.layout)
}

// detailFields are the fields Detail reads; writers register them.
var detailFields = []string{
	"process.command_line", "registry.path", "registry.data.strings",
	"winlog.event_data.ImagePath", "winlog.event_data.ServiceFileName", "winlog.event_data.ServiceName",
	"service.name", "powershell.file.script_block_text", "winlog.event_data.ShareName",
	"winlog.event_data.RelativeTargetName", "file.path", "dns.question.name", "destination.ip",
	"destination.port", "process.executable", "message",
}

// Detail is the alert's key field, what a responder looks at first: the
// command line of a process, the path (and value) of a registry change,
// the image path of an installed service, the script of a PowerShell
// block, the share and file of a share access, a file path, a DNS name or
// a destination, else the event's message. A sequence shows the first of
// its events that has one.
func Detail(f *Fields, a *Alert) string {
	for _, ev := range a.Events {
		if ev == nil {
			continue
		}
		if d := eventDetail(f, ev); d != "" {
			return d
		}
	}
	return ""
}

func eventDetail(f *Fields, ev *event.Event) string {
	if s := f.Str(ev, "process.command_line"); s != "" {
		return s
	}
	if s := f.Str(ev, "registry.path"); s != "" {
		if v := f.Str(ev, "registry.data.strings"); v != "" {
			return s + " = " + v
		}
		return s
	}
	for _, k := range []string{"winlog.event_data.ImagePath", "winlog.event_data.ServiceFileName"} {
		if s := f.Str(ev, k); s != "" {
			name := f.Str(ev, "winlog.event_data.ServiceName")
			if name == "" {
				name = f.Str(ev, "service.name")
			}
			if name != "" {
				return name + ": " + s
			}
			return s
		}
	}
	if s := f.Str(ev, "powershell.file.script_block_text"); s != "" {
		return s
	}
	if s := f.Str(ev, "winlog.event_data.ShareName"); s != "" {
		if t := f.Str(ev, "winlog.event_data.RelativeTargetName"); t != "" {
			return s + `\` + t
		}
		return s
	}
	for _, k := range []string{"file.path", "dns.question.name"} {
		if s := f.Str(ev, k); s != "" {
			return s
		}
	}
	if ip := f.Str(ev, "destination.ip"); ip != "" {
		if p := f.Str(ev, "destination.port"); p != "" {
			return ip + ":" + p
		}
		return ip
	}
	for _, k := range []string{"process.executable", "message"} {
		if s := f.Str(ev, k); s != "" {
			return s
		}
	}
	return ""
}

// cutHost drops the domain of a host name that does not fit:
// "PC01.example.corp" is "PC01" before it is "PC01.ex…".
func cutHost(s string, n int) string {
	if runeLen(s) > n {
		if i := strings.IndexByte(s, '.'); i > 0 {
			s = s[:i]
		}
	}
	return ellipsis(s, n)
}

// cutDetail keeps the end of a path that does not fit (the file name says
// more than the drive), and the start of anything else, such as a command
// line.
func cutDetail(s string, n int) string {
	if runeLen(s) <= n || n < 2 {
		return ellipsis(s, n)
	}
	if !strings.ContainsAny(s, " \t") && strings.ContainsAny(s, `\/`) {
		r := []rune(s)
		return "…" + string(r[len(r)-n+1:])
	}
	return ellipsis(s, n)
}
