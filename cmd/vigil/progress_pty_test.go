//go:build linux || darwin

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/vigilsec/vigil/internal/testenv"
)

// openPTY returns the terminal end of a pseudo-terminal of cols x 24 and
// a function that closes it and returns everything written to it.
func openPTY(t *testing.T, cols int) (*os.File, func() string) {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 24, Cols: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(&buf, ptm) // ends with EIO once the terminal end is closed
	}()
	return tty, func() string {
		tty.Close()
		wg.Wait()
		ptm.Close()
		return buf.String()
	}
}

// barRE matches a drawn progress line: "\r[===>   ]  31% ..." up to the
// erase that ends it.
var barRE = regexp.MustCompile(`\r(\[[=> ]+\][^\r\x1b]*)\x1b\[K`)

// TestProgressOnTerminal hunts over the EVTX attack samples with Elastic's
// Windows rules (hundreds of alerts) on an 80-column pseudo-terminal that
// is both stdout and stderr, redrawing the bar every millisecond so that
// it is drawn between alert rows. What is left on the screen must be
// exactly the alert table a run without the bar prints, with no trace of
// the bar; no drawn bar line may reach the last column (or it would wrap).
func TestProgressOnTerminal(t *testing.T) {
	rules := testenv.Path(t, "corpus", "detection-rules", "rules", "windows")
	data := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES")
	oldTick := progressTick
	progressTick = time.Millisecond
	defer func() { progressTick = oldTick }()

	hunt := func(progress string) (raw string, lines []string) {
		tty, done := openPTY(t, 80)
		oldOut, oldErr := stdout, stderr
		stdout, stderr = tty, tty
		err := (&huntCmd{}).Run(t.Context(), []string{"--rules", rules, "--progress", progress, "--quiet", data})
		stdout, stderr = oldOut, oldErr
		raw = done()
		if err != nil {
			t.Fatalf("hunt: %v", err)
		}
		s := &screen{width: 80}
		s.feed(raw)
		for _, w := range s.wraps {
			if strings.HasPrefix(w, "[") {
				t.Errorf("the progress line wrapped: %q", w)
			}
		}
		return raw, s.text()
	}
	raw, got := hunt("auto")
	_, want := hunt("never")
	draws := barRE.FindAllStringSubmatch(raw, -1)
	if len(draws) < 10 {
		t.Fatalf("the progress bar was drawn %d times; the test needs it drawn between rows", len(draws))
	}
	for _, d := range draws {
		if n := runeLen(d[1]); n >= 80 {
			t.Errorf("bar line of %d columns: %q", n, d[1])
		}
	}
	alertRows := func(lines []string) []string {
		var rows []string
		for _, l := range lines {
			if strings.Contains(l, "[=") || strings.Contains(l, "[>") || strings.Contains(l, "%  alerts") {
				t.Errorf("progress bar left on screen: %q", l)
			}
			// Read errors come from reader goroutines in any order: compare
			// the table (header and rows, which start with the time).
			if strings.HasPrefix(l, "TIME") || regexp.MustCompile(`^\d{4}-`).MatchString(l) {
				rows = append(rows, l)
			}
		}
		return rows
	}
	g, w := alertRows(got), alertRows(want)
	if len(w) < 100 {
		t.Fatalf("%d rows without the bar; expected hundreds of alerts", len(w))
	}
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				if i := strings.Index(raw, w[i][:40]); i >= 0 {
					t.Logf("raw around the missing row: %q", raw[max(i-300, 0):min(i+300, len(raw))])
				}
				t.Fatalf("screen differs at row %d (%d vs %d rows):\n got %q\nwant %q", i, len(g), len(w), g[i], w[i])
			}
		}
		t.Fatalf("%d rows on screen with the bar, %d without", len(g), len(w))
	}
}

// TestProgressResize draws the bar on a 120-column pseudo-terminal, prints
// through the guard, narrows the terminal to 50 columns and signals
// SIGWINCH as the terminal driver would: later lines fit in 50 columns, a
// line written through the guard is never glued to the bar, and nothing of
// the bar is left after stop.
func TestProgressResize(t *testing.T) {
	tty, done := openPTY(t, 120)
	size := func() int {
		_, c, err := pty.Getsize(tty)
		if err != nil {
			t.Error(err)
		}
		return c
	}
	var mu sync.Mutex
	st := progressStatus{Files: 10, Bytes: 1000, Elapsed: 2 * time.Second}
	p := newProgressBar(tty, size, func() progressStatus {
		mu.Lock()
		defer mu.Unlock()
		return st
	})
	stop := p.run(time.Millisecond)
	out := p.guard(tty)
	waitDraw := func(want int) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			p.mu.Lock()
			w, d := p.width, p.drawn
			p.mu.Unlock()
			if w == want && d > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("bar width %d (drawn %d), want %d", w, d, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitDraw(maxProgressWidth)
	io.WriteString(out, "first row\n")
	mu.Lock()
	st.BytesDone, st.FilesDone = 500, 5
	mu.Unlock()
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 24, Cols: 50}); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGWINCH)
	waitDraw(49)
	io.WriteString(out, "second row\n")
	waitDraw(49)
	stop()
	raw := done()
	s := &screen{width: 50}
	// The screen starts wide: replay the part before the resize at 120.
	cut := strings.Index(raw, "second row")
	wide := &screen{width: 120}
	wide.feed(raw[:cut])
	s.lines, s.row, s.col = wide.lines, wide.row, wide.col
	s.feed(raw[cut:])
	if got := strings.Join(s.text(), "|"); got != "first row|second row|" {
		t.Errorf("screen %q", got)
	}
	narrow := 0
	for _, d := range barRE.FindAllStringSubmatch(raw, -1) {
		if n := runeLen(d[1]); n > 79 {
			t.Errorf("line of %d: %q", n, d[1])
		} else if n <= 49 {
			narrow++
		}
	}
	if narrow == 0 {
		t.Error("no bar line fitted to 50 columns after the resize")
	}
}

// huntOnTTY runs a hunt whose stdout is tty; stderr is captured.
func huntOnTTY(t *testing.T, tty *os.File, args ...string) (string, error) {
	t.Helper()
	var errOut bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = tty, &errOut
	defer func() { stdout, stderr = oldOut, oldErr }()
	err := (&huntCmd{}).Run(t.Context(), args)
	return errOut.String(), err
}

// TestHuntColourOnTerminal: severities are coloured when stdout is a
// terminal, not with NO_COLOR set, and never in a file.
func TestHuntColourOnTerminal(t *testing.T) {
	events := filepath.Join(testenv.Root(t), "examples")
	hunt := func(noColor string, args ...string) string {
		t.Setenv("NO_COLOR", noColor)
		tty, done := openPTY(t, 120)
		errOut, err := huntOnTTY(t, tty, append([]string{"--progress", "never", "--quiet"}, args...)...)
		raw := done()
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		return raw
	}
	if raw := hunt("", events); !strings.Contains(raw, "\x1b[1;31mhigh\x1b[0m") {
		t.Errorf("no coloured severity on a terminal:\n%q", raw)
	}
	if raw := hunt("1", events); strings.Contains(raw, "\x1b[") {
		t.Errorf("colour despite NO_COLOR:\n%q", raw)
	}
	out := filepath.Join(t.TempDir(), "alerts.txt")
	if raw := hunt("", "--output", out, events); raw != "" {
		t.Errorf("output on the terminal with --output: %q", raw)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "TIME (UTC)") || !strings.Contains(string(b), "  high  ") || strings.Contains(string(b), "\x1b[") {
		t.Errorf("file output without the alerts or with escape codes:\n%q", b)
	}
}
