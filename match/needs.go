package match

import (
	"cmp"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
)

// Needs: what a predicate requires of an event's values, for rule indexes
// (an engine offers an event only to the rules whose needs it meets, as
// the fastest Sigma engines file rules under literals). A Need is a
// necessary condition, never a sufficient one: whenever a predicate holds,
// every one of its needs holds, so an index built on them loses no match;
// it may let through events the predicate then rejects.

// NeedOp says how a field's value must relate to a Need's literal.
type NeedOp uint8

// Need operations. Literals are compared with values folded by
// AppendKeyword, so case-sensitive tests are approximated by their
// case-insensitive superset.
const (
	NeedEqual    NeedOp = iota // the value is the literal
	NeedPrefix                 // the value begins with the literal
	NeedSuffix                 // the value ends with the literal
	NeedContains               // the literal occurs in the value
	NeedExists                 // the field has a value (no literal)
	NeedNumber                 // the value is a number (or numeric string) equal to Lit (see NumberKey)
)

var needOpNames = [...]string{"==", "prefix", "suffix", "contains", "exists", "number"}

func (op NeedOp) String() string { return needOpNames[op] }

// Need is one condition on one field: a value (an element of an array
// value) of field Slot relates to Lit by Op. With Unless set, the need
// is a fallback's: it holds only when field Unless-1 has no value (a
// predicate that reads Slot only where that field is missing, as Sigma's
// fallback fields; where the field has a value, another need of the
// same disjunction holds). An index may then skip it for events that
// hold that field; one that ignores Unless files more, never less.
type Need struct {
	Slot   int
	Op     NeedOp
	Lit    string // folded (see AppendKeyword); empty for NeedExists
	Unless int    // 1 + the slot whose value makes the need moot; 0: none
}

// Holds reports whether a folded keyword value (see AppendKeyword) meets
// the need (the field is known to hold it).
func (n Need) Holds(folded string) bool {
	switch n.Op {
	case NeedEqual:
		return folded == n.Lit
	case NeedPrefix:
		return strings.HasPrefix(folded, n.Lit)
	case NeedSuffix:
		return strings.HasSuffix(folded, n.Lit)
	case NeedContains:
		return strings.Contains(folded, n.Lit)
	case NeedNumber:
		return false // see HoldsValue
	}
	return true
}

// HoldsValue reports whether a scalar value (an element of an array) meets
// the need.
func (n Need) HoldsValue(v event.Value) bool {
	switch n.Op {
	case NeedExists:
		return v.Exists()
	case NeedNumber:
		f, ok := NumberKey(v)
		return ok && strconv.FormatFloat(f, 'g', -1, 64) == n.Lit
	}
	k, ok := AppendKeyword(nil, v)
	return ok && n.Holds(string(k))
}

// Needer is implemented by predicates of other packages (dsl) that can
// state a necessary condition of their own: a disjunction of needs, one of
// which holds whenever the predicate does; ok is false when there is none.
type Needer interface {
	Needs(score func(Need) int) (any []Need, ok bool)
}

// Needs returns necessary conditions of p in conjunctive form: whenever p
// holds for an event, for each returned disjunction one of its needs
// holds. None (nil) means p may hold for any event. score rates a need
// (lower: fewer events meet it); where one of several needs must be picked
// (the literal parts of a wildcard pattern, the conjuncts below an or),
// the lowest total wins.
func Needs(p Pred, score func(Need) int) [][]Need {
	return needsOf(p, score, nil)
}

// NeedCache is Needs with one score over the parts of one predicate: it
// keeps each field test's needs, so that a caller that asks for the needs
// of a predicate and of its members (to rank them, to file the whole)
// analyses every test once. Its results are Needs's. It is not safe for
// concurrent use.
type NeedCache struct {
	score  func(Need) int
	leaves map[Pred]leafNeed
}

type leafNeed struct {
	any []Need
	ok  bool
}

// NewNeedCache returns an empty cache for needs rated by score.
func NewNeedCache(score func(Need) int) *NeedCache {
	return &NeedCache{score: score, leaves: make(map[Pred]leafNeed)}
}

