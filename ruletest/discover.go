package ruletest

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

// Suffix ends the name of every test file: the tests of rules/x.toml are
// in rules/x.test.toml.
const Suffix = rule.TestSuffix

// Found is what Discover finds under some paths.
type Found struct {
	Tests    []string // test files, sorted
	Untested []string // rule files with no test file beside them
}

// Discover finds test files: a test file given by name is taken as it is;
// every rule file given or found in a folder (as rule loading finds them)
// stands for the test file beside it. A test file whose rule key names a
// rule elsewhere is found only when given by name. Paths that cannot be
// read are returned as errors.
func Discover(paths []string) (Found, []error) {
	var found Found
	var errs []error
	tests := map[string]bool{}
	var rulePaths []string
	for _, p := range paths {
		if strings.HasSuffix(p, Suffix) {
			if _, err := os.Stat(p); err != nil {
				errs = append(errs, err)
				continue
			}
			tests[p] = true
			continue
		}
		rulePaths = append(rulePaths, p)
	}
	rules, rerrs := rule.Files(rulePaths...)
	errs = append(errs, rerrs...)
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
	return found, errs
}

// DiscoverFS finds the rules of fsys (all its folders) and the test files
// beside them, as Discover does on disk; names are those in fsys.
func DiscoverFS(fsys fs.FS) (Found, error) {
	var found Found
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".toml") || strings.HasSuffix(name, Suffix) {
			return err
		}
		t := strings.TrimSuffix(name, ".toml") + Suffix
		if _, err := fs.Stat(fsys, t); err == nil {
			found.Tests = append(found.Tests, t)
		} else {
			found.Untested = append(found.Untested, name)
		}
		return nil
	})
	return found, err
}
