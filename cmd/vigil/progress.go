package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vigilsec/vigil/input"
)

// startProgress shows a progress bar on stderr while the hunt reads, when
// stderr is a terminal (or --progress always). It returns the function that
// stops it.
func (h *hunt) startProgress(inputs []input.File) func() {
	show := false
	switch h.flags.progress {
	case "always":
		show = true
	case "never":
	default:
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			show = true
		}
	}
	if !show {
		return func() {}
	}
	var total int64
	for _, in := range inputs {
		total += in.Size
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(150*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	h.bar = bar
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				events := h.prog.Events.Load()
				rate := float64(events) / time.Since(h.started).Seconds()
				bar.Describe(fmt.Sprintf("files %d/%d  events %d (%.0f/s)  alerts %d",
					h.prog.Inputs.Load(), len(inputs), events, rate, h.written.Load()))
				bar.Set64(h.prog.Bytes.Load())
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		bar.Finish()
		bar.Clear()
		h.bar = nil
	}
}