// Needs returns Needs(p, score) for the cache's score. The disjunctions
// of field tests are shared between calls: callers must not change them.
func (nc *NeedCache) Needs(p Pred) [][]Need { return needsOf(p, nc.score, nc) }

// needsOf is Needs, through nc when not nil.
func needsOf(p Pred, score func(Need) int, nc *NeedCache) [][]Need {
	switch x := p.(type) {
	case andPred:
		var out [][]Need
		for _, c := range x {
			out = append(out, needsOf(c, score, nc)...)
		}
		return out
	case and2:
		return append(needsOf(x.a, score, nc), needsOf(x.b, score, nc)...)
	case orPred:
		var out []Need
		for _, c := range x {
			best, ok := BestNeed(needsOf(c, score, nc), score)
			if !ok {
				return nil
			}
			out = append(out, best...)
		}
		return [][]Need{dedupNeeds(out)}
	case Needer:
		if any, ok := x.Needs(score); ok {
			return [][]Need{any}
		}
		return nil
	}
	if any, ok := nc.leaf(p, score); ok {
		return [][]Need{any}
	}
	return nil
}

// leaf returns leafNeeds(p, score), from the cache when p is a field test
// it holds (nc may be nil: no cache).
func (nc *NeedCache) leaf(p Pred, score func(Need) int) ([]Need, bool) {
	if nc == nil {
		return leafNeeds(p, score)
	}
	switch p.(type) {
	case *eqPred, *eqFoldPred, *strPred, existsPred, *cmpPred, *rangePred, *cidrPred:
	default:
		return leafNeeds(p, score) // not known to be comparable
	}
	if l, ok := nc.leaves[p]; ok {
		return l.any, l.ok
	}
	any, ok := leafNeeds(p, score)
	nc.leaves[p] = leafNeed{any, ok}
	return any, ok
}

// BestNeed picks the disjunction with the lowest total score.
func BestNeed(all [][]Need, score func(Need) int) ([]Need, bool) {
	var best []Need
	bestScore := 0
	for _, d := range all {
		s := 0
		for _, n := range d {
			s += score(n)
		}
		if best == nil || s < bestScore {
			best, bestScore = d, s
		}
	}
	return best, best != nil
}

