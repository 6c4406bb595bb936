package match

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/vigilsec/vigil/event"
)

// Pred is a compiled condition on an event: the form both EQL and KQL
// compile to. Predicates on a field hold when any element of an array value
// does, and are false when the field is missing, as Elasticsearch's term,
// wildcard and range queries are; Not is the complement (a missing field
// satisfies Not(StringEquals(...))), as a bool query's must_not is.
//
// Preds are immutable and safe for concurrent use. Match does not allocate
// for the field predicates below.
type Pred interface {
	Match(ev *event.Event) bool
}

// The constructors below are the predicate form's public API, for packages
// (kql) that compile other languages to it. Slots come from the
// event.Schema the events are decoded with.

type constPred bool

func (c constPred) Match(*event.Event) bool { return bool(c) }

// True returns a predicate that always holds.
func True() Pred { return constPred(true) }

// False returns a predicate that never holds.
func False() Pred { return constPred(false) }

// Const returns True() or False().
func Const(b bool) Pred { return constPred(b) }

type andPred []Pred

func (ps andPred) Match(ev *event.Event) bool {
	for _, p := range ps {
		if !p.Match(ev) {
			return false
		}
	}
	return true
}

type orPred []Pred

func (ps orPred) Match(ev *event.Event) bool {
	for _, p := range ps {
		if p.Match(ev) {
			return true
		}
	}
	return false
}

// And returns the conjunction of ps, flattening nested Ands and dropping
// constant true members.
func And(ps ...Pred) Pred {
	var out andPred
	for _, p := range ps {
		switch p := p.(type) {
		case constPred:
			if !p {
				return False()
			}
			continue
		case andPred:
			out = append(out, p...)
			continue
		case and2:
			out = append(out, p.a, p.b)
			continue
		}
		out = append(out, p)
	}
	switch len(out) {
	case 0:
		return True()
	case 1:
		return out[0]
	case 2:
		return and2{out[0], out[1]}
	}
	return out
}

// and2 is a conjunction of two, the shape of `category where leaf`.
type and2 struct{ a, b Pred }

func (p and2) Match(ev *event.Event) bool { return p.a.Match(ev) && p.b.Match(ev) }

// Or returns the disjunction of ps, flattening nested Ors and dropping
// constant false members.
func Or(ps ...Pred) Pred {
	var out orPred
	for _, p := range ps {
		switch p := p.(type) {
		case constPred:
			if p {
				return True()
			}
			continue
		case orPred:
			out = append(out, p...)
			continue
		}
		out = append(out, p)
	}
	switch len(out) {
	case 0:
		return False()
	case 1:
		return out[0]
	}
	return out
}

type notPred struct{ p Pred }

func (n notPred) Match(ev *event.Event) bool { return !n.p.Match(ev) }

// Not returns the complement of p.
func Not(p Pred) Pred {
	switch p := p.(type) {
	case constPred:
		return !p
	case notPred:
		return p.p
	}
	return notPred{p}
}

type existsPred struct{ slot int }

func (p existsPred) Match(ev *event.Event) bool { return ev.Get(p.slot).Exists() }

// Exists returns a predicate that holds when the field has a non-null value
// (an array with at least one non-null element).
func Exists(slot int) Pred { return existsPred{slot} }

// strPred is a string test applied to a field's values with any-element
// semantics. Numbers and booleans are tested in their keyword form, as
// Elasticsearch indexes them in a keyword field.
type strPred struct {
	slot int
	t    strTest
	ft   foldedTest // t, when it is faster on folded values
}

// newStrPred makes a string predicate.
func newStrPred(slot int, t strTest) *strPred {
	p := &strPred{slot: slot, t: t}
	if ft, ok := t.(foldedTest); ok && ft.wantsFolded() {
		p.ft = ft
	}
	return p
}

// strTest is a compiled string test.
type strTest interface{ test(s string) bool }

// foldedTest is a string test that compares without case faster on the
// value folded (appendFold): it gets both, the folded one from the event,
// which folds each value at most once (event.Event.Folded).
type foldedTest interface {
	strTest
	testFolded(s, folded string) bool
	wantsFolded() bool
}

