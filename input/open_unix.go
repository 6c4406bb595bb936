//go:build unix

package input

import (
	"os"
	"syscall"
)

// openFile opens a file for reading. A named pipe is opened without
// waiting for a writer (open(2) would block until one comes), so that
// cancellation can end it.
func openFile(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	}
	return os.Open(path)
}
