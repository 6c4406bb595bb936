package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Format is the kind of an input file.
type Format uint8

// Input formats.
const (
	NDJSON Format = iota // JSON documents, one per line (or a JSON array)
	EVTX                 // Windows event log file
)

func (f Format) String() string {
	if f == EVTX {
		return "evtx"
	}
	return "ndjson"
}

// Input is one file to read.
type Input struct {
	Path   string
	Format Format
	Size   int64
}

// formatOf picks the format by file name; ok is false for names a folder
// walk should skip.
func formatOf(name string) (Format, bool) {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	switch {
	case strings.HasSuffix(n, ".evtx"):
		return EVTX, true
	case strings.HasSuffix(n, ".json"), strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".ndjson"):
		return NDJSON, true
	}
	return NDJSON, false
}

// Expand turns paths (files and folders) into inputs. Folders are walked
// recursively and only files with a known ending (.evtx, .json, .jsonl,
// .ndjson, each optionally .gz) are taken; a file named explicitly is read
// whatever its name (as NDJSON unless it ends in .evtx). "-" is standard
// input. Problems with single paths are returned as errors and the rest is
// still expanded.
func Expand(paths []string) ([]Input, []error) {
	var out []Input
	var errs []error
	seen := make(map[string]bool)
	add := func(in Input) {
		if !seen[in.Path] {
			seen[in.Path] = true
			out = append(out, in)
		}
	}
	for _, p := range paths {
		if p == "-" {
			add(Input{Path: "-", Format: NDJSON})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			f, _ := formatOf(p)
			add(Input{Path: p, Format: f, Size: st.Size()})
			continue
		}
		var found []Input
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			f, ok := formatOf(d.Name())
			if !ok {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			found = append(found, Input{Path: path, Format: f, Size: info.Size()})
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
