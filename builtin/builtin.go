package builtin

import (
	"embed"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

//go:embed rules/*.toml
var files embed.FS

// Rules returns the embedded rule files, rooted at their folder; the test
// files beside them are hidden.
func Rules() fs.FS {
	sub, err := fs.Sub(files, "rules")
	if err != nil {
		panic(err) // the folder is part of the binary
	}
	return rulesOnly{sub}
}

// WithTests returns the embedded rule files and the test files beside them
// (NAME.test.toml, see package ruletest), rooted at their folder, so that
// vigil rules test can check the pack a binary carries.
func WithTests() fs.FS {
	sub, err := fs.Sub(files, "rules")
	if err != nil {
		panic(err) // the folder is part of the binary
	}
	return sub
}

// rulesOnly hides test files from directory listings (and so from
// fs.Glob and fs.WalkDir).
type rulesOnly struct{ fs.FS }

func (r rulesOnly) ReadDir(name string) ([]fs.DirEntry, error) {
	ents, err := fs.ReadDir(r.FS, name)
	out := ents[:0]
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), rule.TestSuffix) {
			out = append(out, e)
		}
	}
	return out, err
}

// Load parses the embedded rules, named builtin/<file>. Files that fail to
// parse are returned as errors; the rest load.
func Load() ([]*rule.Rule, []rule.Warning, []error) {
	var rules []*rule.Rule
	var warns []rule.Warning
	var errs []error
	names, err := fs.Glob(Rules(), "*.toml")
	if err != nil {
		return nil, nil, []error{err}
	}
	for _, name := range names {
		data, err := fs.ReadFile(Rules(), name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, w, err := rule.Parse(path.Join("builtin", name), data)
		warns = append(warns, w...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	if len(rules) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("the built-in rule pack is empty"))
	}
	return rules, warns, errs
}
