package match

import "regexp/syntax"

// maxRegexValues is the most values a regexp may match for the rule index
// to file it under each (NeedEqual) rather than under a literal they
// contain: `process.name regex~ "[a-z0-9]\.exe"` is 64 values, 36 once
// folded, looked up in one map, where the literal ".exe" is in every
// process name.
const maxRegexValues = 256

// regexValues returns strings whose folds (foldString) include the fold
// of every string r matches, when there are at most limit of them; false
// when r's language is not known to be that small. Assertions (^, $,
// \b) stand for the empty string: the strings returned may be more than
// r matches, never fewer. A literal or class matching case-insensitively
// needs no variants: the fold of a string matching it is the fold of the
// literal (folding maps a rune's whole orbit of case variants, which is
// what the regexp matches, to one rune); a class's runes are all listed
// (syntax.Parse puts the case variants of a folding class in it).
func regexValues(r *syntax.Regexp, limit int) ([]string, bool) {
	switch r.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpLiteral:
		return []string{string(r.Rune)}, true
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(r.Rune); i += 2 {
			n += int(r.Rune[i+1]-r.Rune[i]) + 1
			if n > limit {
				return nil, false
			}
		}
		out := make([]string, 0, n)
		for i := 0; i+1 < len(r.Rune); i += 2 {
			for c := r.Rune[i]; c <= r.Rune[i+1]; c++ {
				out = append(out, string(c))
			}
		}
		return out, n > 0
	case syntax.OpCapture:
		return regexValues(r.Sub[0], limit)
	case syntax.OpQuest:
		vs, ok := regexValues(r.Sub[0], limit-1)
		return append(vs, ""), ok
	case syntax.OpAlternate:
		var out []string
		for _, sub := range r.Sub {
			vs, ok := regexValues(sub, limit-len(out))
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range r.Sub {
			vs, ok := regexValues(sub, limit)
			if !ok || len(out)*len(vs) > limit {
				return nil, false
			}
			out = concatAll(out, vs)
		}
		return out, true
	case syntax.OpRepeat:
		if r.Max < 0 || r.Max > 8 {
			return nil, false
		}
		vs, ok := regexValues(r.Sub[0], limit)
		if !ok {
			return nil, false
		}
		var out []string
		cur := []string{""}
		for k := 0; k <= r.Max; k++ {
			if k >= r.Min {
				if len(out)+len(cur) > limit {
					return nil, false
				}
				out = append(out, cur...)
			}
			if k == r.Max {
				break
			}
			if len(cur)*len(vs) > limit {
				return nil, false
			}
			cur = concatAll(cur, vs)
		}
		return out, true
	}
	return nil, false
}

// concatAll returns every a+b of a string a of as and b of bs.
func concatAll(as, bs []string) []string {
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}
