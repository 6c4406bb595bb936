package star

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"logs-*", "logs-endpoint.events.process-default", true},
		{"logs-*", "logs", false},
		{"logs-*", "metrics-x", false},
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{"a", "a", true},
		{"a", "ab", false},
		{"file.hash.*", "file.hash.sha256", true},
		{"file.hash.*", "file.hashes", false},
		{"*.hash.*", "dll.hash.md5", true},
		{"logs-*-default", "logs-system.security-default", true},
		{"logs-*-default", "logs-system.security-other", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "acb", false},
		{"a*aa", "aa", false}, // prefix and suffix must not overlap
		{"a*aa", "aaa", true},
		{"*a*", "bab", true},
		{"ab*ab", "abab", true},
		{"ab*ab", "aba", false},
		{"winlogbeat-?", "winlogbeat-8", false}, // ? is literal
		{"[a]*", "[a]b", true},                  // so is [
	} {
		if got := Match(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("a*b*c", "aXbYc")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := Match(pattern, s)
		if got != naive(pattern, s) {
			t.Fatalf("Match(%q, %q) = %v, naive says otherwise", pattern, s, got)
		}
	})
}

// naive is a dynamic-programming matcher to check Match against:
// m[i][j] says whether p[i:] matches s[j:].
func naive(p, s string) bool {
	m := make([][]bool, len(p)+1)
	for i := range m {
		m[i] = make([]bool, len(s)+1)
	}
	m[len(p)][len(s)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(s); j >= 0; j-- {
			if p[i] == '*' {
				m[i][j] = m[i+1][j] || j < len(s) && m[i][j+1]
			} else {
				m[i][j] = j < len(s) && p[i] == s[j] && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}
