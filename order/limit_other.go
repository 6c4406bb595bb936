//go:build !unix

package order

// openFileLimit returns a conservative limit on open files.
func openFileLimit() int { return 2048 }