func (p *strPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindString {
		if p.ft != nil {
			return p.ft.testFolded(v.Str(), ev.Folded(p.slot, 0, v.Str(), appendFold))
		}
		return p.t.test(v.Str())
	}
	return p.slow(ev, v)
}

// slow handles arrays and non-string scalars.
func (p *strPred) slow(ev *event.Event, v event.Value) bool {
	switch v.Kind() {
	case event.KindArray:
		for i, e := range v.Array() {
			if e.Kind() == event.KindString {
				if p.ft != nil {
					if p.ft.testFolded(e.Str(), ev.Folded(p.slot, i, e.Str(), appendFold)) {
						return true
					}
				} else if p.t.test(e.Str()) {
					return true
				}
			} else if p.testScalar(e) {
				return true
			}
		}
		return false
	case event.KindInt, event.KindFloat, event.KindBool:
		return p.testScalar(v)
	}
	return false
}

func (p *strPred) testScalar(v event.Value) bool {
	switch v.Kind() {
	case event.KindString:
		return p.t.test(v.Str())
	case event.KindInt, event.KindFloat, event.KindBool:
		var buf [32]byte
		return p.t.test(string(AppendScalar(buf[:0], v)))
	}
	return false
}

// eqFoldPred is StringEquals with fold, the commonest EQL leaf (field :
// "value"), specialised to avoid an indirect call per value.
type eqFoldPred struct {
	strPred
	s string
}

func (p *eqFoldPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindString {
		return EqualFold(v.Str(), p.s)
	}
	return p.slow(ev, v)
}

// eqPred is StringEquals without fold (field == "value", the category).
type eqPred struct {
	strPred
	s string
}

func (p *eqPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindString {
		return v.Str() == p.s
	}
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if e.Kind() == event.KindString && e.Str() == p.s {
				return true
			}
		}
	}
	return p.slow(ev, v)
}

type eqTest string

func (t eqTest) test(s string) bool { return s == string(t) }

type eqFoldTest string

func (t eqFoldTest) test(s string) bool { return EqualFold(s, string(t)) }

func (g *Glob) test(s string) bool { return g.Match(s) }

func (g *Glob) testFolded(s, f string) bool { return g.MatchFolded(s, f) }

func (g *Glob) wantsFolded() bool { return g.folded != nil }

// setTest is membership in a set of strings, folded when fold is set, plus
// wildcard patterns tried in turn.
type setTest struct {
	set   map[string]struct{}
	small []string // the set's members when there are few: a scan is faster
	fold  bool
	wild  []*Glob
	// With many patterns, pre finds which patterns' literal text (one
	// run of each, folded: preLits) a value holds: only those are tried,
	// and those without literal text (always).
	preLits []string
	preOf   []int32 // literal → pattern
	always  []int32
	// pre and skip are built from preLits the first time a value is
	// tested: most tests of a large rule set see no value in a given run
	// (the rule index turns the events away), and their automatons were
	// a fifth of compiling Elastic's Windows rules.
	preOnce sync.Once
	pre     *Literals
	// skip, when pre's literals allow a skip scan (5 bytes or more),
	// tells in a pass over part of a long value that it holds none.
	skip *AnyFolded
	// anchored: every pattern begins or ends with literal text (see
	// anchoredGlob), so that trying one rejects most values within a
	// few bytes. On a value long enough (directLen bytes per pattern)
	// the patterns are tried in turn, not found by a pass over it all,
	// and without folding it when nothing else needs it folded: Sysmon
	// call traces are hundreds of bytes, tested by patterns
	// such as "?:\WINDOWS\SYSTEM32\ntdll.dll*".
	anchored bool
}

// directLen is the value length, per pattern, from which an anchored
// setTest tries its patterns in turn: trying one costs about what a pass
// of the automaton over a dozen bytes does.
const directLen = 16

