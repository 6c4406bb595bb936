package engine

import (
	"strings"

	"github.com/vigilsec/vigil/match"
)

// patternSet is a rule's index patterns as Elasticsearch resolves them: a
// comma-separated list where * matches any run of characters and a leading
// "-" excludes what earlier patterns included. A remote-cluster prefix
// ("cluster:logs-*") is matched against the local name.
type patternSet struct {
	include []*match.Glob
	exclude []*match.Glob
	all     bool // no patterns: the rule sees every event
}

func newPatternSet(patterns []string) patternSet {
	var ps patternSet
	for _, p := range patterns {
		for part := range strings.SplitSeq(p, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if i := strings.IndexByte(part, ':'); i >= 0 {
				part = part[i+1:]
			}
			if strings.HasPrefix(part, "-") {
				ps.exclude = append(ps.exclude, match.CompileGlob(part[1:], match.GlobStar, false))
			} else {
				ps.include = append(ps.include, match.CompileGlob(part, match.GlobStar, false))
			}
		}
	}
	ps.all = len(ps.include) == 0
	return ps
}

// match reports whether an index name is selected.
func (ps patternSet) match(index string) bool {
	if ps.all {
		return true
	}
	for _, x := range ps.exclude {
		if x.Match(index) {
			return false
		}
	}
	for _, p := range ps.include {
		if p.Match(index) {
			return true
		}
	}
	return false
}
