package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/input"
)

// progressBar draws one status line at the bottom of a terminal while the
// hunt reads. Everything else the hunt prints to the same terminal goes
// through guard, which erases the line first; the next tick draws it again
// below the new output, so output is never glued to the bar. The line is
// at most 80 columns and never wider than the terminal (so it cannot wrap),
// is redrawn when the terminal is resized, and is only ever drawn on a
// terminal: never into a file or a pipe.
type progressBar struct {
	mu      sync.Mutex
	tty     io.Writer
	size    func() int // the terminal's width now
	width   int        // columns available to the line
	drawn   int        // columns of the line on screen; 0 when none
	status  func() progressStatus
	stopped bool
	// midLine is set while guarded output has written part of a line
	// (tabwriter writes a row cell by cell): the bar waits for its end.
	midLine bool
}

// progressStatus is what the line reports.
type progressStatus struct {
	Files, FilesDone int
	Bytes, BytesDone int64
	Events, Alerts   int64
	Elapsed          time.Duration
}

// progressTick is how often the line is redrawn (tests make it short).
var progressTick = 200 * time.Millisecond

// maxProgressWidth keeps the line within 80 columns on wide terminals
// (one less, as on an 80-column terminal).
const maxProgressWidth = 79

func newProgressBar(tty io.Writer, size func() int, status func() progressStatus) *progressBar {
	p := &progressBar{tty: tty, size: size, status: status}
	p.width = lineWidth(size())
	return p
}

// lineWidth is the room for the line on a terminal of cols columns: one
// column is left free, because some terminals wrap on writing the last.
func lineWidth(cols int) int {
	return min(max(cols-1, 10), maxProgressWidth)
}

// draw writes the line again.
func (p *progressBar) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.midLine {
		return
	}
	line := progressLine(p.status(), p.width)
	fmt.Fprintf(p.tty, "\r%s\x1b[K", line)
	p.drawn = runeLen(line)
}

// resized reads the terminal's width again and redraws the line to fit.
// A terminal that reflows text when it narrows may have wrapped the old
// line onto two rows; only the row the cursor is on is erased, since
// moving up to erase the other would erase output on a terminal that does
// not reflow.
func (p *progressBar) resized() {
	p.mu.Lock()
	p.clearLocked()
	p.width = lineWidth(p.size())
	p.mu.Unlock()
	p.draw()
}

func (p *progressBar) clearLocked() {
	if p.drawn > 0 {
		io.WriteString(p.tty, "\r\x1b[J")
		p.drawn = 0
	}
}

// stop erases the line for good.
func (p *progressBar) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	p.stopped = true
}

// guard returns a writer to the same terminal that erases the line before
// each write.
func (p *progressBar) guard(w io.Writer) io.Writer { return &guardedWriter{p: p, w: w} }

type guardedWriter struct {
	p *progressBar
	w io.Writer
}

func (g *guardedWriter) Write(b []byte) (int, error) {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	g.p.clearLocked()
	if len(b) > 0 {
		g.p.midLine = b[len(b)-1] != '\n'
	}
	return g.w.Write(b)
}

// progressLine renders the status in at most width columns. The bar takes
// what the figures leave, at least 10 columns; figures that do not fit are
// dropped, least useful first.
func progressLine(st progressStatus, width int) string {
	pct := 0.0
	if st.Bytes > 0 {
		pct = min(float64(st.BytesDone)/float64(st.Bytes), 1)
	}
	// Figures have fixed widths, so that the bar does not change length
	// from one redraw to the next.
	files := fmt.Sprint(st.Files)
	parts := []string{
		fmt.Sprintf("%3.0f%%", pct*100),                                       // 0: always
		fmt.Sprintf("alerts %-5s", compactCount(st.Alerts)),                   // 1
		fmt.Sprintf("ETA %-5s", eta(st)),                                      // 2
		fmt.Sprintf("files %*d/%s", len(files), st.FilesDone, files),          // 3
		fmt.Sprintf("events %-5s", compactCount(st.Events)),                   // 4
		fmt.Sprintf("%5s/s", compactCount(eventRate(st))),                     // 5
		fmt.Sprintf("%6s/%s", humanBytes(st.BytesDone), humanBytes(st.Bytes)), // 6
	}
	order := []int{0, 1, 3, 2, 4, 5, 6} // the order they are shown in
	const minBar = 10
	keep := len(parts)
	length := func(n int) int {
		l := minBar + 2 // "[" ... "]"
		for i := 0; i < n; i++ {
			l += 2 + runeLen(parts[i])
		}
		return l
	}
	for keep > 1 && length(keep) > width {
		keep--
	}
	barLen := max(width-length(keep)+minBar, 1)
	if length(keep) > width { // a very narrow terminal: percentage only
		return parts[0]
	}
	filled := int(pct * float64(barLen))
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", filled))
	if filled < barLen {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", barLen-filled-1))
	}
	b.WriteByte(']')
	for _, i := range order {
		if i < keep {
			b.WriteString("  ")
			b.WriteString(parts[i])
		}
	}
	return b.String()
}

