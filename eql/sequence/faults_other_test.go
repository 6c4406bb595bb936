//go:build !unix

package sequence

// pageFaults returns 0: the count is read on Unix only.
func pageFaults() int64 { return 0 }
