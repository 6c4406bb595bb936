package dsl

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// textPred matches the tokens of an analyzed (text) field: any of a set of
// terms, any of a set of phrases, any of a set of patterns. The field's
// value is tokenized as it is read, once per value per match, and nothing
// is allocated: a value list of many phrases on one field
// (script_block_text:("a b" or "c" or ...)) is one textPred and one pass
// over the text (see Or).
type textPred struct {
	slot  int
	terms []string // single tokens, lowercase (compared with equalLower)
	// phrases of two or more tokens, lowercase.
	phrases [][]string
	globs   []*match.Glob // patterns matched against each lowercased token

	// With many terms and phrases, a map from a (first) token to what
	// starts with it; built by finish.
	index map[string]textEntry

	// With filter set (every indexed token is ASCII), lenMask has bit
	// len%64 set for the length of each indexed token and firstMask the
	// bit of its first byte: an ASCII token of the text that misses
	// either cannot be in the index.
	filter    bool
	lenMask   uint64
	firstMask [2]uint64

	// keys, when set, are ASCII substrings one of which the text holds
	// (ignoring case) if it can match: a token of each term and phrase.
	// They are looked for before the text is tokenized.
	keys []string
}

// maxKeys is the number of terms and phrases up to which a textPred
// looks for their keys before tokenizing.
const maxKeys = 4

