package sigma

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// stringTests is a compiled list of GlobLucene patterns: those without an
// escaped wildcard as one match.WildcardTest set (a set lookup, or
// patterns prefiltered by their literals), the rest one by one. It is
// compiled once and serves every field a Sigma field name is read from
// (the raw field and its ECS fallbacks).
type stringTests struct {
	plain []string // GlobStarQuestion patterns
	fold  bool
	globs []*match.Glob
	set   match.StringTest
}

func globTest(patterns []string, fold bool) *stringTests {
	t := &stringTests{fold: fold}
	for _, p := range patterns {
		if q, ok := starQuestion(p); ok {
			t.plain = append(t.plain, q)
			continue
		}
		t.globs = append(t.globs, match.CompileGlob(p, match.GlobLucene, fold))
	}
	if len(t.plain) > 0 {
		t.set = match.WildcardTest(t.plain, fold)
	}
	return t
}

// starQuestion rewrites a GlobLucene pattern in GlobStarQuestion syntax
// (backslashes literal), when it has no escaped * or ?.
func starQuestion(p string) (string, bool) {
	if !strings.Contains(p, `\`) {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
			if p[i] == '*' || p[i] == '?' {
				return "", false
			}
		}
		b.WriteByte(p[i])
	}
	return b.String(), true
}

func (t *stringTests) pred(slot int) match.Pred {
	var ps []match.Pred
	if len(t.plain) > 0 {
		ps = append(ps, t.set.Pred(slot))
	}
	for _, g := range t.globs {
		ps = append(ps, match.WildcardGlob(slot, g))
	}
	return match.Or(ps...)
}

func (t *stringTests) test(s string) bool {
	if len(t.plain) > 0 && t.set.Test(s) {
		return true
	}
	for _, g := range t.globs {
		if g.Match(s) {
			return true
		}
	}
	return false
}

// regex compiles a Sigma regular expression (found anywhere in the value,
// case-sensitive unless the i flag is given). Go's RE2 syntax has no
// lookaround or backreferences; such a rule is unsupported.
func (s source) regex(slotOf func(string) int, pattern, flags string) (match.Pred, error) {
	prefix := ""
	if flags != "" {
		prefix = "(?" + flags + ")"
	}
	re, err := regexp.Compile(prefix + pattern)
	if err != nil {
		return nil, unsupported("field %q: regular expression %q: %v", s.name, pattern, reError(err))
	}
	need := reLiteral(prefix+pattern, 3)
	pre, minRunes := reRequired(prefix+pattern, need)
	find := finder(re, prefix+pattern)
	return s.each(slotOf, func(slot int) (match.Pred, error) {
		return &rePred{slot: slot, find: find, need: need, pre: pre, minRunes: minRunes}, nil
	}, find)
}

// finder returns what finds a match of re, compiled from pattern: a
// count of characters when the pattern is a run, else re.MatchString,
// after the runs every match holds, if it has some.
func finder(re *regexp.Regexp, pattern string) func(string) bool {
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return re.MatchString
	}
	if r := runOf(tree); r != nil {
		return r.in
	}
	runs := requiredRuns(tree)
	if len(runs) == 0 {
		return re.MatchString
	}
	return func(s string) bool {
		for _, r := range runs {
			if !r.in(s) {
				return false
			}
		}
		return re.MatchString(s)
	}
}

// run is a regular expression that is one character class repeated at
// least n times (`.{1000,}`: a line of 1,000 characters): found
// anywhere, it matches where n characters of the class follow one
// another, which a count finds in one pass, where Go's regexp would run
// an automaton of n states over every byte (milliseconds over a
// command line of a few kilobytes).
type run struct {
	n      int
	notNL  bool // any character but a newline (.)
	any    bool // any character (. with the s flag)
	ranges []rune
	ascii  *[256]bool // a class of ASCII characters only: its bytes
}

// runOf returns the run a parsed pattern is, or nil.
func runOf(re *syntax.Regexp) *run {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return repeatRun(re, 2)
}

// repeatRun returns the run re is when it repeats one character class
// at least least times, or nil.
func repeatRun(re *syntax.Regexp, least int) *run {
	if re.Op != syntax.OpRepeat || re.Min < least || re.Max != -1 && re.Max < re.Min {
		return nil
	}
	r := &run{n: re.Min}
	switch sub := re.Sub[0]; sub.Op {
	case syntax.OpAnyCharNotNL:
		r.notNL = true
	case syntax.OpAnyChar:
		r.any = true
	case syntax.OpCharClass:
		r.ranges = sub.Rune
		if len(r.ranges) > 0 && r.ranges[len(r.ranges)-1] < utf8.RuneSelf {
			r.ascii = new([256]bool)
			for i := 0; i+1 < len(r.ranges); i += 2 {
				for c := r.ranges[i]; c <= r.ranges[i+1]; c++ {
					r.ascii[c] = true
				}
			}
		}
	default:
		return nil
	}
	return r
}

// minRequiredRun is the shortest run worth a pass before an expression
// without literals runs (`[a-f0-9]{64}`: a hash).
const minRequiredRun = 8

// requiredRuns returns runs of characters every match of a pattern holds
// (members of its concatenations that repeat a class at least
// minRequiredRun times), the two longest: a value without them is not
// searched, as one without a required literal is not.
func requiredRuns(re *syntax.Regexp) []*run {
	var runs []*run
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		if r := repeatRun(re, minRequiredRun); r != nil && !r.any {
			runs = append(runs, r)
			return
		}
		switch re.Op {
		case syntax.OpCapture, syntax.OpPlus:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		}
	}
	walk(re)
	slices.SortStableFunc(runs, func(a, b *run) int { return b.n - a.n })
	return runs[:min(len(runs), 2)]
}

// in reports whether s holds n characters of the class in a row. Like
// Go's regexp, it reads s as UTF-8, a byte that is not as U+FFFD.
func (r *run) in(s string) bool {
	if len(s) < r.n {
		return false // a character is at least a byte
	}
	if r.any {
		return utf8.RuneCountInString(s) >= r.n
	}
	if r.notNL {
		for len(s) >= r.n {
			line := s
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				line, s = s[:i], s[i+1:]
			} else {
				s = ""
			}
			if len(line) >= r.n && utf8.RuneCountInString(line) >= r.n {
				return true
			}
		}
		return false
	}
	k := 0
	if r.ascii != nil {
		// Every byte from 0x80 belongs to a character not in the
		// class, and breaks the run as the character does.
		for i := 0; i < len(s); i++ {
			if !r.ascii[s[i]] {
				k = 0
				continue
			}
			if k++; k == r.n {
				return true
			}
		}
		return false
	}
	for _, c := range s {
		if !match.InRanges(r.ranges, c) {
			k = 0
			continue
		}
		if k++; k == r.n {
			return true
		}
	}
	return false
}

// reError shortens a regexp error to its cause.
func reError(err error) string {
	if e, ok := err.(*syntax.Error); ok {
		return string(e.Code) + " " + strconv.Quote(e.Expr)
	}
	return err.Error()
}

// rePred holds when a value of the field has a match of re.
type rePred struct {
	slot int
	find func(string) bool // whether a value holds a match: the expression's MatchString or a run's count
	need []string          // folded literals, one of which every match holds (none: no such set)
	// pre are sets of such literals of any length (need first when it
	// has some): the folded value must hold one of each set before the
	// expression runs on it.
	pre [][]string
	// minRunes is the fewest characters a match has: shorter values
	// are not searched.
	minRunes int
}

// Needs files the predicate under the literals one of which its matches
// hold.
func (p *rePred) Needs(func(match.Need) int) ([]match.Need, bool) {
	if len(p.need) == 0 {
		return nil, false
	}
	var out []match.Need
	for _, l := range p.need {
		out = append(out, match.Need{Slot: p.slot, Op: match.NeedContains, Lit: l})
	}
	return out, true
}

// reLiteral returns literals one of which every match of a regular
// expression holds (each at least minLen bytes, at most maxReLiterals of
// them), folded (needs are compared with folded values); nil when it
// finds none.
func reLiteral(pattern string, minLen int) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	set, ok := literalSet(re.Simplify(), minLen)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range set {
		if f := match.FoldKeyword(l); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// reRequired returns sets of folded literals every match of a regular
// expression holds one of each (need first, if given; at most
// maxReSets), and the fewest characters a match has.
func reRequired(pattern string, need []string) ([][]string, int) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, 0
	}
	re = re.Simplify()
	var sets [][]string
	if len(need) > 0 {
		sets = append(sets, need)
	}
	for _, set := range requiredSets(re) {
		var folded []string
		for _, l := range set {
			if f := match.FoldKeyword(l); !slices.Contains(folded, f) {
				folded = append(folded, f)
			}
		}
		if len(sets) == maxReSets {
			break
		}
		if !slices.ContainsFunc(sets, func(s []string) bool { return slices.Equal(s, folded) }) {
			sets = append(sets, folded)
		}
	}
	return sets, minRunes(re)
}

// maxReSets bounds the literal sets searched before an expression runs.
const maxReSets = 4

// requiredSets returns sets of literals every match of re holds one of
// each: each member of a concatenation gives its own.
func requiredSets(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredSets(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredSets(re.Sub[0])
		}
	case syntax.OpConcat:
		var out [][]string
		for _, sub := range re.Sub {
			out = append(out, requiredSets(sub)...)
		}
		return out
	}
	if set, ok := literalSet(re, 1); ok {
		return [][]string{set}
	}
	return nil
}

// minRunes returns the fewest characters a match of re has.
func minRunes(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minRunes(re.Sub[0])
	case syntax.OpRepeat:
		return min(re.Min, 1<<16) * minRunes(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minRunes(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minRunes(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty matches, assertions, stars, quests
}

// maxReLiterals bounds the literals a regular expression is filed under.
const maxReLiterals = 8

// literalSet returns literals of at least minLen bytes one of which
// every match of re holds.
func literalSet(re *syntax.Regexp, minLen int) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if s := string(re.Rune); len(s) >= minLen {
			return []string{s}, true
		}
	case syntax.OpCapture, syntax.OpPlus:
		return literalSet(re.Sub[0], minLen)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalSet(re.Sub[0], minLen)
		}
	case syntax.OpConcat:
		// Every member's set is necessary: take the one whose shortest
		// literal is longest.
		var best []string
		bestLen := 0
		for _, sub := range re.Sub {
			set, ok := literalSet(sub, minLen)
			if !ok {
				continue
			}
			n := len(set[0])
			for _, l := range set {
				n = min(n, len(l))
			}
			if n > bestLen {
				best, bestLen = set, n
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			set, ok := literalSet(sub, minLen)
			if !ok || len(all)+len(set) > maxReLiterals {
				return nil, false
			}
			all = append(all, set...)
		}
		return all, true
	}
	return nil, false
}

func (p *rePred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if len(p.pre) == 0 {
		return anyString(v, p.match)
	}
	switch v.Kind() {
	case event.KindString:
		return p.test(ev, 0, v.Str())
	case event.KindArray:
		for i, e := range v.Array() {
			if e.Kind() == event.KindString && p.test(ev, i, e.Str()) ||
				e.Kind() != event.KindString && anyString(e, p.match) {
				return true
			}
		}
		return false
	}
	return anyString(v, p.match)
}

// match runs the expression on a value long enough to hold a match (a
// character is at least a byte).
func (p *rePred) match(s string) bool {
	return len(s) >= p.minRunes && p.find(s)
}

// test runs the expression on element elem of the value when its folded
// form (shared with the event's other case-insensitive tests) holds one
// of the literals every match holds (pre).
func (p *rePred) test(ev *event.Event, elem int, s string) bool {
	if len(s) < p.minRunes {
		return false
	}
	f := ev.Folded(p.slot, elem, s, match.AppendFolded)
	for _, set := range p.pre {
		if !containsAny(f, set) {
			return false
		}
	}
	return p.find(s)
}

func containsAny(s string, lits []string) bool {
	for _, l := range lits {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

// anyString applies test to a value's strings (numbers and booleans in
// their keyword form), holding when it holds for one.
func anyString(v event.Value, test func(string) bool) bool {
	switch v.Kind() {
	case event.KindString:
		return test(v.Str())
	case event.KindArray:
		for _, e := range v.Array() {
			if anyString(e, test) {
				return true
			}
		}
	case event.KindInt, event.KindFloat, event.KindBool:
		var buf [32]byte
		return test(string(match.AppendScalar(buf[:0], v)))
	}
	return false
}

func (s source) cidr(slotOf func(string) int, block string) (match.Pred, error) {
	return s.each(slotOf, func(slot int) (match.Pred, error) { return match.CIDR(slot, []string{block}) }, nil)
}

func (s source) compare(slotOf func(string) int, op match.CmpOp, n float64) (match.Pred, error) {
	return s.each(slotOf, func(slot int) (match.Pred, error) {
		return match.Compare(slot, op, event.Float(n), match.TFloat)
	}, nil)
}

// fieldRef compares the field with another field's value of the same
// event (equal, or starting with, ending with or containing it).
func (s source) fieldRef(slotOf func(string) int, other source, m mods) match.Pred {
	var others []int
	for _, f := range other.fields {
		others = append(others, slotOf(f))
	}
	p, _ := s.each(slotOf, func(slot int) (match.Pred, error) {
		return &refPred{slot: slot, others: others, kind: m.kind, fold: !m.cased}, nil
	}, nil)
	return p
}

// refPred compares a field with the first present of other fields.
type refPred struct {
	slot   int
	others []int
	kind   string
	fold   bool
}

func (p *refPred) Match(ev *event.Event) bool {
	var ref event.Value
	for _, o := range p.others {
		if ref = ev.Get(o); ref.Kind() != event.KindMissing {
			break
		}
	}
	var rb [32]byte
	r, ok := scalarString(ref, rb[:0])
	if !ok {
		return false
	}
	return anyString(ev.Get(p.slot), func(s string) bool {
		if p.fold {
			switch p.kind {
			case "startswith":
				return match.HasPrefixFold(s, r)
			case "endswith":
				return match.HasSuffixFold(s, r)
			case "contains":
				return match.ContainsFold(s, r)
			}
			return match.EqualFold(s, r)
		}
		switch p.kind {
		case "startswith":
			return strings.HasPrefix(s, r)
		case "endswith":
			return strings.HasSuffix(s, r)
		case "contains":
			return strings.Contains(s, r)
		}
		return s == r
	})
}

func scalarString(v event.Value, buf []byte) (string, bool) {
	switch v.Kind() {
	case event.KindString:
		return v.Str(), true
	case event.KindInt, event.KindFloat, event.KindBool:
		return string(match.AppendScalar(buf, v)), true
	}
	return "", false
}

// keywordsPred holds when a string of the event (any field of a
// normalised document; the message of others) matches one of the
// keywords: Sigma's full-text search. Keywords without wildcards are
// found in one pass over the folded string (lits; by the skip scan skip,
// which reads a fraction of the string, when every keyword is long
// enough), the others tried as patterns (t).
type keywordsPred struct {
	skip    *match.AnyFolded
	lits    *match.Literals
	t       *stringTests
	message int
}

// foldBufs are buffers for folding the strings keywords are searched in.
var foldBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (p *keywordsPred) test(s string) bool {
	if p.skip != nil {
		if hit, ok := p.skip.Contains(s); ok {
			return hit || p.t != nil && p.t.test(s)
		}
	}
	if p.lits != nil {
		var hb [4]match.LiteralHit
		// ASCII text is folded as it is read; other text is folded first.
		hits, ascii := p.lits.FindFolded(s, hb[:0])
		if len(hits) > 0 {
			return true
		}
		if ascii {
			return p.t != nil && p.t.test(s)
		}
		bp := foldBufs.Get().(*[]byte)
		f := match.AppendFolded((*bp)[:0], s)
		// f is not kept beyond Find.
		hit := len(p.lits.Find(unsafe.String(unsafe.SliceData(f), len(f)), hb[:0])) > 0
		*bp = f[:0]
		foldBufs.Put(bp)
		if hit {
			return true
		}
	}
	return p.t != nil && p.t.test(s)
}

// Match searches the record's own data: its event and user data and its
// message (not the ECS fields derived from them).
func (p *keywordsPred) Match(ev *event.Event) bool {
	if ev.Doc != nil {
		for _, f := range ev.Doc.Fields() {
			if ownData(f.Key) && anyString(f.Value, p.test) {
				return true
			}
		}
		return false
	}
	return anyString(ev.Get(p.message), p.test)
}

// ownData reports whether a normalised document's key is the record's own
// data: winlog.event_data.*, winlog.user_data.* or message.
func ownData(k string) bool {
	if len(k) < 18 || k[7] != 'e' && k[7] != 'u' {
		return k == "message"
	}
	return k[:7] == "winlog." && (strings.HasPrefix(k[7:], "event_data.") || strings.HasPrefix(k[7:], "user_data."))
}

// Script marks the predicate: the analyses cannot see into it.
func (p *keywordsPred) Script() {}

func (c *compiler) keywords(s *Search) (match.Pred, error) {
	var globs, lits []string
	p := &keywordsPred{message: c.env.Slot("message")}
	for _, v := range s.Keywords {
		if v.Kind == VNull {
			return nil, c.errorf(v.Pos, "search %q: a keyword cannot be null", s.Name)
		}
		ss := parseSString(v.S, v.Kind == VString)
		if lit, ok := ss.literal(); ok && lit != "" {
			lits = append(lits, match.FoldKeyword(lit))
			continue
		}
		globs = append(globs, ss.glob("contains"))
	}
	if len(lits) > 0 {
		p.lits = match.NewLiterals(lits)
		p.skip = match.NewAnyFolded(lits)
	}
	if len(globs) > 0 {
		p.t = globTest(globs, true)
	}
	return p, nil
}