// anchoredGlob reports whether a pattern's first or last part (as
// MatchFolded matches it), which Match compares at the value's start or
// end before anything else, holds at least three bytes of literal text.
func anchoredGlob(g *Glob) bool {
	if g.folded != nil {
		g = g.folded
	}
	if len(g.segs) < 2 {
		return true // no star: one comparison
	}
	literal := func(seg *globSeg) int { return len(seg.text) - seg.ones }
	return literal(&g.segs[0]) >= 3 || literal(&g.segs[len(g.segs)-1]) >= 3
}

// skipText is the length from which a value is first searched by a skip
// scan: on shorter ones the automaton's one pass costs as little.
const skipText = 128

// preMin is the number of wildcard patterns from which a setTest looks
// for their literal text first.
const preMin = 4

// prefilter sets up pre for the wildcard patterns.
func (t *setTest) prefilter() {
	if len(t.wild) < preMin {
		return
	}
	longest := func(n Need) int {
		if n.Op == NeedExists {
			return 1 << 20
		}
		return 1000 - min(len(n.Lit), 999)
	}
	var lits []string
	for i, w := range t.wild {
		n, _ := globNeed(0, w, longest)
		if n.Op == NeedExists {
			t.always = append(t.always, int32(i))
			continue
		}
		lits = append(lits, n.Lit)
		t.preOf = append(t.preOf, int32(i))
	}
	t.preLits = lits
	t.anchored = len(t.always) == 0
	for _, w := range t.wild {
		t.anchored = t.anchored && anchoredGlob(w)
	}
}

// build makes pre and skip from preLits, once.
func (t *setTest) build() {
	t.preOnce.Do(func() {
		t.pre = NewLiterals(t.preLits)
		t.skip = NewAnyFolded(t.preLits)
	})
}

// testWild tries the patterns whose literal text s holds.
func (t *setTest) testWild(s string) bool {
	if t.preLits == nil || t.anchored && len(s) >= directLen*len(t.wild) {
		for _, w := range t.wild {
			if w.Match(s) {
				return true
			}
		}
		return false
	}
	var buf [512]byte
	f := appendFold(buf[:0], s)
	return t.tryWild(s, unsafe.String(unsafe.SliceData(f), len(f)))
}

// tryWild tries the patterns whose literal text folded s, f, holds, and
// those without literal text.
func (t *setTest) tryWild(s, f string) bool {
	if t.anchored && len(f) >= directLen*len(t.wild) {
		for _, w := range t.wild {
			if w.MatchFolded(s, f) {
				return true
			}
		}
		return false
	}
	t.build()
	for _, i := range t.always {
		if t.wild[i].MatchFolded(s, f) {
			return true
		}
	}
	if t.skip != nil && len(f) >= skipText {
		if found, ok := t.skip.Contains(f); ok && !found {
			return false
		}
	}
	var hb [32]LiteralHit
	hits := t.pre.Find(f, hb[:0])
	var seen [8]uint64 // patterns tried, when there are at most 512
	for _, h := range hits {
		i := t.preOf[h.Lit]
		if i < 512 {
			if seen[i>>6]&(1<<(i&63)) != 0 {
				continue
			}
			seen[i>>6] |= 1 << (i & 63)
		}
		if t.wild[i].MatchFolded(s, f) {
			return true
		}
	}
	return false
}

// smallSet is the size up to which a set is scanned rather than hashed.
const smallSet = 8

// testFolded is test with s folded: fold sets compare it with their
// (folded) members, fold patterns match it byte for byte.
func (t *setTest) testFolded(s, f string) bool {
	if t.fold {
		if t.small != nil {
			for _, m := range t.small {
				if m == f {
					return true
				}
			}
		} else if _, ok := t.set[f]; ok {
			return true
		}
	} else if t.small != nil {
		for _, m := range t.small {
			if m == s {
				return true
			}
		}
	} else if _, ok := t.set[s]; ok {
		return true
	}
	if len(t.wild) == 0 {
		return false
	}
	if t.preLits == nil {
		for _, w := range t.wild {
			if w.MatchFolded(s, f) {
				return true
			}
		}
		return false
	}
	return t.tryWild(s, f)
}

