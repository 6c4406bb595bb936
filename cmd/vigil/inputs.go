package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigilsec/vigil/input"
)

// reportExpand prints what input.Expand found wrong or left out.
func (h *hunt) reportExpand(errs []error) {
	for _, err := range errs {
		var sk *input.Skipped
		if errors.As(err, &sk) {
			fmt.Fprintln(stderr, "vigil: note:", err)
			continue
		}
		fmt.Fprintln(stderr, "vigil:", err)
	}
}

// refuseOutputOverInput returns an error when the output path names one
// of the inputs (or a file under an --indicators folder): creating the
// output would truncate what is about to be read.
func refuseOutputOverInput(output string, inputs []input.File, more []string) error {
	out, err := os.Stat(output)
	if err != nil {
		return nil // a new file cannot be an input
	}
	if !out.Mode().IsRegular() {
		return nil // e.g. /dev/stdout
	}
	check := func(path string) error {
		if path == "-" {
			return nil
		}
		if st, err := os.Stat(path); err == nil && os.SameFile(out, st) {
			return fmt.Errorf("--output %s is also an input (%s); refusing to overwrite it", output, path)
		}
		return nil
	}
	for _, in := range inputs {
		if err := check(in.Path); err != nil {
			return err
		}
	}
	for _, p := range more {
		if err := filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			return check(path)
		}); err != nil {
			return err
		}
	}
	return nil
}
