//go:build unix

package input

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFIFOInFolderSkipped: a named pipe found by a folder walk is left
// out and noted instead of blocking the hunt.
func TestFIFOInFolderSkipped(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte(lines(1)), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "b.ndjson"), 0o644); err != nil {
		t.Skip("no named pipes here:", err)
	}
	files, errs := Expand([]string{dir})
	if len(files) != 1 || filepath.Base(files[0].Path) != "a.ndjson" {
		t.Errorf("files %v", files)
	}
	var sk *Skipped
	if len(errs) != 1 || !errors.As(errs[0], &sk) || !strings.HasSuffix(errs[0].Error(), "b.ndjson: skipped: not a regular file (named pipe)") {
		t.Errorf("errs %v", errs)
	}
}
