package match

import (
	"strings"
	"unicode/utf8"
)

// Glob is a compiled wildcard pattern: * matches any run of characters
// (possibly empty), ? exactly one, every other character itself, ignoring
// case if the pattern folds. It is vigil's one glob matcher: EQL's `:` and
// like, KQL and query DSL wildcards, index patterns and field name
// patterns all compile to it, each from its own syntax (GlobSyntax).
//
// A pattern is stored as its parts between stars, byte strings in which
// each wildcard ? is a '?' byte (a literal ?, possible in the Lucene and
// star-only syntaxes, is marked as such), so that the common shapes match
// with one strings test and the others part by part. A Glob is immutable
// and safe for concurrent use.
type Glob struct {
	kind globKind
	lit  string    // exact, prefix, suffix, contains
	segs []globSeg // the parts between stars
	// texts are the parts' texts, for globSegments (a tighter loop than
	// over segs).
	texts []string
	fold  bool
	// folded is, for a folding pattern, the pattern folded, matched byte
	// for byte against folded values (see MatchFolded).
	folded *Glob
	src    string // as written
}

// globSeg is a part of a pattern between two stars.
type globSeg struct {
	text string
	// literalQ, when the part has a literal ?, marks the bytes of text
	// that are one; nil means every '?' is a wildcard.
	literalQ []bool
	ones     int // wildcard ?s in text
	runes    int // the runes the part matches
}

// isOne reports whether byte j of the part is a wildcard ?.
func (s *globSeg) isOne(j int) bool {
	return s.text[j] == '?' && (s.literalQ == nil || !s.literalQ[j])
}

type globKind uint8

const (
	globExact globKind = iota
	globAll
	globPrefix
	globSuffix
	globContains
	globSegments // stars only, several literal parts
	globGeneral  // with ?
)

// GlobSyntax is how a pattern is written.
type GlobSyntax uint8

// Pattern syntaxes.
const (
	// GlobStarQuestion: * and ? are wildcards and every other character,
	// the backslash included, is literal. EQL's `:` and like patterns
	// (Elasticsearch escapes them for Lucene).
	GlobStarQuestion GlobSyntax = iota
	// GlobStar: * is the only wildcard. Index patterns and field name
	// patterns.
	GlobStar
	// GlobLucene: * and ? are wildcards and a backslash makes the next
	// character literal (a trailing backslash stands for itself). The
	// query DSL's wildcard query.
	GlobLucene
)

// CompileGlob compiles a pattern written in syntax; with fold it ignores
// case (Unicode simple case folding).
func CompileGlob(pattern string, syntax GlobSyntax, fold bool) *Glob {
	segs := parseGlob(pattern, syntax)
	g := newGlob(segs, fold)
	g.src = pattern
	if fold && g.kind != globAll {
		g.folded = newGlob(foldSegs(segs), false)
	}
	return g
}

// literalGlob returns the pattern of literal parts with a star between
// each two (Prefix, Suffix, Contains).
func literalGlob(parts []string, fold bool) *Glob {
	segs := make([]globSeg, len(parts))
	esc := make([]string, len(parts))
	for i, p := range parts {
		segs[i] = globSeg{text: p, runes: utf8.RuneCountInString(p)}
		esc[i] = EscapeGlob(p)
	}
	g := newGlob(segs, fold)
	g.src = strings.Join(esc, "*")
	// A prefix or suffix ignoring case is decided at the first differing
	// rune of the value as it is, sooner than the value can be folded; a
	// substring is found faster in the folded value.
	if fold && g.kind == globContains {
		g.folded = newGlob(foldSegs(segs), false)
	}
	return g
}