// eta estimates the time left from the share of bytes read so far. It
// says "--" until there is something to go on (a second of reading and a
// twentieth of the input), when the input is done, or when the estimate
// would be over a day (the share is too small to say).
func eta(st progressStatus) string {
	if st.Bytes <= 0 || st.BytesDone <= 0 || st.BytesDone >= st.Bytes || st.Elapsed < time.Second {
		return "--"
	}
	share := float64(st.BytesDone) / float64(st.Bytes)
	if share < 0.05 {
		return "--"
	}
	left := time.Duration(float64(st.Elapsed) * (1 - share) / share)
	if left > 24*time.Hour {
		return "--"
	}
	left = left.Round(time.Second)
	h, m, s := int(left.Hours()), int(left.Minutes())%60, int(left.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

func eventRate(st progressStatus) int64 {
	if st.Elapsed <= 0 {
		return 0
	}
	return int64(float64(st.Events) / st.Elapsed.Seconds())
}

// compactCount writes n in at most five characters: 999, 12.3k, 4.56M.
func compactCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 999_500:
		return trimZero(fmt.Sprintf("%.3g", float64(n)/1e3)) + "k"
	case n < 999_500_000:
		return trimZero(fmt.Sprintf("%.3g", float64(n)/1e6)) + "M"
	}
	return trimZero(fmt.Sprintf("%.3g", float64(n)/1e9)) + "G"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.0fK", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
}

// currentStdout writes to whatever stdout is at the time of the write, so
// that a writer made before the progress bar starts goes through its guard.
type currentStdout struct{}

func (currentStdout) Write(b []byte) (int, error) { return stdout.Write(b) }

// startProgress shows a progress bar on stderr while the hunt reads, when
// stderr is a terminal (--progress always draws it on any terminal it
// finds, never into a file or pipe). While it shows, stdout and stderr
// are guarded so that no output lands on the bar's line. It returns the
// function that stops it.
func (h *hunt) startProgress(inputs []input.File) func() {
	cols, tty := terminal(stderr)
	if h.flags.progress == "never" || !tty {
		return func() {}
	}
	f := stderr.(*os.File)
	var total int64
	for _, in := range inputs {
		total += in.Size
	}
	status := func() progressStatus {
		return progressStatus{
			Files: len(inputs), FilesDone: int(h.prog.Inputs.Load()),
			Bytes: total, BytesDone: h.prog.Bytes.Load(),
			Events: h.prog.Events.Load(), Alerts: h.written.Load(),
			Elapsed: time.Since(h.started),
		}
	}
	size := func() int {
		if c, ok := terminal(f); ok {
			return c
		}
		return cols
	}
	p := newProgressBar(f, size, status)
	oldOut, oldErr := stdout, stderr
	if _, ok := terminal(stdout); ok {
		stdout = p.guard(stdout)
	}
	stderr = p.guard(stderr)
	stop := p.run(progressTick)
	return func() {
		stop()
		stdout, stderr = oldOut, oldErr
	}
}

// run redraws the line every tick and on resize until the returned
// function is called; that function erases the line.
func (p *progressBar) run(tick time.Duration) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	winch, stopWinch := notifyResize()
	go func() {
		defer close(stopped)
		t := time.NewTicker(tick)
		defer t.Stop()
		p.draw()
		for {
			select {
			case <-done:
				return
			case <-winch:
				p.resized()
			case <-t.C:
				p.draw()
			}
		}
	}()
	return func() {
		stopWinch()
		close(done)
		<-stopped
		p.stop()
	}
}
