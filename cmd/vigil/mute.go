package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

// muting holds the --exclude-* flags: rules that are not run at all.
type muting struct {
	rules, tags, files stringList
}

// tagMatches reports whether a rule's tag is selected by want: equal
// ignoring case, or equal to the part after ": " ("Execution" selects
// "Tactic: Execution").
func tagMatches(tag, want string) bool {
	want = strings.TrimSpace(want)
	if strings.EqualFold(tag, want) {
		return true
	}
	if _, after, ok := strings.Cut(tag, ": "); ok {
		return strings.EqualFold(strings.TrimSpace(after), want)
	}
	return false
}

// hasTag reports whether r has a tag any of wants selects.
func hasTag(r *rule.Rule, wants []string) bool {
	for _, t := range r.Tags {
		for _, w := range wants {
			if tagMatches(t, w) {
				return true
			}
		}
	}
	return false
}

// readExcludeFile reads one rule id or name per line; blank lines and
// lines starting with # are skipped, and so is a # comment after an entry.
func readExcludeFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// apply drops the excluded rules. Rule ids and names match ignoring case.
// An id or name that no loaded rule has is an error, so that a typo does
// not leave a noisy rule running unnoticed.
func (m *muting) apply(rules []*rule.Rule) ([]*rule.Rule, int, error) {
	names := append([]string(nil), m.rules...)
	for _, path := range m.files {
		more, err := readExcludeFile(path)
		if err != nil {
			return nil, 0, usageError("hunt: --exclude-file: %v", err)
		}
		names = append(names, more...)
	}
	if len(names) == 0 && len(m.tags) == 0 {
		return rules, 0, nil
	}
	used := make([]bool, len(names))
	var keep []*rule.Rule
	for _, r := range rules {
		muted := len(m.tags) > 0 && hasTag(r, m.tags)
		for i, n := range names {
			if strings.EqualFold(n, r.ID) || strings.EqualFold(n, r.Name) {
				muted, used[i] = true, true
			}
		}
		if !muted {
			keep = append(keep, r)
		}
	}
	for i, n := range names {
		if !used[i] {
			return nil, 0, usageError("hunt: --exclude-rule %q: no loaded rule has this id or name", n)
		}
	}
	return keep, len(rules) - len(keep), nil
}