func longest(ss []string) string {
	l := ss[0]
	for _, s := range ss[1:] {
		if len(s) > len(l) {
			l = s
		}
	}
	return l
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// mayMatch reports whether s holds one of the keys, ignoring ASCII case,
// or a character that lowercases to ASCII (U+0130, U+212A), which the
// search would miss.
func (p *textPred) mayMatch(s string) bool {
	for _, k := range p.keys {
		if containsFoldASCII(s, k) {
			return true
		}
	}
	return strings.Contains(s, "\u0130") || strings.Contains(s, "\u212a")
}

// containsFoldASCII reports whether s contains the lowercase ASCII key,
// ignoring case, looking for one byte of the key with IndexByte.
func containsFoldASCII(s, key string) bool {
	if key == "" {
		return true
	}
	// Pivot on a byte that has no other case when there is one.
	pv := len(key) - 1
	for i := len(key) - 1; i >= 0; i-- {
		if c := key[i]; c < 'a' || c > 'z' {
			pv = i
			break
		}
	}
	lc := key[pv]
	uc := lc
	if 'a' <= lc && lc <= 'z' {
		uc = lc - 'a' + 'A'
	}
	for from := pv; from < len(s); {
		i := strings.IndexByte(s[from:], lc)
		if uc != lc {
			if j := strings.IndexByte(s[from:], uc); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 {
			return false
		}
		at := from + i - pv
		if at+len(key) <= len(s) && equalFoldASCII(s[at:at+len(key)], key) {
			return true
		}
		from += i + 1
	}
	return false
}

func equalFoldASCII(s, lowerKey string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerKey[i] {
			return false
		}
	}
	return true
}

// textEntry is what starts with one token: the token alone, and phrases
// (their remaining tokens).
type textEntry struct {
	term  bool
	rests [][]string
}

// indexMin is the number of terms and phrases from which a textPred looks
// tokens up in a map instead of comparing each.
const indexMin = 6

func (p *textPred) finish() {
	p.index = nil
	p.keys = nil
	if len(p.globs) == 0 && len(p.terms)+len(p.phrases) <= maxKeys {
		keys := append([]string(nil), p.terms...)
		for _, ph := range p.phrases {
			keys = append(keys, longest(ph))
		}
		ok := true
		for _, k := range keys {
			ok = ok && isASCII(k)
		}
		if ok {
			p.keys = keys
		}
	}
	if len(p.terms)+len(p.phrases) < indexMin {
		return
	}
	p.index = map[string]textEntry{}
	for _, t := range p.terms {
		e := p.index[t]
		e.term = true
		p.index[t] = e
	}
	for _, ph := range p.phrases {
		e := p.index[ph[0]]
		e.rests = append(e.rests, ph[1:])
		p.index[ph[0]] = e
	}
	p.filter, p.lenMask, p.firstMask = true, 0, [2]uint64{}
	for k := range p.index {
		if !isASCII(k) || k == "" {
			p.filter = false
			return
		}
		p.lenMask |= 1 << (len(k) % 64)
		p.firstMask[k[0]>>6] |= 1 << (k[0] & 63)
	}
}

// mayStart reports whether tok may lowercase to an indexed token: a token
// with non-ASCII bytes may (İ lowercases to i), an ASCII one only with an
// indexed length and first byte.
func (p *textPred) mayStart(tok string) bool {
	if p.lenMask&(1<<(len(tok)%64)) == 0 && isASCII(tok) {
		return false
	}
	c := tok[0]
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c >= utf8.RuneSelf || p.firstMask[c>>6]&(1<<(c&63)) != 0
}

func (p *textPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	switch v.Kind() {
	case event.KindString:
		return p.matchText(v.Str())
	case event.KindArray:
		for _, e := range v.Array() {
			if e.Kind() == event.KindString && p.matchText(e.Str()) {
				return true
			}
		}
	}
	return false
}

// Needs says what the rule index may file the predicate under: a literal
// of each term and phrase that the field's value contains (see
// tokenNeeds), or, when that is not known or no more selective (score),
// that the field holds a value (a string, whatever its tokens). Without
// either a rule such as `event.category:process and script_block_text:(...)`
// is filed under its broad category and offered every process event,
// though only the few that carry the text can match; with the literals,
// the few dozen PowerShell rules are offered only the script blocks that
// hold one of their words, found in one pass of the index over the text
// instead of a search per rule.
func (p *textPred) Needs(score func(match.Need) int) ([]match.Need, bool) {
	exists := []match.Need{{Slot: p.slot, Op: match.NeedExists}}
	lits, ok := p.tokenNeeds()
	if !ok {
		return exists, true
	}
	s := 0
	for _, n := range lits {
		s += score(n)
	}
	if s >= score(exists[0]) {
		return exists, true
	}
	return lits, true
}

// tokenNeeds returns, for each term and phrase, a substring that the
// case-folded value (match.AppendFolded) holds wherever the token matches:
// the longest run without an 'i' of the term (of the phrase's token with
// the longest such run). A token matches a term when it lowercases to it;
// with an ASCII term, each of the token's characters is the term's
// letter in either case, or a character that lowercases to ASCII: the
// Kelvin sign, which folds to 'k' too, and the dotted capital I (U+0130),
// which lowercases to 'i' but folds to itself. A term or phrase with no
// such run of minTextLit bytes takes its longest token whole, 'i's and
// all, and the dotted capital I joins the needs: a text that holds the
// token's letters in other places holds one of the two. False when a
// term or phrase is not ASCII or has no token of minTextLit bytes, or
// the predicate has patterns.
func (p *textPred) tokenNeeds() ([]match.Need, bool) {
	// minTextLit is the shortest literal worth filing a rule under: short
	// tokens (numbers, years, common words) occur in most texts, where
	// the rule is better filed under another of its fields.
	const minTextLit = 5
	if len(p.globs) > 0 || len(p.terms)+len(p.phrases) == 0 {
		return nil, false
	}
	var out []match.Need
	dotted := false // a literal holds an 'i': U+0130 is needed too
	add := func(toks ...string) bool {
		best, whole := "", ""
		for _, t := range toks {
			if !isASCII(t) {
				return false
			}
			for _, run := range strings.Split(t, "i") {
				if len(run) > len(best) {
					best = run
				}
			}
			if len(t) > len(whole) {
				whole = t
			}
		}
		if len(best) < minTextLit {
			if len(whole) < minTextLit {
				return false
			}
			best, dotted = whole, true
		}
		out = append(out, match.Need{Slot: p.slot, Op: match.NeedContains, Lit: string(match.AppendFolded(nil, best))})
		return true
	}
	for _, t := range p.terms {
		if !add(t) {
			return nil, false
		}
	}
	for _, ph := range p.phrases {
		if !add(ph...) {
			return nil, false
		}
	}
	if dotted {
		out = append(out, match.Need{Slot: p.slot, Op: match.NeedContains, Lit: string(match.AppendFolded(nil, "\u0130"))})
	}
	return out, true
}

// maxLowerBuf bounds the stack buffer a token is lowercased into for a map
// lookup: 255 UTF-16 units of up to 3 bytes each, lowercasing a few runes
// to longer ones.
const maxLowerBuf = 1024

func (p *textPred) matchText(s string) bool {
	if p.keys != nil && !p.mayMatch(s) {
		return false
	}
	t := tokenizer{s: s}
	var buf [maxLowerBuf]byte
	for {
		start, end, ok := t.next()
		if !ok {
			return false
		}
		tok := s[start:end]
		if p.index != nil {
			if p.filter && !p.mayStart(tok) {
				goto globs
			}
			low := appendLower(buf[:0], tok)
			if e, ok := p.index[string(low)]; ok {
				if e.term {
					return true
				}
				for _, rest := range e.rests {
					if followedBy(t, rest) {
						return true
					}
				}
			}
		} else {
			for _, q := range p.terms {
				if equalLower(tok, q) {
					return true
				}
			}
			for _, ph := range p.phrases {
				if equalLower(tok, ph[0]) && followedBy(t, ph[1:]) {
					return true
				}
			}
		}
	globs:
		if len(p.globs) > 0 {
			// Patterns are lowercase (the analyzer's normalization):
			// they match the lowercased token.
			lows := tok
			if !isLowerASCII(tok) {
				low := appendLower(buf[:0], tok)
				lows = unsafe.String(unsafe.SliceData(low), len(low)) // buf outlives the loop below
			}
			for _, g := range p.globs {
				if g.Match(lows) {
					return true
				}
			}
		}
	}
}

// followedBy reports whether the next tokens of t (a copy) are rest.
func followedBy(t tokenizer, rest []string) bool {
	for _, q := range rest {
		start, end, ok := t.next()
		if !ok || !equalLower(t.s[start:end], q) {
			return false
		}
	}
	return true
}

// textMatch returns the predicate of a match query on a text field: any
// of the tokens of text (operator OR). No tokens match nothing.
func textMatch(slot int, text string) match.Pred {
	toks := analyze(text)
	if len(toks) == 0 {
		return match.False()
	}
	p := &textPred{slot: slot, terms: dedup(toks)}
	p.finish()
	return p
}

// textMatchAll is a match query with operator AND: every token.
func textMatchAll(slot int, text string) match.Pred {
	toks := analyze(text)
	if len(toks) == 0 {
		return match.False()
	}
	var ps []match.Pred
	for _, t := range dedup(toks) {
		ps = append(ps, finished(&textPred{slot: slot, terms: []string{t}}))
	}
	return match.And(ps...)
}

// textPhrase returns the predicate of a match_phrase query on a text
// field: the tokens of text, in order and adjacent.
func textPhrase(slot int, text string) match.Pred {
	toks := analyze(text)
	switch len(toks) {
	case 0:
		return match.False()
	case 1:
		return finished(&textPred{slot: slot, terms: toks})
	}
	return finished(&textPred{slot: slot, phrases: [][]string{toks}})
}

// textTerm returns the predicate of a term query on a text field: one
// indexed token equals term exactly (the term is not analyzed, so a term
// with upper case never matches).
func textTerm(slot int, term string) match.Pred {
	if lower(term) != term || term == "" {
		return match.False()
	}
	return finished(&textPred{slot: slot, terms: []string{term}})
}

func finished(p *textPred) *textPred {
	p.finish()
	return p
}

// textGlob returns a predicate matching a pattern against each token.
func textGlob(slot int, g *match.Glob) match.Pred {
	return &textPred{slot: slot, globs: []*match.Glob{g}}
}

func dedup(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Or returns the disjunction of ps as match.Or does, merging the text
// predicates on one field into one, so that the field is tokenized once.
func Or(ps ...match.Pred) match.Pred {
	var out []match.Pred
	merged := map[int]*textPred{}
	for _, p := range ps {
		tp, ok := p.(*textPred)
		if !ok {
			out = append(out, p)
			continue
		}
		m := merged[tp.slot]
		if m == nil {
			m = &textPred{slot: tp.slot}
			merged[tp.slot] = m
			out = append(out, m)
		}
		m.terms = append(m.terms, tp.terms...)
		m.phrases = append(m.phrases, tp.phrases...)
		m.globs = append(m.globs, tp.globs...)
	}
	for _, m := range merged {
		m.terms = dedup(m.terms)
		m.finish()
	}
	return match.Or(out...)
}

// isLowerASCII reports whether s is ASCII without upper-case letters:
// lowercasing would not change it.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
