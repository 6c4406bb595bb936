//go:build !unix

package main

import "os"

// notifyResize: without SIGWINCH the line is fitted to the width read at
// each tick's redraw only when the hunt starts.
func notifyResize() (<-chan os.Signal, func()) { return nil, func() {} }
