package input

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one input to open.
type File struct {
	Path string
	Size int64 // 0 when unknown (standard input, a FIFO)
}

// Skipped is a path a folder walk found but does not read, such as a FIFO
// or a socket: reading it could block forever. It is a note, not a
// failure.
type Skipped struct {
	Path string
	Mode fs.FileMode
}

func (s *Skipped) Error() string {
	return fmt.Sprintf("%s: skipped: not a regular file (%s)", s.Path, typeName(s.Mode))
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return m.Type().String()
}

// walkable reports whether a folder walk takes a file of this name. The
// format itself is recognised by content when the file is opened; the name
// only keeps unrelated files of a folder out.
func walkable(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, ext := range []string{".evtx", ".json", ".jsonl", ".ndjson"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// Expand turns paths (files and folders) into inputs, without opening
// them. Folders are walked recursively for regular files named *.evtx,
// *.json, *.jsonl or *.ndjson (each optionally .gz); non-regular files a
// walk finds are left out and returned as *Skipped notes. A file named
// explicitly is read whatever its name. "-" is standard input. Problems
// with single paths are returned as errors and the rest is still expanded.
func Expand(paths []string) ([]File, []error) {
	var out []File
	var errs []error
	seen := make(map[string]bool)
	add := func(in File) {
		if !seen[in.Path] {
			seen[in.Path] = true
			out = append(out, in)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(File{Path: "-"})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			add(File{Path: p, Size: sizeOf(st)})
			continue
		}
		var found []File
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !walkable(d.Name()) {
				return nil
			}
			if !d.Type().IsRegular() {
				mode := d.Type()
				if mode&fs.ModeSymlink != 0 {
					// A link to a regular file is read.
					if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
						found = append(found, File{Path: path, Size: st.Size()})
						return nil
					} else if err == nil {
						mode = st.Mode().Type()
					}
				}
				errs = append(errs, &Skipped{Path: path, Mode: mode})
				return nil
			}
			info, err := d.Info()
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			found = append(found, File{Path: path, Size: info.Size()})
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
		if len(found) == 0 {
			errs = append(errs, fmt.Errorf("%s: no .evtx, .json, .jsonl or .ndjson files found", p))
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Path < found[j].Path })
		for _, in := range found {
			add(in)
		}
	}
	if len(out) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no input"))
	}
	return out, errs
}

func sizeOf(st fs.FileInfo) int64 {
	if st.Mode().IsRegular() {
		return st.Size()
	}
	return 0
}