// wantsFolded: the folded value serves the members of a set that folds,
// and the prefilter; an anchored list of patterns alone compares without
// case at the value's ends (Glob.Match), and folds short values itself.
func (t *setTest) wantsFolded() bool {
	return t.fold && (len(t.set) > 0 || !t.anchored) || t.preLits != nil && !t.anchored
}

func (t *setTest) test(s string) bool {
	if t.small != nil {
		for _, m := range t.small {
			if len(m) == len(s) || t.fold {
				if t.fold && EqualFold(s, m) || !t.fold && s == m {
					return true
				}
			}
		}
	} else if len(t.set) > 0 {
		if t.fold {
			var buf [128]byte
			if _, ok := t.set[string(appendFold(buf[:0], s))]; ok {
				return true
			}
		} else if _, ok := t.set[s]; ok {
			return true
		}
	}
	return len(t.wild) > 0 && t.testWild(s)
}

// regexTest is a whole-value regexp, tried only on values of a length it
// can match that hold one of the literals it needs.
type regexTest struct {
	re       *regexp.Regexp
	minRunes int      // the fewest runes a match has
	maxRunes int      // the most, or -1 for no bound
	lits     []string // folded; a match holds one (none: no check)
	nonASCII bool     // a match has a rune beyond ASCII
}

