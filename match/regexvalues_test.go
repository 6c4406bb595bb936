package match

import (
	"regexp/syntax"
	"slices"
	"testing"
)

// TestRegexValues: a whole-value regexp whose values are few is filed
// under each of them, folded, and every string it matches (in any case,
// with the Kelvin sign and the long s among the variants) folds to one
// of them; one whose values are many or unbounded is not.
func TestRegexValues(t *testing.T) {
	tests := []struct {
		pattern string
		fold    bool
		values  int      // distinct folded values; 0: not enumerated
		match   []string // strings the regexp matches
	}{
		{`[a-z0-9]\.exe`, true, 36, []string{"a.exe", "K.EXE", "\u212a.exe", "\u017f.Exe", "7.exe"}},
		{`[a-z0-9]\.exe`, false, 36, []string{"a.exe", "z.exe"}},
		{`(cmd|powershell)\.exe`, true, 2, []string{"CMD.exe", "PowerShell.EXE"}},
		{`ab?c{1,2}`, false, 4, []string{"ac", "abc", "acc", "abcc"}},
		{`a"b"`, false, 1, []string{"ab"}},
		{`x[0-9]{3}`, false, 0, nil},
		{`.*\.exe`, true, 0, nil},
		{`a+`, false, 0, nil},
		{`[^a]`, false, 0, nil},
	}
	for _, tc := range tests {
		re, err := compileLucene(tc.pattern, tc.fold)
		if err != nil {
			t.Fatal(err)
		}
		needs, ok := regexNeeds(3, re)
		if !ok {
			t.Fatalf("%s: no needs", tc.pattern)
		}
		var vals []string
		for _, n := range needs {
			if n.Op == NeedEqual {
				vals = append(vals, n.Lit)
			}
		}
		if len(vals) != tc.values {
			t.Errorf("%s (fold %v): %d values %q, want %d", tc.pattern, tc.fold, len(vals), vals, tc.values)
		}
		for _, s := range tc.match {
			if !re.MatchString(s) {
				t.Fatalf("%s does not match %q", tc.pattern, s)
			}
			if !slices.Contains(vals, foldString(s)) {
				t.Errorf("%s matches %q, whose fold %q is none of %q", tc.pattern, s, foldString(s), vals)
			}
		}
	}
}

// FuzzRegexValues: whenever a regexp whose values are enumerated
// matches a string, the string's fold is one of the values' folds.
func FuzzRegexValues(f *testing.F) {
	f.Add(`[a-z0-9]\.exe`, true, "K.exe")
	f.Add(`(a|bc)?d{0,2}`, false, "bcdd")
	f.Add(`[ſs]x`, true, "SX")
	f.Fuzz(func(t *testing.T, pattern string, fold bool, s string) {
		re, err := compileLucene(pattern, fold)
		if err != nil || !re.MatchString(s) {
			return
		}
		r, err := syntax.Parse(re.String(), syntax.Perl)
		if err != nil {
			return
		}
		vals, ok := regexValues(r.Simplify(), maxRegexValues)
		if !ok {
			return
		}
		for _, v := range vals {
			if foldString(v) == foldString(s) {
				return
			}
		}
		t.Errorf("%s matches %q, whose fold is not among %d values", pattern, s, len(vals))
	})
}
