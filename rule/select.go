package rule

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/match"
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

// selector is a Selection compiled for its test: one automaton a group
// (a --rule-id list may hold hundreds of strings), over the file's bytes
// with ASCII letters lowered. A nil group is one that holds a string that
// is empty or not ASCII: every file may hold it.
type selector struct {
	groups []*match.Literals
	buf    sync.Pool // *[]byte: a file lowered
}

func (s Selection) compile() *selector {
	if len(s.Groups) == 0 {
		return nil
	}
	sel := &selector{buf: sync.Pool{New: func() any { return new([]byte) }}}
	for _, g := range s.Groups {
		var lits []string
		for _, w := range g {
			w = strings.TrimSpace(w)
			if w == "" || !isASCII(w) {
				lits = nil
				break
			}
			lits = append(lits, strings.ToLower(w))
		}
		if lits == nil {
			continue
		}
		slices.Sort(lits)
		sel.groups = append(sel.groups, match.NewLiterals(slices.Compact(lits)))
	}
	return sel
}

// mayHold reports whether data, a TOML rule file, could hold a rule the
// selection selects.
func (s *selector) mayHold(data []byte) bool {
	if s == nil || len(s.groups) == 0 || mayRespell(data) {
		return true
	}
	bp := s.buf.Get().(*[]byte)
	defer s.buf.Put(bp)
	low := (*bp)[:0]
	for _, c := range data {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low = append(low, c)
	}
	if cap(low) <= maxFileBuf {
		*bp = low
	}
	text := unsafe.String(unsafe.SliceData(low), len(low))
	var hits [1]match.LiteralHit
	for _, g := range s.groups {
		if len(g.Find(text, hits[:0])) == 0 {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
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
