package alert

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigilsec/vigil/event"
)

// Writer writes alerts in one output format.
type Writer interface {
	Write(a *Alert) error
	// Close flushes buffered output; it does not close the underlying writer.
	Close() error
}

// Formats lists the output formats NewWriter accepts.
var Formats = []string{"table", "jsonl", "csv"}

// NewWriter returns a writer for format ("table", "jsonl" or "csv").
func NewWriter(format string, w io.Writer, f *Fields) (Writer, error) {
	switch format {
	case "jsonl", "json", "ndjson":
		return &jsonlWriter{w: bufio.NewWriterSize(w, 64<<10), f: f}, nil
	case "csv":
		cw := csv.NewWriter(w)
		return &csvWriter{w: cw}, cw.Write(csvHeader)
	case "table":
		tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tSEVERITY\tRISK\tRULE\tHOST\tUSER\tEVENTS\tTACTICS")
		return &tableWriter{w: tw, f: f}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

type jsonlWriter struct {
	w   *bufio.Writer
	f   *Fields
	buf []byte
}

func (j *jsonlWriter) Write(a *Alert) error {
	j.buf = a.AppendDocuments(j.f, j.buf[:0])
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonlWriter) Close() error { return j.w.Flush() }

var csvHeader = []string{"original_time", "severity", "risk_score", "rule_id", "rule_name", "host", "user",
	"events", "tactics", "techniques", "reason", "alert_id", "source"}

type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Write(a *Alert) error {
	return c.w.Write([]string{
		origTime(a), a.Severity, strconv.Itoa(a.RiskScore), a.Rule.ID, a.RuleName, a.Host, a.User,
		strconv.Itoa(countEvents(a)), strings.Join(a.Tactics(), "; "), strings.Join(a.Techniques(), "; "),
		a.Reason, a.ID, sourceOf(a),
	})
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

type tableWriter struct {
	w    *tabwriter.Writer
	f    *Fields
	rows int
}

func (t *tableWriter) Write(a *Alert) error {
	_, err := fmt.Fprintf(t.w, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n", origTime(a), a.Severity, a.RiskScore,
		clip(a.RuleName, 60), clip(a.Host, 30), clip(a.User, 24), countEvents(a), clip(strings.Join(a.Tactics(), ", "), 40))
	if inv := a.Investigation(t.f); err == nil && len(inv) > 0 {
		// The rule's investigation fields, under the row (empty cells
		// keep the columns aligned).
		_, err = fmt.Fprintf(t.w, "\t\t\t  %s\t\t\t\t\n", clip(strings.Join(inv, "  "), 200))
	}
	t.rows++
	// Flush in blocks so that a long hunt shows results as it goes while
	// columns stay aligned within a block.
	if err == nil && t.rows%50 == 0 {
		err = t.w.Flush()
	}
	return err
}

func (t *tableWriter) Close() error { return t.w.Flush() }

func origTime(a *Alert) string {
	if a.OriginalTime == 0 {
		return "-"
	}
	return event.FormatTime(a.OriginalTime)
}

// sourceOf names where the alert's first event was read from.
func sourceOf(a *Alert) string {
	for _, ev := range a.Events {
		if ev != nil && ev.Source != "" {
			return ev.Source + ":" + strconv.FormatInt(ev.Pos, 10)
		}
	}
	return ""
}

func countEvents(a *Alert) int {
	if a.Threshold != nil {
		return int(a.Threshold.Count)
	}
	n := 0
	for _, ev := range a.Events {
		if ev != nil {
			n++
		}
	}
	return n
}

func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
