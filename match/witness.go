package match

import (
	"math/rand/v2"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/event"
)

// Witness proposes field values under which p may hold: an example event
// for a rule, to test what runs it (rule indexes, routing) on events the
// rule matches. It follows one random branch of each disjunction, gives
// each field test a value that passes it (several tests of one field give
// an array, as any element may satisfy each), varies case where the test
// ignores it, and ignores negations and scripts, so the caller must check
// the result with p.Match and may try again with other random choices. ok
// is false when a test cannot be satisfied this way (a comparison of
// dates, say).
func Witness(p Pred, rng *rand.Rand) (values map[int][]event.Value, ok bool) {
	w := witness{rng: rng, vals: map[int][]event.Value{}}
	if !w.pred(p) {
		return nil, false
	}
	return w.vals, true
}

type witness struct {
	rng  *rand.Rand
	vals map[int][]event.Value
}

func (w *witness) add(slot int, v event.Value) { w.vals[slot] = append(w.vals[slot], v) }

func (w *witness) pred(p Pred) bool {
	switch x := p.(type) {
	case constPred:
		return bool(x)
	case andPred:
		for _, c := range x {
			if !w.pred(c) {
				return false
			}
		}
		return true
	case and2:
		return w.pred(x.a) && w.pred(x.b)
	case orPred:
		// Try the branches from a random one on.
		start := w.rng.IntN(len(x))
		for i := range x {
			saved := w.snapshot()
			if w.pred(x[(start+i)%len(x)]) {
				return true
			}
			w.vals = saved
		}
		return false
	case notPred, Script:
		return true // left to the caller's check
	case existsPred:
		w.add(x.slot, event.Str("x"))
		return true
	case *eqPred:
		w.add(x.slot, event.Str(x.s))
		return true
	case *eqFoldPred:
		w.add(x.slot, event.Str(w.recase(x.s)))
		return true
	case *strPred:
		s, ok := w.test(x.t)
		if ok {
			w.add(x.slot, event.Str(s))
		}
		return ok
	case *cmpPred:
		v, ok := w.compare(x)
		if ok {
			w.add(x.slot, v)
		}
		return ok
	case *rangePred:
		v, ok := w.compare(x.lo)
		if ok && x.hi.test(v) {
			w.add(x.slot, v)
			return true
		}
		return false
	case *cidrPred:
		if len(x.prefixes) == 0 {
			return false
		}
		w.add(x.slot, event.Str(x.prefixes[w.rng.IntN(len(x.prefixes))].Addr().String()))
		return true
	}
	return false
}

func (w *witness) snapshot() map[int][]event.Value {
	c := make(map[int][]event.Value, len(w.vals))
	for k, v := range w.vals {
		c[k] = append([]event.Value(nil), v...)
	}
	return c
}

// recase changes the case of some letters.
func (w *witness) recase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if w.rng.IntN(3) == 0 {
			r = unicode.SimpleFold(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// test returns a string a string test passes.
func (w *witness) test(t strTest) (string, bool) {
	switch x := t.(type) {
	case eqTest:
		return string(x), true
	case eqFoldTest:
		return w.recase(string(x)), true
	case *Glob:
		return w.wildcard(x), true
	case *setTest:
		n := len(x.wild)
		if x.small != nil {
			n += len(x.small)
		} else {
			n += len(x.set)
		}
		if n == 0 {
			return "", false
		}
		i := w.rng.IntN(n)
		if i < len(x.wild) {
			return w.wildcard(x.wild[i]), true
		}
		i -= len(x.wild)
		var members []string
		if x.small != nil {
			members = x.small
		} else {
			for m := range x.set {
				members = append(members, m)
			}
			// map order is random: sort for determinism under a seed
			sort.Strings(members)
		}
		return w.maybeRecase(members[i], x.fold), true
	case regexTest:
		return w.regex(x)
	case regexesTest:
		if len(x) == 0 {
			return "", false
		}
		return w.regex(x[w.rng.IntN(len(x))])
	}
	return "", false
}

func (w *witness) maybeRecase(s string, fold bool) string {
	if fold {
		return w.recase(s)
	}
	return s
}

// wildcard instantiates a pattern: * as a short run, ? as one letter.
func (w *witness) wildcard(g *Glob) string {
	var b strings.Builder
	for k, seg := range g.segs {
		if k > 0 {
			b.WriteString([]string{"", "q", "zq\\"}[w.rng.IntN(3)])
		}
		for j, r := range seg.text {
			switch {
			case r == '?' && seg.isOne(j):
				b.WriteByte('c')
			case g.fold && w.rng.IntN(3) == 0:
				b.WriteRune(unicode.SimpleFold(r))
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// regex generates a string a whole-value regexp matches.
func (w *witness) regex(t regexTest) (string, bool) {
	r, err := syntax.Parse(t.re.String(), syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !w.gen(&b, r.Simplify(), 0) {
		return "", false
	}
	return b.String(), true
}

func (w *witness) gen(b *strings.Builder, r *syntax.Regexp, depth int) bool {
	if depth > 50 {
		return false
	}
	switch r.Op {
	case syntax.OpLiteral:
		for _, c := range r.Rune {
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(r.Rune) == 0 {
			return false
		}
		i := w.rng.IntN(len(r.Rune)/2) * 2
		lo, hi := r.Rune[i], r.Rune[i+1]
		c := lo + rune(w.rng.IntN(int(min(hi-lo, 25))+1))
		if !utf8.ValidRune(c) {
			c = lo
		}
		b.WriteRune(c)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
	case syntax.OpCapture:
		return w.gen(b, r.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
		if w.rng.IntN(2) == 0 {
			return w.gen(b, r.Sub[0], depth+1)
		}
	case syntax.OpPlus:
		for range 1 + w.rng.IntN(2) {
			if !w.gen(b, r.Sub[0], depth+1) {
				return false
			}
		}
	case syntax.OpRepeat:
		n := r.Min
		if r.Max > r.Min {
			n += w.rng.IntN(min(r.Max-r.Min, 3) + 1)
		} else if r.Max < 0 {
			n += w.rng.IntN(2)
		}
		for range n {
			if !w.gen(b, r.Sub[0], depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, s := range r.Sub {
			if !w.gen(b, s, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return w.gen(b, r.Sub[w.rng.IntN(len(r.Sub))], depth+1)
	default:
		return false
	}
	return true
}

// compare returns a value a comparison with a constant passes.
func (w *witness) compare(x *cmpPred) (event.Value, bool) {
	lit := x.lit
	switch x.t {
	case TIP:
		a := x.addr
		switch x.op {
		case OpEq, OpGte, OpLte:
		case OpGt:
			a = a.Next()
		case OpLt:
			a = a.Prev()
		}
		if !a.IsValid() {
			return event.Value{}, false
		}
		return event.Str(a.Unmap().String()), true
	case TDate, TVersion:
		if x.op == OpEq || x.op == OpGte || x.op == OpLte {
			return lit, true
		}
		return event.Value{}, false
	}
	switch lit.Kind() {
	case event.KindInt:
		n := lit.Int()
		switch x.op {
		case OpGt:
			n++
		case OpLt:
			n--
		}
		return event.Int(n), true
	case event.KindFloat:
		f := lit.Float()
		switch x.op {
		case OpGt:
			f++
		case OpLt:
			f--
		}
		return event.Float(f), true
	case event.KindBool, event.KindString:
		if x.op == OpEq || x.op == OpGte || x.op == OpLte {
			return lit, true
		}
	}
	return event.Value{}, false
}
