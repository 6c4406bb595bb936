//go:build linux || darwin

package rule

import (
	"io"
	"io/fs"
	"syscall"
)

// rawFile is a file read with bare system calls. os.Open costs a rule
// file five system calls besides open, read and close (fcntl to query and
// set the blocking mode, a failed epoll registration), which are the larger
// part of reading the thousands of small files of a corpus; rule files are
// regular files, read once to their end, that need none of it.
type rawFile struct {
	fd   int
	name string
}

// openRaw opens a file for reading, with os.Open's errors.
func openRaw(name string) (rawFile, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return rawFile{fd: -1}, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return rawFile{fd: fd, name: name}, nil
	}
}

// Read is io.Reader's.
func (f rawFile) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		if n == 0 && len(p) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// Close closes the file.
func (f rawFile) Close() error { return syscall.Close(f.fd) }
