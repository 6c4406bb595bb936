//go:build !(linux || darwin)

package rule

import "os"

// rawFile is an os.File where openRaw has no cheaper way to read a file.
type rawFile = *os.File

func openRaw(name string) (rawFile, error) { return os.Open(name) }
