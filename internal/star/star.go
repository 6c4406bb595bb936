// Package star matches names against patterns whose only wildcard is *,
// which matches any run of characters (dots and dashes included), as
// Elasticsearch matches index patterns and Kibana expands field patterns.
// Every other character is literal.
package star

import "strings"

// Match reports whether s matches pattern.
func Match(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	s, pattern = s[star:], pattern[star+1:]
	for {
		star = strings.IndexByte(pattern, '*')
		if star < 0 {
			return strings.HasSuffix(s, pattern)
		}
		// The leftmost place a middle part fits leaves the most room for
		// the rest.
		i := strings.Index(s, pattern[:star])
		if i < 0 {
			return false
		}
		s, pattern = s[i+star:], pattern[star+1:]
	}
}
