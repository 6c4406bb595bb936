package alert

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Writer writes alerts in one output format.
type Writer interface {
	Write(a *Alert) error
	// Close flushes buffered output; it does not close the underlying writer.
	Close() error
}

// WriterOptions shape the table and CSV formats.
type WriterOptions struct {
	// Columns are the table's or CSV's columns; nil: the format's default.
	Columns []*Column
	// ExplicitColumns says the user chose Columns: none is dropped to fit.
	ExplicitColumns bool
	// Width is the terminal's width for the table; 0: not limited.
	Width int
	// Colour marks severities with colour (on a terminal only).
	Colour bool
	// FirstRowsWait bounds how long the table holds its first rows to
	// fix its column widths (on a terminal, where someone waits for
	// them); 0: until it has 20 rows or is closed.
	FirstRowsWait time.Duration
	// Location is the time zone of times in the table, CSV and
	// timesketch formats; nil: UTC.
	Location *time.Location
}

func (o WriterOptions) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// format is one output format: its names and its constructor.
type format struct {
	names []string
	new   func(w io.Writer, f *Fields, opt WriterOptions) (Writer, error)
}

// formats is the table of output formats; adding one is one entry here.
var formats = []format{
	{[]string{"table"}, func(w io.Writer, f *Fields, opt WriterOptions) (Writer, error) {
		return newTableWriter(w, f, opt), nil
	}},
	{[]string{"jsonl", "json", "ndjson"}, func(w io.Writer, f *Fields, _ WriterOptions) (Writer, error) {
		return &jsonlWriter{w: bufio.NewWriterSize(w, 64<<10), f: f}, nil
	}},
	{[]string{"csv"}, newCSVWriter},
	{[]string{"timesketch"}, func(w io.Writer, f *Fields, opt WriterOptions) (Writer, error) {
		return &timesketchWriter{w: bufio.NewWriterSize(w, 64<<10), f: f, ctx: cellContext{f: f, loc: opt.location()}}, nil
	}},
}

// Formats lists the output formats NewWriter accepts.
var Formats = []string{"table", "jsonl", "csv", "timesketch"}

// NewWriter returns a writer for format ("table", "jsonl", "csv" or
// "timesketch") with default options.
func NewWriter(format string, w io.Writer, f *Fields) (Writer, error) {
	return NewWriterOptions(format, w, f, WriterOptions{})
}

// NewWriterOptions returns a writer for format shaped by opt.
func NewWriterOptions(format string, w io.Writer, f *Fields, opt WriterOptions) (Writer, error) {
	if f != nil {
		f.Add(detailFields...)
	}
	for _, ft := range formats {
		for _, n := range ft.names {
			if n == format {
				return ft.new(w, f, opt)
			}
		}
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

type csvWriter struct {
	w    *csv.Writer
	cols []*Column
	ctx  cellContext
	rec  []string
}

func newCSVWriter(w io.Writer, f *Fields, opt WriterOptions) (Writer, error) {
	cols := opt.Columns
	if cols == nil {
		cols, _ = ParseColumns("", DefaultCSVColumns)
	}
	c := &csvWriter{w: csv.NewWriter(w), cols: cols, ctx: cellContext{f: f, loc: opt.location()},
		rec: make([]string, len(cols))}
	for i, col := range cols {
		c.rec[i] = col.Name
	}
	return c, c.w.Write(c.rec)
}

func (c *csvWriter) Write(a *Alert) error {
	for i, col := range c.cols {
		v := col.value(a, &c.ctx)
		if col.Name == "tactics" || col.Name == "techniques" {
			v = strings.ReplaceAll(v, ", ", "; ")
		}
		c.rec[i] = v
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
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
