package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// terminal reports whether w is a terminal and, if so, its width in
// columns (80 when the size cannot be read). Files and pipes are not
// terminals: nothing meant for a screen (progress, colour, truncation to
// the screen's width) goes to them.
func terminal(w io.Writer) (width int, ok bool) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		width = 80
	}
	return width, true
}

// colourAllowed reports whether colour may be used on a terminal: not when
// NO_COLOR is set to anything non-empty (no-color.org) or TERM is "dumb".
func colourAllowed() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}