func (t regexTest) test(s string) bool {
	// A string of n bytes has between n/4 and n runes.
	if len(s) < t.minRunes || t.maxRunes >= 0 && len(s) > 4*t.maxRunes {
		return false
	}
	if t.nonASCII && IsASCII(s) {
		return false
	}
	if t.lits != nil {
		found := false
		for _, l := range t.lits {
			if ContainsFold(s, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return t.re.MatchString(s)
}

// StringEquals holds when the field equals value, ignoring case if fold.
func StringEquals(slot int, value string, fold bool) Pred {
	if fold {
		return &eqFoldPred{strPred{slot: slot, t: eqFoldTest(value)}, value}
	}
	return &eqPred{strPred{slot: slot, t: eqTest(value)}, value}
}

// Wildcard holds when the field matches a pattern in which * matches any
// characters and ? one character; other characters are literal. The
// pattern is rewritten to an equality, prefix, suffix or substring test
// where it can be.
func Wildcard(slot int, pattern string, fold bool) Pred {
	return WildcardGlob(slot, CompileGlob(pattern, GlobStarQuestion, fold))
}

// WildcardGlob holds when the field matches a compiled pattern, tested as
// Wildcard tests it.
func WildcardGlob(slot int, g *Glob) Pred {
	if g.IsLiteral() {
		return StringEquals(slot, g.Literal(), g.fold)
	}
	return newStrPred(slot, g)
}

// Prefix holds when the field starts with prefix (every character of
// which is literal).
func Prefix(slot int, prefix string, fold bool) Pred {
	return newStrPred(slot, literalGlob([]string{prefix, ""}, fold))
}

// Suffix holds when the field ends with suffix.
func Suffix(slot int, suffix string, fold bool) Pred {
	return newStrPred(slot, literalGlob([]string{"", suffix}, fold))
}

// Contains holds when the field contains sub.
func Contains(slot int, sub string, fold bool) Pred {
	return newStrPred(slot, literalGlob([]string{"", sub, ""}, fold))
}

// StringIn holds when the field equals one of values (a set lookup).
func StringIn(slot int, values []string, fold bool) Pred {
	return WildcardIn(slot, values, fold, false)
}

// WildcardIn holds when the field matches one of patterns. With wildcards
// false the patterns are plain values. Patterns without wildcards become a
// set lookup; the others are tried in turn.
func WildcardIn(slot int, patterns []string, fold, wildcards bool) Pred {
	return predOfTest(slot, patternTest(patterns, fold, wildcards))
}

// predOfTest wraps a string test in the fastest predicate for it.
func predOfTest(slot int, t strTest) Pred {
	switch t := t.(type) {
	case eqFoldTest:
		return StringEquals(slot, string(t), true)
	case eqTest:
		return StringEquals(slot, string(t), false)
	}
	return newStrPred(slot, t)
}

// patternTest compiles a list of values or wildcard patterns to one test.
func patternTest(patterns []string, fold, wildcards bool) strTest {
	t := &setTest{set: map[string]struct{}{}, fold: fold}
	for _, p := range patterns {
		if wildcards && hasWildcard(p) {
			w := CompileGlob(p, GlobStarQuestion, fold)
			if w.MatchesAll() {
				return w
			}
			t.wild = append(t.wild, w)
			continue
		}
		if fold {
			p = foldString(p)
		}
		t.set[p] = struct{}{}
	}
	if len(t.set) == 1 && len(t.wild) == 0 {
		for k := range t.set {
			if fold {
				return eqFoldTest(k)
			}
			return eqTest(k)
		}
	}
	if len(t.set) == 0 && len(t.wild) == 1 {
		return t.wild[0]
	}
	if len(t.set) <= smallSet {
		t.small = []string{}
		for k := range t.set {
			t.small = append(t.small, k)
		}
		sort.Strings(t.small)
	}
	t.prefilter()
	return t
}

// StringTest is a compiled test of one string, for front ends that apply
// a pattern list outside a field predicate (EQL's `:` on an expression) as
// well as to a field.
type StringTest struct{ t strTest }

// WildcardTest compiles patterns (* and ? wildcards, as Wildcard) to one
// test that holds when any of them matches.
func WildcardTest(patterns []string, fold bool) StringTest {
	return StringTest{patternTest(patterns, fold, true)}
}

// RegexTest compiles Lucene regular expressions (as Regex) to one test
// that holds when any of them matches the whole value. A pattern that does
// not compile gives a *PatternError.
func RegexTest(patterns []string, fold bool) (StringTest, error) {
	var res regexesTest
	for i, p := range patterns {
		re, err := compileLucene(p, fold)
		if err != nil {
			return StringTest{}, &PatternError{Index: i, Err: err}
		}
		res = append(res, newRegexTest(re))
	}
	if len(res) == 1 {
		return StringTest{res[0]}, nil
	}
	return StringTest{res}, nil
}

// PatternError is a pattern of a list that does not compile.
type PatternError struct {
	Index int // in the list
	Err   error
}

func (e *PatternError) Error() string { return e.Err.Error() }

func (e *PatternError) Unwrap() error { return e.Err }

// Test reports whether s passes the test.
func (t StringTest) Test(s string) bool { return t.t.test(s) }

// Pred returns the test as a predicate on a field (any element of an
// array, numbers and booleans in their keyword form).
func (t StringTest) Pred(slot int) Pred { return predOfTest(slot, t.t) }

// Regex holds when the whole field value matches a Lucene regular
// expression (Elasticsearch's regexp syntax).
func Regex(slot int, pattern string, fold bool) (Pred, error) {
	re, err := compileLucene(pattern, fold)
	if err != nil {
		return nil, err
	}
	return newStrPred(slot, newRegexTest(re)), nil
}

// cmpPred compares a field's values with a constant of the field's type.
type cmpPred struct {
	slot int
	op   CmpOp
	lit  event.Value
	t    Type
	// precomputed literal forms
	ns   int64
	addr netip.Addr
}

func (p *cmpPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if p.test(e) {
				return true
			}
		}
		return false
	}
	return p.test(v)
}

func (p *cmpPred) test(v event.Value) bool {
	switch v.Kind() {
	case event.KindMissing, event.KindNull, event.KindArray, event.KindObject:
		return false
	}
	switch p.t {
	case TDate:
		ns, ok := timeOf(v)
		return ok && p.op.Holds(cmp3(ns, p.ns))
	case TIP:
		a, ok := ipOf(v)
		return ok && p.op.Holds(Order(as16(a).Compare(p.addr)))
	case TInt, TFloat:
		if v.Kind() == event.KindInt && p.lit.Kind() == event.KindInt {
			return p.op.Holds(cmp3(v.Int(), p.lit.Int()))
		}
	}
	return p.op.Holds(CompareScalars(v, p.lit, p.t, false))
}

// Compare holds when a value of the field compares with lit by op: as
// numbers, strings (byte order), dates (t TDate: epoch milliseconds or ISO
// strings), addresses (TIP) or versions (TVersion). With t TUnknown the
// values' own kinds decide.
func Compare(slot int, op CmpOp, lit event.Value, t Type) (Pred, error) {
	p := &cmpPred{slot: slot, op: op, lit: lit, t: t}
	switch t {
	case TDate:
		ns, ok := timeOf(lit)
		if !ok {
			return nil, fmt.Errorf("%s is not a date", litString(lit))
		}
		p.ns = ns
	case TIP:
		a, ok := ipOf(lit)
		if !ok {
			return nil, fmt.Errorf("%q is not an IP address", lit.Str())
		}
		p.addr = as16(a)
	}
	if op == OpNeq {
		p.op = OpEq
		return Not(p), nil
	}
	return p, nil
}

func litString(v event.Value) string {
	if v.Kind() == event.KindString {
		return strconv.Quote(v.Str())
	}
	return v.String()
}

// Range holds when a value of the field lies between lo and hi; a missing
// bound (the zero Value) is open.
func Range(slot int, lo, hi event.Value, loIncl, hiIncl bool, t Type) (Pred, error) {
	var ps []Pred
	if lo.Kind() != event.KindMissing {
		op := OpGt
		if loIncl {
			op = OpGte
		}
		p, err := Compare(slot, op, lo, t)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	if hi.Kind() != event.KindMissing {
		op := OpLt
		if hiIncl {
			op = OpLte
		}
		p, err := Compare(slot, op, hi, t)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	if len(ps) == 2 {
		// both bounds must hold for the same element
		return &rangePred{slot: slot, lo: ps[0].(*cmpPred), hi: ps[1].(*cmpPred)}, nil
	}
	return And(ps...), nil
}

type rangePred struct {
	slot   int
	lo, hi *cmpPred
}

func (p *rangePred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if p.lo.test(e) && p.hi.test(e) {
				return true
			}
		}
		return false
	}
	return p.lo.test(v) && p.hi.test(v)
}

// cidrPred holds when an address of the field lies in one of the prefixes.
type cidrPred struct {
	slot     int
	prefixes CIDRs
}

func (p *cidrPred) Match(ev *event.Event) bool {
	v := ev.Get(p.slot)
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if p.test(e) {
				return true
			}
		}
		return false
	}
	return p.test(v)
}