// EscapeGlob escapes the wildcards and backslashes of s for GlobLucene:
// CompileGlob(EscapeGlob(s), GlobLucene, fold) matches s alone.
func EscapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseGlob splits a pattern into its parts between wildcard stars.
func parseGlob(p string, syntax GlobSyntax) []globSeg {
	if !strings.Contains(p, `\`) && (syntax != GlobStar || !strings.Contains(p, "?")) {
		// Every character but * stands for itself or is a ? wildcard: the
		// parts are substrings of p.
		segs := make([]globSeg, 0, strings.Count(p, "*")+1)
		for part := range strings.SplitSeq(p, "*") {
			segs = append(segs, globSeg{text: part, ones: strings.Count(part, "?"), runes: utf8.RuneCountInString(part)})
		}
		return segs
	}
	var segs []globSeg
	var cur []byte
	var lq []bool // literal ? marks of cur, when it has any
	ones := 0
	flush := func() {
		segs = append(segs, globSeg{text: string(cur), literalQ: lq, ones: ones, runes: utf8.RuneCount(cur)})
		cur, lq, ones = nil, nil, 0
	}
	literalQ := func() {
		if lq == nil {
			lq = make([]bool, len(cur), len(cur)+1)
		}
		lq = append(lq, true)
		cur = append(cur, '?')
	}
	lit := func(c byte) {
		if lq != nil {
			lq = append(lq, false)
		}
		cur = append(cur, c)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '*':
			flush()
		case c == '?' && syntax != GlobStar:
			ones++
			lit('?')
		case c == '?':
			literalQ()
		case c == '\\' && syntax == GlobLucene && i+1 < len(p):
			i++
			switch p[i] {
			case '?':
				literalQ()
			default:
				lit(p[i])
			}
		default:
			lit(c)
		}
	}
	flush()
	return segs
}

// foldSegs folds the literal text of parts, keeping which ?s are
// wildcards.
func foldSegs(segs []globSeg) []globSeg {
	out := make([]globSeg, len(segs))
	for i, s := range segs {
		var text []byte
		var lq []bool
		start := 0
		for j := 0; j <= len(s.text); j++ {
			if j < len(s.text) && s.text[j] != '?' {
				continue
			}
			n := len(text)
			text = appendFold(text, s.text[start:j])
			if s.literalQ != nil {
				for range len(text) - n {
					lq = append(lq, false)
				}
			}
			if j < len(s.text) {
				text = append(text, '?')
				if s.literalQ != nil {
					lq = append(lq, s.literalQ[j])
				}
			}
			start = j + 1
		}
		out[i] = globSeg{text: string(text), literalQ: lq, ones: s.ones, runes: utf8.RuneCount(text)}
	}
	return out
}

// newGlob classifies a pattern.
func newGlob(segs []globSeg, fold bool) *Glob {
	g := &Glob{segs: segs, fold: fold}
	ones := 0
	for _, s := range segs {
		ones += s.ones
	}
	stars := len(segs) - 1
	switch {
	case ones > 0:
		g.kind = globGeneral
	case stars == 0:
		g.kind, g.lit = globExact, segs[0].text
	case allEmpty(segs):
		g.kind = globAll
	case stars == 1 && segs[1].text == "":
		g.kind, g.lit = globPrefix, segs[0].text
	case stars == 1 && segs[0].text == "":
		g.kind, g.lit = globSuffix, segs[1].text
	case stars == 2 && segs[0].text == "" && segs[2].text == "":
		g.kind, g.lit = globContains, segs[1].text
	default:
		g.kind = globSegments
		for _, s := range segs {
			g.texts = append(g.texts, s.text)
		}
	}
	return g
}

func allEmpty(segs []globSeg) bool {
	for _, s := range segs {
		if s.text != "" {
			return false
		}
	}
	return true
}

// hasWildcard reports whether a pattern of GlobStarQuestion has * or ?.
func hasWildcard(p string) bool { return strings.ContainsAny(p, "*?") }

// IsLiteral reports whether the pattern has no wildcard; Literal returns
// its text then.
func (g *Glob) IsLiteral() bool { return g.kind == globExact }

// MatchesAll reports whether the pattern matches every value (only stars).
func (g *Glob) MatchesAll() bool { return g.kind == globAll }

// Literal returns the text of a pattern without wildcards.
func (g *Glob) Literal() string { return g.lit }

// String returns the pattern as written (for the patterns of Prefix,
// Suffix and Contains, in GlobLucene syntax).
func (g *Glob) String() string { return g.src }

// Match reports whether the pattern matches all of s.
func (g *Glob) Match(s string) bool {
	switch g.kind {
	case globExact:
		if g.fold {
			return EqualFold(s, g.lit)
		}
		return s == g.lit
	case globAll:
		return true
	case globPrefix:
		if g.fold {
			return HasPrefixFold(s, g.lit)
		}
		return strings.HasPrefix(s, g.lit)
	case globSuffix:
		if g.fold {
			return HasSuffixFold(s, g.lit)
		}
		return strings.HasSuffix(s, g.lit)
	case globContains:
		if g.fold {
			return ContainsFold(s, g.lit)
		}
		return strings.Contains(s, g.lit)
	case globSegments:
		return g.matchSegments(s)
	}
	return g.matchGeneral(s)
}

// MatchFolded matches s, given folded as f too (AppendFolded): a pattern
// that ignores case matches f with its folded form, byte for byte.
func (g *Glob) MatchFolded(s, f string) bool {
	if g.folded != nil {
		return g.folded.Match(f)
	}
	return g.Match(s)
}

// matchGeneral matches a pattern with ? in some of its parts. Each part
// matches a fixed number of runes, so the first is matched at the start,
// the last at the end, and each middle part at its leftmost place after
// the one before: a later place would only leave less room for the rest.
func (g *Glob) matchGeneral(s string) bool {
	n := len(g.segs)
	end, ok := g.matchAt(s, 0, g.segs[0].text, g.segs[0].literalQ)
	if !ok {
		return false
	}
	if n == 1 {
		return end == len(s)
	}
	// The last part: as many runes back from the end as it matches.
	last := &g.segs[n-1]
	start := len(s)
	for range last.runes {
		if start <= end {
			return false
		}
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	if start < end {
		return false
	}
	if e, ok := g.matchAt(s, start, last.text, last.literalQ); !ok || e != len(s) {
		return false
	}
	// The middle parts, leftmost first, between the two.
	mid := s[:start]
	for k := 1; k < n-1; k++ {
		seg := &g.segs[k]
		if seg.text == "" {
			continue
		}
		found := false
		for i := end; i <= len(mid); {
			if e, ok := g.matchAt(mid, i, seg.text, seg.literalQ); ok {
				end, found = e, true
				break
			}
			if i == len(mid) {
				break
			}
			_, size := utf8.DecodeRuneInString(mid[i:])
			i += size
		}
		if !found {
			return false
		}
	}
	return true
}

// matchAt matches a part (literal runes and ?, no *; lq its literal ?
// marks) at byte offset i of s, returning where the match ends.
func (g *Glob) matchAt(s string, i int, part string, lq []bool) (int, bool) {
	for j := 0; j < len(part); {
		if i >= len(s) {
			return 0, false
		}
		pc, sc := part[j], s[i]
		if pc|sc < utf8.RuneSelf {
			if pc != sc && (pc != '?' || lq != nil && lq[j]) && (!g.fold || lowerASCII[pc] != lowerASCII[sc]) {
				return 0, false
			}
			i++
			j++
			continue
		}
		sr, sn := utf8.DecodeRuneInString(s[i:])
		if pc == '?' && (lq == nil || !lq[j]) {
			i += sn
			j++
			continue
		}
		pr, pn := utf8.DecodeRuneInString(part[j:])
		if pr != sr && (!g.fold || foldRune(pr) != foldRune(sr)) {
			return 0, false
		}
		i += sn
		j += pn
	}
	return i, true
}

// matchSegments matches a*b*c: prefix a, suffix c, and b in order between.
func (g *Glob) matchSegments(s string) bool {
	first, last := g.texts[0], g.texts[len(g.texts)-1]
	if g.fold {
		if !HasPrefixFold(s, first) {
			return false
		}
		s = s[PrefixLenFold(s, first):]
		if !HasSuffixFold(s, last) {
			return false
		}
		s = s[:len(s)-suffixLenFold(s, last)]
	} else {
		if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
			return false
		}
		s = s[len(first) : len(s)-len(last)]
	}
	for _, seg := range g.texts[1 : len(g.texts)-1] {
		if seg == "" {
			continue
		}
		if g.fold {
			i := IndexFold(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+PrefixLenFold(s[i:], seg):]
		} else {
			i := strings.Index(s, seg)
			if i < 0 {
				return false
			}
			s = s[i+len(seg):]
		}
	}
	return true
}

// literalRuns calls f with each run of literal text of the pattern (between
// wildcards), saying whether it begins the pattern and whether it ends it.
func (g *Glob) literalRuns(f func(lit string, first, last bool)) {
	for k, seg := range g.segs {
		start := 0
		for j := 0; j <= len(seg.text); j++ {
			if j < len(seg.text) && !seg.isOne(j) {
				continue
			}
			if j > start {
				f(seg.text[start:j], k == 0 && start == 0, k == len(g.segs)-1 && j == len(seg.text))
			}
			start = j + 1
		}
	}
}
