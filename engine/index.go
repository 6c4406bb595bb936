package engine

import "strings"

// patternSet is a rule's index patterns as Elasticsearch resolves them: a
// comma-separated list where * matches any run of characters and a leading
// "-" excludes what earlier patterns included. A remote-cluster prefix
// ("cluster:logs-*") is matched against the local name.
type patternSet struct {
	include []string
	exclude []string
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
				ps.exclude = append(ps.exclude, part[1:])
			} else {
				ps.include = append(ps.include, part)
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
		if globMatch(x, index) {
			return false
		}
	}
	for _, p := range ps.include {
		if globMatch(p, index) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern whose only wildcard is *.
func globMatch(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	s = s[star:]
	pattern = pattern[star+1:]
	for {
		star = strings.IndexByte(pattern, '*')
		if star < 0 {
			return strings.HasSuffix(s, pattern)
		}
		i := strings.Index(s, pattern[:star])
		if i < 0 {
			return false
		}
		s = s[i+star:]
		pattern = pattern[star+1:]
	}
}
