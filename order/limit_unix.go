//go:build unix

package order

import "syscall"

// openFileLimit returns the process's soft limit on open files.
func openFileLimit() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > 1<<20 {
		return 1 << 16
	}
	return int(l.Cur)
}
