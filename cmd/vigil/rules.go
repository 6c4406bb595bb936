package main

import (
	"errors"
	"io/fs"
	"path"

	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/rule"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return "" }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// loadRules loads rule files and folders, or the built-in pack when paths
// is empty. Files that fail to load are returned as errors; the rest load.
func loadRules(paths []string) ([]*rule.Rule, []rule.Warning, []error) {
	if len(paths) > 0 {
		return rule.LoadPaths(paths...)
	}
	var rules []*rule.Rule
	var warns []rule.Warning
	var errs []error
	names, err := fs.Glob(builtin.Rules(), "*.toml")
	if err != nil {
		return nil, nil, []error{err}
	}
	for _, name := range names {
		data, err := fs.ReadFile(builtin.Rules(), name)
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
