package main

import (
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
	return builtin.Load()
}
