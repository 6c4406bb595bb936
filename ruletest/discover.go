package ruletest

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ruleExts are the endings of rule files that can have tests.
var ruleExts = []string{".toml"}

// Found is what Discover finds under some paths.
type Found struct {
	Tests    []string // test files, sorted
	Untested []string // rule files with no test file beside them
}

// Discover finds test files under paths: a folder is walked (skipping
// hidden and _deprecated folders, as rule loading does), a test file is
// taken as it is, and a rule file stands for the test file beside it.
// Paths that cannot be read are returned as errors.
func Discover(paths []string) (Found, []error) {
	var found Found
	var errs []error
	tests := map[string]bool{}
	var rules []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.IsDir() {
			if strings.HasSuffix(p, Suffix) {
				tests[p] = true
			} else {
				rules = append(rules, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if path != p && (name == "_deprecated" || strings.HasPrefix(name, ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case strings.HasSuffix(name, Suffix):
				tests[path] = true
			case isRule(name):
				rules = append(rules, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range rules {
		t := strings.TrimSuffix(r, filepath.Ext(r)) + Suffix
		if _, err := os.Stat(t); err == nil {
			tests[t] = true
		} else {
			found.Untested = append(found.Untested, r)
		}
	}
	for t := range tests {
		found.Tests = append(found.Tests, t)
	}
	sort.Strings(found.Tests)
	sort.Strings(found.Untested)
	return found, errs
}

func isRule(name string) bool {
	for _, ext := range ruleExts {
		if strings.HasSuffix(name, ext) && !strings.HasSuffix(name, Suffix) {
			return true
		}
	}
	return false
}