// dedupNeeds drops the needs met before from ns, in place.
func dedupNeeds(ns []Need) []Need {
	out := ns[:0]
	if len(ns) <= smallDedup {
		// a few: comparing is cheaper than a map
		for _, n := range ns {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	// Many (an in list's members): sorted, the duplicates of a need sit
	// after the first of them. Sorting indexes was cheaper than a map of
	// so many needs, whose table was cleared fresh for every list.
	idx := make([]int32, len(ns))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		if c := compareNeeds(ns[a], ns[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	dup := make([]bool, len(ns))
	for k := 1; k < len(idx); k++ {
		if ns[idx[k]] == ns[idx[k-1]] {
			dup[idx[k]] = true
		}
	}
	for i, n := range ns {
		if !dup[i] {
			out = append(out, n)
		}
	}
	return out
}

// compareNeeds orders needs by slot, operation, literal and the slot
// that makes them moot (Unless): by every field, so equal needs sort
// together.
func compareNeeds(a, b Need) int {
	if c := cmp.Compare(a.Slot, b.Slot); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Op, b.Op); c != 0 {
		return c
	}
	if c := strings.Compare(a.Lit, b.Lit); c != 0 {
		return c
	}
	return cmp.Compare(a.Unless, b.Unless)
}

// smallDedup is the most needs dedupNeeds compares pairwise.
const smallDedup = 16

// leafNeeds returns the disjunction a field predicate needs.
func leafNeeds(p Pred, score func(Need) int) ([]Need, bool) {
	switch x := p.(type) {
	case *eqPred:
		return []Need{equalNeed(x.slot, x.s)}, true
	case *eqFoldPred:
		return []Need{equalNeed(x.slot, x.s)}, true
	case *strPred:
		if ns, ok := testNeeds(x.slot, x.t, score); ok {
			return ns, true
		}
		return []Need{{Slot: x.slot, Op: NeedExists}}, true
	case existsPred:
		return []Need{{Slot: x.slot, Op: NeedExists}}, true
	case *cmpPred:
		if x.op == OpEq {
			switch {
			case x.lit.Kind() == event.KindBool && (x.t == TBool || x.t == TUnknown):
				// only a boolean equals a boolean
				return []Need{{Slot: x.slot, Op: NeedEqual, Lit: strconv.FormatBool(x.lit.Bool())}}, true
			case (x.lit.Kind() == event.KindInt || x.lit.Kind() == event.KindFloat) &&
				(x.t == TInt || x.t == TFloat || x.t == TUnknown):
				if f, ok := NumberKey(x.lit); ok {
					return []Need{{Slot: x.slot, Op: NeedNumber, Lit: strconv.FormatFloat(f, 'g', -1, 64)}}, true
				}
			}
		}
		// false for a missing field, whatever the comparison
		return []Need{{Slot: x.slot, Op: NeedExists}}, true
	case *rangePred:
		return []Need{{Slot: x.slot, Op: NeedExists}}, true
	case *cidrPred:
		return []Need{{Slot: x.slot, Op: NeedExists}}, true
	}
	return nil, false
}

func equalNeed(slot int, s string) Need {
	return Need{Slot: slot, Op: NeedEqual, Lit: foldString(s)}
}

// testNeeds returns the disjunction a string test needs of a value.
func testNeeds(slot int, t strTest, score func(Need) int) ([]Need, bool) {
	switch x := t.(type) {
	case eqTest:
		return []Need{equalNeed(slot, string(x))}, true
	case eqFoldTest:
		return []Need{equalNeed(slot, string(x))}, true
	case *Glob:
		n, ok := globNeed(slot, x, score)
		if !ok {
			return nil, false
		}
		return []Need{n}, true
	case *setTest:
		out := make([]Need, 0, len(x.small)+len(x.set)+len(x.wild))
		// A folded set's members are folded (folding again gives them
		// back) and distinct: their needs are, without a copy or a check.
		need := equalNeed
		if x.fold {
			need = func(slot int, m string) Need { return Need{Slot: slot, Op: NeedEqual, Lit: m} }
		}
		if t := x.small; t != nil {
			for _, m := range t {
				out = append(out, need(slot, m))
			}
		} else {
			for m := range x.set {
				out = append(out, need(slot, m))
			}
		}
		members := len(out)
		for _, w := range x.wild {
			n, ok := globNeed(slot, w, score)
			if !ok {
				return nil, false
			}
			out = append(out, n)
		}
		if !x.fold {
			return dedupNeeds(out), len(out) > 0
		}
		// Only the patterns' needs can repeat one met before: those of
		// other patterns, or a member's (a set lookup finds it).
		globs := dedupNeeds(out[members:])
		out = out[:members]
		for _, n := range globs {
			if _, dup := x.set[n.Lit]; !dup || n.Op != NeedEqual {
				out = append(out, n)
			}
		}
		return out, len(out) > 0
	case regexTest:
		return regexNeeds(slot, x.re)
	case regexesTest:
		var out []Need
		for _, r := range x {
			ns, ok := regexNeeds(slot, r.re)
			if !ok {
				return nil, false
			}
			out = append(out, ns...)
		}
		return dedupNeeds(out), len(out) > 0
	}
	return nil, false
}

// globNeed returns the best need a pattern implies: the whole value
// without wildcards, else one of its literal runs (the first as a prefix,
// the last as a suffix, others as substrings), else (no literal text) a
// value (NeedExists). ok is always true.
func globNeed(slot int, g *Glob, score func(Need) int) (Need, bool) {
	if g.IsLiteral() {
		return equalNeed(slot, g.Literal()), true
	}
	best := Need{Slot: slot, Op: NeedExists}
	bestScore := score(best)
	g.literalRuns(func(lit string, first, last bool) {
		op := NeedContains
		switch {
		case first:
			op = NeedPrefix
		case last:
			op = NeedSuffix
		}
		n := Need{Slot: slot, Op: op, Lit: foldString(lit)}
		if s := score(n); s < bestScore {
			best, bestScore = n, s
		}
	})
	return best, true
}

// regexesTest is a match against several regexps (regex with a list).
type regexesTest []regexTest

func (t regexesTest) test(s string) bool {
	for _, r := range t {
		if r.re.MatchString(s) {
			return true
		}
	}
	return false
}

// regexNeeds returns the values the (whole-value) regexp matches, when
// they are few (regexValues), else literals one of which occurs in every
// value it matches.
func regexNeeds(slot int, re *regexp.Regexp) ([]Need, bool) {
	r, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return nil, false
	}
	r = r.Simplify()
	if vals, ok := regexValues(r, maxRegexValues); ok && len(vals) > 0 && len(vals) <= maxRegexValues {
		out := make([]Need, 0, len(vals))
		for _, v := range vals {
			out = append(out, equalNeed(slot, v))
		}
		return dedupNeeds(out), true
	}
	lits, ok := regexLits(r)
	if !ok {
		return []Need{{Slot: slot, Op: NeedExists}}, true
	}
	out := make([]Need, 0, len(lits))
	for _, l := range lits {
		out = append(out, Need{Slot: slot, Op: NeedContains, Lit: l})
	}
	return dedupNeeds(out), true
}

// newRegexTest analyses a compiled whole-value regexp for the checks that
// spare running it: the lengths it can match and the literals it needs.
func newRegexTest(re *regexp.Regexp) regexTest {
	t := regexTest{re: re, maxRunes: -1}
	r, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return t
	}
	r = r.Simplify()
	t.minRunes, t.maxRunes = runeBounds(r)
	t.nonASCII = needsNonASCII(r)
	if lits, ok := regexLits(r); ok && len(lits) <= 8 {
		t.lits = lits
	}
	return t
}

// needsNonASCII reports whether every string r matches has a rune beyond
// ASCII: it requires a character class (case variants included) of such
// runes only.
func needsNonASCII(r *syntax.Regexp) bool {
	switch r.Op {
	case syntax.OpCharClass:
		for i := 0; i < len(r.Rune); i += 2 {
			if r.Rune[i] < utf8.RuneSelf {
				return false
			}
		}
		return len(r.Rune) > 0
	case syntax.OpCapture, syntax.OpPlus:
		return needsNonASCII(r.Sub[0])
	case syntax.OpRepeat:
		return r.Min >= 1 && needsNonASCII(r.Sub[0])
	case syntax.OpConcat:
		for _, s := range r.Sub {
			if needsNonASCII(s) {
				return true
			}
		}
	case syntax.OpAlternate:
		for _, s := range r.Sub {
			if !needsNonASCII(s) {
				return false
			}
		}
		return len(r.Sub) > 0
	}
	return false
}

// unbounded stands for no upper bound in runeBounds.
const unbounded = -1

// runeBounds returns the fewest and most runes a string r matches has.
func runeBounds(r *syntax.Regexp) (lo, hi int) {
	const big = 1 << 20
	clamp := func(n int) int { return min(n, big) }
	switch r.Op {
	case syntax.OpLiteral:
		return len(r.Rune), len(r.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, 1
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, 0
	case syntax.OpCapture:
		return runeBounds(r.Sub[0])
	case syntax.OpStar:
		return 0, unbounded
	case syntax.OpPlus:
		lo, _ := runeBounds(r.Sub[0])
		return lo, unbounded
	case syntax.OpQuest:
		_, hi := runeBounds(r.Sub[0])
		return 0, hi
	case syntax.OpRepeat:
		lo, hi := runeBounds(r.Sub[0])
		lo = clamp(lo * r.Min)
		if r.Max < 0 || hi == unbounded {
			return lo, unbounded
		}
		return lo, clamp(hi * r.Max)
	case syntax.OpConcat:
		for _, s := range r.Sub {
			l, h := runeBounds(s)
			lo = clamp(lo + l)
			if hi != unbounded {
				if h == unbounded {
					hi = unbounded
				} else {
					hi = clamp(hi + h)
				}
			}
		}
		return lo, hi
	case syntax.OpAlternate:
		for i, s := range r.Sub {
			l, h := runeBounds(s)
			if i == 0 {
				lo, hi = l, h
				continue
			}
			lo = min(lo, l)
			if hi != unbounded && (h == unbounded || h > hi) {
				hi = h
			}
		}
		return lo, hi
	}
	return 0, unbounded
}

// RegexLiterals returns folded literals one of which occurs in every
// string a simplified regexp matches; ok is false when there are none.
// ES|QL's REPLACE looks for them before it runs its regexp.
func RegexLiterals(r *syntax.Regexp) (lits []string, ok bool) { return regexLits(r) }

// InRanges reports whether c is in a regexp character class's sorted
// [lo, hi] pairs (syntax.Regexp.Rune of an OpCharClass).
func InRanges(ranges []rune, c rune) bool {
	for i := 0; i+1 < len(ranges); i += 2 {
		if c < ranges[i] {
			return false
		}
		if c <= ranges[i+1] {
			return true
		}
	}
	return false
}

// regexLits returns folded literals one of which occurs in every string r
// matches; ok is false when there are none.
func regexLits(r *syntax.Regexp) ([]string, bool) {
	switch r.Op {
	case syntax.OpLiteral:
		if len(r.Rune) == 0 {
			return nil, false
		}
		var b []byte
		for _, c := range r.Rune {
			if c == utf8.RuneError {
				return nil, false
			}
			b = utf8.AppendRune(b, c)
		}
		return []string{foldString(string(b))}, true
	case syntax.OpCapture, syntax.OpPlus:
		return regexLits(r.Sub[0])
	case syntax.OpRepeat:
		if r.Min >= 1 {
			return regexLits(r.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		bestLen := 0
		for _, s := range r.Sub {
			lits, ok := regexLits(s)
			if !ok {
				continue
			}
			// the shortest alternative bounds how selective a part is
			short := len(lits[0])
			for _, l := range lits {
				short = min(short, len(l))
			}
			if best == nil || short > bestLen || short == bestLen && len(lits) < len(best) {
				best, bestLen = lits, short
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var out []string
		for _, s := range r.Sub {
			lits, ok := regexLits(s)
			if !ok {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// AppendKeyword appends a scalar value as string tests see it (numbers and
// booleans in their keyword form), folded as Need literals are; ok is false
// for values without a keyword form (null, objects, arrays).
func AppendKeyword(dst []byte, v event.Value) ([]byte, bool) {
	switch v.Kind() {
	case event.KindString:
		return appendFold(dst, v.Str()), true
	case event.KindInt:
		return strconv.AppendInt(dst, v.Int(), 10), true // digits: nothing to fold
	case event.KindFloat, event.KindBool:
		var buf [32]byte
		return appendFold(dst, string(AppendScalar(buf[:0], v))), true
	}
	return dst, false
}

// NumberKey returns the number a value holds as numeric comparisons see
// it: an integer or float, or a string that parses as one; ok is false for
// other values (and NaN, which equals nothing). Values equal as numbers
// have equal keys (integers beyond 2⁵³ may share one).
func NumberKey(v event.Value) (float64, bool) {
	var f float64
	switch v.Kind() {
	case event.KindInt:
		f = float64(v.Int())
	case event.KindFloat:
		f = v.Float()
	case event.KindString:
		n, ok := ParseNumber(v.Str())
		if !ok {
			return 0, false
		}
		return NumberKey(n)
	default:
		return 0, false
	}
	if f != f {
		return 0, false
	}
	if f == 0 {
		f = 0 // -0 equals 0
	}
	return f, true
}

// FoldKeyword folds s as AppendKeyword does.
func FoldKeyword(s string) string { return foldString(s) }