func (p *cidrPred) test(v event.Value) bool { return p.prefixes.Contains(v) }

// CIDRs is a list of address prefixes, for CIDR tests that front ends run
// outside a field predicate (EQL's cidrMatch on an expression).
type CIDRs []netip.Prefix

// Contains reports whether v is an address string within one of the
// prefixes.
func (c CIDRs) Contains(v event.Value) bool {
	a, ok := ipOf(v)
	if !ok {
		return false
	}
	for _, pr := range c {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// CIDR holds when an address of the field lies in one of the prefixes
// ("10.0.0.0/8", "fe80::/10"; a lone address is a /32 or /128).
func CIDR(slot int, cidrs []string) (Pred, error) {
	ps, err := ParseCIDRs(cidrs)
	if err != nil {
		return nil, err
	}
	return &cidrPred{slot, ps}, nil
}

// ParseCIDRs parses CIDR blocks or lone addresses (a /32 or /128).
func ParseCIDRs(cidrs []string) (CIDRs, error) {
	var out CIDRs
	for _, c := range cidrs {
		p, err := parsePrefix(c)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parsePrefix parses a CIDR block or a lone address, unmapping IPv4-mapped
// IPv6 so that it contains plain IPv4 addresses.
func parsePrefix(c string) (netip.Prefix, error) {
	if !strings.Contains(c, "/") {
		a, err := netip.ParseAddr(c)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR block", c)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(c)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block", c)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Script is a condition that only evaluating it can decide: the form of
// conditions Elasticsearch runs as scripts (EQL functions, arithmetic),
// where null stays null and not(null) is null. Needs finds no condition in
// a Script and Witness leaves it to the caller's check, so a front end
// marks such predicates with it rather than hiding them from the analyses.
type Script interface {
	Pred
	// Script marks the predicate; it does nothing.
	Script()
}
