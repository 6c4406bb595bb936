package alert

import (
	"cmp"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// tableBlock is how many rows the table waits for (or, on a terminal,
// WriterOptions.FirstRowsWait after the first) before it fixes its column
// widths for the rest of the run.
const tableBlock = 20

// tableWriter writes alerts as aligned columns. Widths are computed once,
// from the terminal's width and the first block of rows (all of them when
// there are fewer), and kept for the
// whole run: later rows are cut to them with an ellipsis, so rows written
// an hour apart still line up. Each row is one Write of a whole line.
type tableWriter struct {
	mu      sync.Mutex
	w       io.Writer
	opt     WriterOptions
	cols    []*Column
	ctx     cellContext
	pending []tableRow
	widths  []int // nil until the layout is fixed
	timer   *time.Timer
	err     error
}

type tableRow struct {
	cells    []string
	severity string
	// under is a line shown under the row: the rule's investigation
	// fields (investigation_fields) with their values.
	under string
}

func newTableWriter(w io.Writer, f *Fields, opt WriterOptions) *tableWriter {
	t := &tableWriter{w: w, opt: opt, cols: opt.Columns,
		ctx: cellContext{f: f, loc: opt.location(), layout: "2006-01-02 15:04:05"}}
	if t.cols == nil {
		t.cols, _ = ParseColumns("", DefaultTableColumns)
	}
	return t
}

func (t *tableWriter) Write(a *Alert) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	row := tableRow{cells: make([]string, len(t.cols)), severity: a.Severity}
	if inv := a.Investigation(t.ctx.f); len(inv) > 0 {
		row.under = cleanCell(strings.Join(inv, "  "))
	}
	for i, c := range t.cols { // the layout may drop columns: under the lock
		row.cells[i] = cleanCell(c.value(a, &t.ctx))
	}
	if t.widths != nil {
		t.writeRow(row)
		return t.err
	}
	t.pending = append(t.pending, row)
	if len(t.pending) >= tableBlock {
		t.layoutAndFlush()
	} else if t.timer == nil && t.opt.FirstRowsWait > 0 {
		t.timer = time.AfterFunc(t.opt.FirstRowsWait, func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.widths == nil {
				t.layoutAndFlush()
			}
		})
	}
	return t.err
}

func (t *tableWriter) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.widths == nil {
		t.layoutAndFlush()
	}
	return t.err
}

func (t *tableWriter) layoutAndFlush() {
	t.layout()
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Header
		if c.Name == "original_time" {
			header[i] = "TIME (" + t.ctx.loc.String() + ")"
		}
	}
	t.writeRow(tableRow{cells: header})
	for _, r := range t.pending {
		t.writeRow(r)
	}
	t.pending = nil
}

// layout fixes the columns and their widths. Without a width limit each
// column is as wide as its widest cell (up to its Max). On a terminal,
// default columns are dropped (in their Drop order; those named by
// --columns never are) until the rest fit at twice their minimum width;
// then flexible columns are narrowed in their Shrink order, first to a
// comfortable width, then to their minimum, until the row fits; the last
// column takes what room is left.
func (t *tableWriter) layout() {
	natural := func(c *Column, i int) int {
		w := runeLen(c.Header)
		if c.Name == "original_time" {
			w = runeLen("TIME (" + t.ctx.loc.String() + ")")
		}
		for _, r := range t.pending {
			w = max(w, runeLen(r.cells[i]))
		}
		if !c.Fixed && c.Max > 0 {
			w = max(min(w, c.Max), runeLen(c.Header))
		}
		return w
	}
	least := func(c *Column, nat int) int {
		if c.Fixed {
			return nat
		}
		return min(nat, max(c.Min, runeLen(c.Header)))
	}
	width := t.opt.Width
	if width > 0 && !t.opt.ExplicitColumns {
		for {
			total, drop := -2, -1
			for i, c := range t.cols {
				// A column is worth keeping if the others can still have
				// twice their minimum width.
				nat := natural(c, i)
				total += min(nat, 2*least(c, nat)) + 2
				if c.Drop > 0 && (drop < 0 || c.Drop < t.cols[drop].Drop) {
					drop = i
				}
			}
			if total <= width || drop < 0 {
				break
			}
			t.cols = append(t.cols[:drop:drop], t.cols[drop+1:]...)
			for j := range t.pending {
				t.pending[j].cells = append(t.pending[j].cells[:drop:drop], t.pending[j].cells[drop+1:]...)
			}
		}
	}
	w := make([]int, len(t.cols))
	total := -2
	for i, c := range t.cols {
		w[i] = natural(c, i)
		total += w[i] + 2
	}
	if width > 0 {
		// Columns give way in their Shrink order (DETAIL, then TACTICS,
		// USER and HOST, the rule's name last).
		order := make([]int, 0, len(t.cols))
		for i, c := range t.cols {
			if !c.Fixed {
				order = append(order, i)
			}
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t.cols[a].Shrink, t.cols[b].Shrink) })
		// Two passes: first to a comfortable width (DETAIL three times its
		// minimum, the others twice), then to the minimum.
		for pass := range 2 {
			for _, i := range order {
				if total <= width {
					break
				}
				c := t.cols[i]
				floor := least(c, natural(c, i))
				if pass == 0 {
					floor *= 2
					if c.Name == "detail" {
						floor = floor * 3 / 2
					}
				}
				cut := min(total-width, max(w[i]-floor, 0))
				w[i] -= cut
				total -= cut
			}
		}
		if last := len(w) - 1; last >= 0 && !t.cols[last].Fixed && total < width {
			w[last] += width - total
		}
	}
	t.widths = w
}

// severityColour is the SGR colour of each severity on a terminal.
var severityColour = map[string]string{
	"critical": "\x1b[1;35m", "high": "\x1b[1;31m", "medium": "\x1b[33m", "low": "\x1b[36m",
}

func (t *tableWriter) writeRow(r tableRow) {
	if t.err != nil {
		return
	}
	var b strings.Builder
	for i, c := range r.cells {
		if i > 0 {
			b.WriteString("  ")
		}
		var cell string
		if cut := t.cols[i].cut; cut != nil {
			cell = cut(c, t.widths[i])
		} else {
			cell = ellipsis(c, t.widths[i])
		}
		pad := t.widths[i] - runeLen(cell)
		colour := ""
		if t.opt.Colour && r.severity != "" && t.cols[i].Name == "severity" {
			colour = severityColour[strings.ToLower(r.severity)]
		}
		if colour != "" {
			b.WriteString(colour)
			b.WriteString(cell)
			b.WriteString("\x1b[0m")
		} else {
			b.WriteString(cell)
		}
		if i < len(r.cells)-1 {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	b.WriteByte('\n')
	if r.under != "" {
		// Under the rule's name, two columns further in.
		indent, at := 2, 0
		for i, c := range t.cols {
			if c.Name == "rule_name" {
				indent = at + 2
				break
			}
			at += t.widths[i] + 2
		}
		if t.opt.Width > 0 && indent > t.opt.Width-20 {
			indent = 2
		}
		room := 200
		if t.opt.Width > 0 {
			room = t.opt.Width - indent
		}
		b.WriteString(strings.Repeat(" ", indent))
		b.WriteString(ellipsis(r.under, room))
		b.WriteByte('\n')
	}
	_, t.err = io.WriteString(t.w, b.String())
}

// cleanCell puts a value on one line; an empty value shows as "-".
func cleanCell(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s
}

func runeLen(s string) int { return len([]rune(s)) }

// ellipsis cuts s to at most n runes, ending in "…" when it was cut.
func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	return string(r[:n-1]) + "…"
}
