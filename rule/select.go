package rule

import (
	"bytes"
	"slices"
	"strings"
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

// selector is a Selection compiled for its test. A group of a few
// strings is searched string by string (an IndexByte scan for each of
// their first byte's cases); a larger one (a --rule-id list may hold
// hundreds) with one automaton over the file, ASCII letters lowered as
// read. A group that holds a string that is empty or not ASCII is left
// out: every file may hold it.
type selector struct {
	groups []selectorGroup
}

type selectorGroup struct {
	strs []string        // lowered; when few
	lits *match.Literals // else
}

// fewStrings is the largest group searched string by string.
const fewStrings = 4

func (s Selection) compile() *selector {
	if len(s.Groups) == 0 {
		return nil
	}
	sel := &selector{}
	for _, g := range s.Groups {
		var lits []string
		for _, w := range g {
			w = strings.TrimSpace(w)
			if w == "" || !match.IsASCII(w) {
				lits = nil
				break
			}
			lits = append(lits, strings.ToLower(w))
		}
		if lits == nil {
			continue
		}
		slices.Sort(lits)
		lits = slices.Compact(lits)
		if len(lits) <= fewStrings {
			sel.groups = append(sel.groups, selectorGroup{strs: lits})
		} else {
			sel.groups = append(sel.groups, selectorGroup{lits: match.NewLiterals(lits)})
		}
	}
	return sel
}

// mayHold reports whether data, a TOML rule file, could hold a rule the
// selection selects.
func (s *selector) mayHold(data []byte) bool {
	if s == nil || len(s.groups) == 0 {
		return true
	}
	text := unsafe.String(unsafe.SliceData(data), len(data))
	for _, g := range s.groups {
		if !g.in(text) {
			// Not as written; perhaps spelt otherwise. (Asked only
			// here: most files a selection parses hold its strings as
			// written, and Windows rules hold many backslashes.)
			return mayRespell(data)
		}
	}
	return true
}

// in reports whether text holds one of the group's strings, ignoring
// ASCII case.
func (g selectorGroup) in(text string) bool {
	if g.lits == nil {
		for _, w := range g.strs {
			if containsFold(text, w) {
				return true
			}
		}
		return false
	}
	var hits [1]match.LiteralHit
	found, ok := g.lits.FindFolded(text, hits[:0])
	if !ok {
		// A byte from 0x80: the text is folded first, as FindFolded asks.
		f := match.AppendFolded(nil, text)
		found = g.lits.Find(unsafe.String(unsafe.SliceData(f), len(f)), hits[:0])
	}
	return len(found) > 0
}

// containsFold reports whether text holds low, an ASCII string in lower
// case, ignoring ASCII case. It scans for the byte of low that is rarest
// in rule files (see anchorOf), then compares the window around it: the
// first byte of "os: windows" is among the commonest of English, its colon
// is rare.
func containsFold(text, low string) bool {
	k := anchorOf(low)
	lo, up := low[k], low[k]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A') // low is lowered: its upper case
	}
	for off := k; len(text)-off >= len(low)-k; {
		i := strings.IndexByte(text[off:], lo)
		if lo != up {
			lim := len(text) - off
			if i >= 0 {
				lim = i
			}
			if j := strings.IndexByte(text[off:off+lim], up); j >= 0 {
				i = j
			}
		}
		if i < 0 {
			return false
		}
		i += off // the anchor's index in text
		if len(text)-i < len(low)-k {
			return false
		}
		if strings.EqualFold(text[i-k:i-k+len(low)], low) {
			return true
		}
		off = i + 1
	}
	return false
}

// anchorOf returns the index of the byte of low that containsFold scans
// for: a punctuation mark or digit if low has one (rule files are mostly
// words), else its least common letter, by the rough order of English
// letter frequency below.
func anchorOf(low string) int {
	best, bestRank := 0, -1
	for i := 0; i < len(low); i++ {
		c := low[i]
		r := 0 // a letter's rank: higher is rarer
		switch {
		case 'a' <= c && c <= 'z':
			r = strings.IndexByte(byFrequency, c) + 1
		case c == ' ' || c == '\t':
		default:
			r = len(byFrequency) + 1
		}
		if r > bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

// byFrequency lists the letters from the commonest in English text.
const byFrequency = "etaoinshrdlcumwfgypbvkjxqz"

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
