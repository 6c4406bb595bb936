package rule

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// A Selection narrows a load to the rule files that could hold a selected
// rule, so that a hunt over a few hundred rules of a corpus of thousands
// does not parse the rest. Each group is a list of strings, and a rule is
// selected only if, for every group, it holds one of the group's strings
// in some field (a tag, a rule_id): so a detection-rules TOML file that
// does not contain one of them, compared ignoring ASCII case, cannot hold a
// selected rule and is not parsed. The test is conservative: a file whose
// text could spell a string some other way (a TOML escape such as \u0057
// or a line-ending backslash, or a rune that folds to an ASCII letter) is
// parsed, and so is every file of another format (Sigma YAML), whose tags
// a loader may derive. The caller still selects from what was loaded: the
// selection only saves the parsing, and a file it skips is neither loaded
// nor checked, so its errors and warnings are not reported (vigil rules
// check reports them).
type Selection struct {
	Groups [][]string
}

// mayHold reports whether data, a TOML rule file, could hold a rule the
// selection selects.
func (s Selection) mayHold(data []byte) bool {
	if len(s.Groups) == 0 || mayRespell(data) {
		return true
	}
	for _, g := range s.Groups {
		if !containsAnyFold(data, g) {
			return false
		}
	}
	return true
}

// mayRespell reports whether a TOML file could spell a string in other
// bytes than its own: an escape that names a character (\u, \U, \x), a
// line-ending backslash (which joins lines in a multi-line string), or the
// two runes that fold to ASCII letters (the Kelvin sign and the long s,
// which strings.EqualFold takes for k and s).
func mayRespell(data []byte) bool {
	if bytes.Contains(data, kelvin) || bytes.Contains(data, longS) {
		return true
	}
	for {
		i := bytes.IndexByte(data, '\\')
		if i < 0 {
			return false
		}
		if i+1 >= len(data) {
			return true
		}
		switch data[i+1] {
		case 'u', 'U', 'x', ' ', '\t', '\r', '\n':
			return true
		}
		data = data[i+2:] // past the escaped byte, which may be a backslash
	}
}

var kelvin, longS = []byte("\u212A"), []byte("\u017F")

// containsAnyFold reports whether data contains one of subs, ignoring
// ASCII case; a string that is empty or not ASCII counts as contained.
func containsAnyFold(data []byte, subs []string) bool {
	for _, sub := range subs {
		if containsFold(data, strings.TrimSpace(sub)) {
			return true
		}
	}
	return false
}

func containsFold(data []byte, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i < len(sub); i++ {
		if sub[i] >= utf8.RuneSelf {
			return true
		}
	}
	lo, up := lowerASCII(sub[0]), upperASCII(sub[0])
	for len(data) >= len(sub) {
		i := bytes.IndexByte(data, lo)
		if lo != up {
			lim := i
			if i < 0 {
				lim = len(data)
			}
			if j := bytes.IndexByte(data[:lim], up); j >= 0 {
				i = j
			}
		}
		if i < 0 || len(data)-i < len(sub) {
			return false
		}
		if equalFoldASCII(data[i:i+len(sub)], sub) {
			return true
		}
		data = data[i+1:]
	}
	return false
}

// equalFoldASCII reports whether b and s, of the same length and s ASCII,
// are equal ignoring ASCII case.
func equalFoldASCII(b []byte, s string) bool {
	for i := 0; i < len(s); i++ {
		if lowerASCII(b[i]) != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
