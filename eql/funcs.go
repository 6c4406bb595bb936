package eql

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// argKind is what a function argument must be.
type argKind uint8

const (
	argAny argKind = iota
	argString
	argNumber
	argInt
	argBool
	argIP
)

// funcDef describes an Elasticsearch EQL function.
type funcDef struct {
	name     string // canonical spelling
	min, max int    // max -1: variadic
	fold     bool   // has a case-insensitive ~ form
	args     func(i int) argKind
	konst    func(i int) bool // arguments that must be constants
	ret      match.Type
	// impl computes the result for scalar arguments (arrays are mapped
	// by the caller); fold is set for the ~ form. Absent optional
	// arguments are missing values up to the third; a function that
	// takes more checks the length of its argument list.
	impl func(a callArgs, fold bool) event.Value
}

// callArgs are the arguments of a call, held by value: a slice passed
// through a function value (impl) would escape, and evaluating a function
// would allocate. Three fit inline (a fourth would cost more to copy on
// every call than it saves: BenchmarkFunctions); more are in a slice.
type callArgs struct {
	v    [3]event.Value
	n    int
	more []event.Value // more than len(v) arguments (concat)
}

func argsOf(vals []event.Value) callArgs {
	var c callArgs
	if len(vals) > len(c.v) {
		c.more = vals
		return c
	}
	c.n = copy(c.v[:], vals)
	return c
}

// list returns the arguments.
func (c *callArgs) list() []event.Value {
	if c.more != nil {
		return c.more
	}
	return c.v[:c.n]
}

func allOf(k argKind) func(int) argKind { return func(int) argKind { return k } }

func kinds(ks ...argKind) func(int) argKind {
	return func(i int) argKind {
		if i < len(ks) {
			return ks[i]
		}
		return ks[len(ks)-1]
	}
}

func from(n int) func(int) bool { return func(i int) bool { return i >= n } }

func arithImpl(op byte) func(callArgs, bool) event.Value {
	return func(c callArgs, _ bool) event.Value { return arith(op, c.v[0], c.v[1]) }
}

var funcs = map[string]*funcDef{}

func init() {
	for _, f := range []*funcDef{
		{name: "add", min: 2, max: 2, args: allOf(argNumber), ret: match.TUnknown, impl: arithImpl('+')},
		{name: "subtract", min: 2, max: 2, args: allOf(argNumber), ret: match.TUnknown, impl: arithImpl('-')},
		{name: "multiply", min: 2, max: 2, args: allOf(argNumber), ret: match.TUnknown, impl: arithImpl('*')},
		{name: "divide", min: 2, max: 2, args: allOf(argNumber), ret: match.TUnknown, impl: arithImpl('/')},
		{name: "modulo", min: 2, max: 2, args: allOf(argNumber), ret: match.TUnknown, impl: arithImpl('%')},
		{name: "between", min: 3, max: 4, fold: true, args: kinds(argString, argString, argString, argBool),
			konst: func(i int) bool { return i == 3 }, ret: match.TString, impl: fnBetween},
		{name: "cidrMatch", min: 2, max: -1, args: kinds(argIP, argString), konst: from(1), ret: match.TBool},
		{name: "concat", min: 1, max: -1, args: allOf(argAny), ret: match.TString, impl: fnConcat},
		{name: "endsWith", min: 2, max: 2, fold: true, args: allOf(argString), ret: match.TBool, impl: fnEndsWith},
		{name: "indexOf", min: 2, max: 3, fold: true, args: kinds(argString, argString, argNumber), ret: match.TInt, impl: fnIndexOf},
		{name: "length", min: 1, max: 1, args: allOf(argString), ret: match.TInt, impl: fnLength},
		{name: "number", min: 1, max: 2, args: kinds(argString, argInt), konst: func(i int) bool { return i == 1 }, ret: match.TUnknown, impl: fnNumber},
		{name: "startsWith", min: 2, max: 2, fold: true, args: allOf(argString), ret: match.TBool, impl: fnStartsWith},
		{name: "string", min: 1, max: 1, args: allOf(argAny), ret: match.TString, impl: fnString},
		{name: "stringContains", min: 2, max: 2, fold: true, args: allOf(argString), ret: match.TBool, impl: fnStringContains},
		{name: "substring", min: 2, max: 3, args: kinds(argString, argNumber), ret: match.TString, impl: fnSubstring},
	} {
		funcs[strings.ToLower(f.name)] = f
	}
}

// FunctionNames returns the EQL functions, as Elasticsearch spells them.
func FunctionNames() []string {
	var out []string
	for _, f := range funcs {
		out = append(out, f.name)
	}
	sort.Strings(out)
	return out
}

func (c *compiler) compileCall(e *Call) *node {
	def := funcs[strings.ToLower(e.Name)]
	if def == nil {
		msg := fmt.Sprintf("unknown function %q", e.Name)
		if s := suggest(e.Name); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		c.errorf(e.Pos, "%s", msg)
		for _, a := range e.Args {
			c.compileValue(a)
		}
		return badNode(e)
	}
	var args []*node
	bad := false
	for _, a := range e.Args {
		n := c.compileValue(a)
		args = append(args, n)
		bad = bad || n.bad
	}
	if e.Insensitive && !def.fold {
		c.errorf(e.Pos, "function %s has no case-insensitive form %s~", def.name, def.name)
		bad = true
	}
	switch {
	case len(args) < def.min || def.max >= 0 && len(args) > def.max:
		want := strconv.Itoa(def.min)
		switch {
		case def.max < 0:
			want = "at least " + want
		case def.max != def.min:
			want = fmt.Sprintf("%d to %d", def.min, def.max)
		}
		noun := "arguments"
		if want == "1" {
			noun = "argument"
		}
		c.errorf(e.Pos, "function %s takes %s %s, found %d", def.name, want, noun, len(args))
		return badNode(e)
	}
	refs := 0
	for i, a := range args {
		refs += a.refs
		if a.bad {
			continue
		}
		if def.konst != nil && def.konst(i) && !a.isConst {
			c.errorf(a.src.Position(), "argument %d of %s must be a constant, found %s", i+1, def.name, describe(a))
			bad = true
			continue
		}
		if !argOK(def.args(i), a.t) {
			c.errorf(a.src.Position(), "argument %d of %s must be %s, found %s", i+1, def.name, argKindName(def.args(i)), describe(a))
			bad = true
		}
	}
	if bad {
		return badNode(e)
	}
	n := &node{t: def.ret, refs: refs, src: e, args: args}
	if def.name == "cidrMatch" {
		var cidrs []string
		for _, a := range args[1:] {
			if a.val.Kind() != event.KindString {
				c.errorf(a.src.Position(), "argument of cidrMatch must be a match.CIDR string, found %s", describe(a))
				return badNode(e)
			}
			cidrs = append(cidrs, a.val.Str())
		}
		prefixes, err := match.ParseCIDRs(cidrs)
		if err != nil {
			c.errorf(e.Pos, "cidrMatch: %v", err)
			return badNode(e)
		}
		src := args[0].e

		n.e = evalFunc(func(ev *event.Event) event.Value {
			v := src.eval(ev)
			if !v.Exists() {
				return event.Null()
			}
			if v.Kind() == event.KindArray {
				for _, x := range v.Array() {
					if prefixes.Contains(x) {
						return event.Bool(true)
					}
				}
				return event.Bool(false)
			}
			return event.Bool(prefixes.Contains(v))
		})
		return precompute(n)
	}
	if def.name == "number" && len(args) == 2 {
		if b := args[1].val; b.Kind() == event.KindInt && (b.Int() < 2 || b.Int() > 36) {
			c.errorf(args[1].src.Position(), "number: base must be from 2 to 36, found %d", b.Int())
			return badNode(e)
		}
	}
	if def.name == "add" || def.name == "subtract" || def.name == "multiply" || def.name == "divide" || def.name == "modulo" {
		switch {
		case args[0].t == match.TFloat || args[1].t == match.TFloat:
			n.t = match.TFloat
		case args[0].t == match.TInt && args[1].t == match.TInt:
			n.t = match.TInt
		}
	}
	evals := make([]evaluator, len(args))
	for i, a := range args {
		evals[i] = a.e
	}
	impl, insensitive, arity := def.impl, e.Insensitive, def.max
	if arity < 0 || arity > len(callArgs{}.v) {
		arity = len(args)
	}
	n.e = evalFunc(func(ev *event.Event) event.Value {
		var c callArgs
		var vals []event.Value
		if arity > len(c.v) {
			c.more = make([]event.Value, arity)
			vals = c.more
		} else {
			c.n = arity
			vals = c.v[:arity]
		}
		hasArray := false
		for i, x := range evals {
			v := x.eval(ev)
			hasArray = hasArray || v.Kind() == event.KindArray
			vals[i] = v
		}
		if hasArray {
			cp := append([]event.Value(nil), vals...)
			return mapArgs(cp, func(a []event.Value) event.Value { return impl(argsOf(a), insensitive) })
		}
		return impl(c, insensitive)
	})
	return precompute(n)
}

func argOK(k argKind, t match.Type) bool {
	if t == match.TUnknown || t == match.TNull {
		return true
	}
	switch k {
	case argString:
		return t == match.TString
	case argNumber:
		return t.IsNumeric()
	case argInt:
		return t == match.TInt
	case argBool:
		return t == match.TBool
	case argIP:
		return t == match.TIP
	}
	return t != match.TObject
}

func argKindName(k argKind) string {
	switch k {
	case argString:
		return "a string"
	case argNumber:
		return "a number"
	case argInt:
		return "an integer"
	case argBool:
		return "a boolean"
	case argIP:
		return "an ip field"
	}
	return "a value"
}

// suggest returns the function name closest to name, if close enough.
func suggest(name string) string {
	best, bestD := "", 3
	for _, f := range funcs {
		if d := levenshtein(strings.ToLower(name), strings.ToLower(f.name)); d < bestD {
			best, bestD = f.name, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func isStr(v event.Value) bool { return v.Kind() == event.KindString }

// lowerJava lower-cases s as Java's toLowerCase(Locale.ROOT) does for the
// case-insensitive string functions; it allocates only when s changes.
func lowerJava(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// fnBetween is between(source, left, right[, greedy]).
func fnBetween(c callArgs, fold bool) event.Value {
	a := c.list()
	if a[0].IsNull() || a[1].IsNull() || a[2].IsNull() {
		return event.Null()
	}
	if !isStr(a[0]) || !isStr(a[1]) || !isStr(a[2]) {
		return event.Null()
	}
	s, left, right := a[0].Str(), a[1].Str(), a[2].Str()
	greedy := len(a) > 3 && a[3].Kind() == event.KindBool && a[3].Bool()
	if s == "" || left == "" || right == "" {
		return event.Str(s)
	}
	match := s
	if fold {
		match, left, right = lowerJava(s), lowerJava(left), lowerJava(right)
		if len(match) != len(s) {
			// lower-casing changed the width; search the original
			match, left, right = s, a[1].Str(), a[2].Str()
			return betweenFold(s, left, right, greedy)
		}
	}
	i := strings.Index(match, left)
	if i < 0 {
		return event.Str("")
	}
	start := i + len(left)
	var end int
	if greedy {
		end = strings.LastIndex(match, right)
	} else {
		end = strings.Index(match[start:], right)
		if end >= 0 {
			end += start
		}
	}
	if end < 0 || end < start {
		return event.Str("")
	}
	return event.Str(s[start:end])
}

func betweenFold(s, left, right string, greedy bool) event.Value {
	i := match.IndexFold(s, left)
	if i < 0 {
		return event.Str("")
	}
	start := i + match.PrefixLenFold(s[i:], left)
	end := -1
	if greedy {
		for j := len(s); j >= 0; j-- {
			if j <= len(s) && match.HasPrefixFold(s[j:], right) {
				end = j
				break
			}
		}
	} else if k := match.IndexFold(s[start:], right); k >= 0 {
		end = start + k
	}
	if end < start {
		return event.Str("")
	}
	return event.Str(s[start:end])
}

func fnConcat(c callArgs, _ bool) event.Value {
	a := c.list()
	var b []byte
	for _, v := range a {
		switch v.Kind() {
		case event.KindString, event.KindInt, event.KindFloat, event.KindBool:
			b = match.AppendScalar(b, v)
		default:
			return event.Null()
		}
	}
	return event.Str(string(b))
}

func fnEndsWith(c callArgs, fold bool) event.Value {
	a := c.list()
	if !isStr(a[0]) || !isStr(a[1]) {
		return event.Null()
	}
	if fold {
		return event.Bool(match.HasSuffixFold(a[0].Str(), a[1].Str()))
	}
	return event.Bool(strings.HasSuffix(a[0].Str(), a[1].Str()))
}

func fnStartsWith(c callArgs, fold bool) event.Value {
	a := c.list()
	if !isStr(a[0]) || !isStr(a[1]) {
		return event.Null()
	}
	if fold {
		return event.Bool(match.HasPrefixFold(a[0].Str(), a[1].Str()))
	}
	return event.Bool(strings.HasPrefix(a[0].Str(), a[1].Str()))
}

func fnStringContains(c callArgs, fold bool) event.Value {
	a := c.list()
	if !isStr(a[0]) || !isStr(a[1]) {
		return event.Null()
	}
	s, sub := a[0].Str(), a[1].Str()
	if s == "" || sub == "" {
		return event.Bool(false)
	}
	if fold {
		return event.Bool(match.ContainsFold(s, sub))
	}
	return event.Bool(strings.Contains(s, sub))
}

// fnIndexOf is indexOf(source, substring[, start]): a UTF-16 index, or
// null when not found.
func fnIndexOf(c callArgs, fold bool) event.Value {
	a := c.list()
	if !isStr(a[0]) || !isStr(a[1]) {
		return event.Null()
	}
	start := int64(0)
	switch a[2].Kind() {
	case event.KindInt, event.KindFloat:
		start = a[2].Int()
	case event.KindMissing, event.KindNull:
	default:
		return event.Null()
	}
	s, sub := a[0].Str(), a[1].Str()
	if fold {
		s, sub = lowerJava(s), lowerJava(sub)
	}
	n := u16len(s)
	if start < 0 {
		start = 0
	}
	if start >= int64(n) {
		if sub == "" {
			return event.Int(int64(n))
		}
		return event.Null()
	}
	from := u16ToByte(s, int(start))
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return event.Null()
	}
	return event.Int(int64(byteToU16(s, from+i)))
}

func fnLength(c callArgs, _ bool) event.Value {
	a := c.list()
	if !isStr(a[0]) {
		return event.Null()
	}
	return event.Int(int64(u16len(a[0].Str())))
}

// fnNumber is number(string[, base]): a long, or a double in base 10 when
// the text is not an integer; 0x selects base 16 when no base is given.
func fnNumber(c callArgs, _ bool) event.Value {
	a := c.list()
	if !isStr(a[0]) {
		return event.Null()
	}
	s := a[0].Str()
	hex := strings.HasPrefix(s, "0x")
	base := int64(10)
	switch a[1].Kind() {
	case event.KindInt:
		base = a[1].Int()
	case event.KindMissing, event.KindNull:
		if hex {
			base = 16
		}
	default:
		return event.Null()
	}
	if hex && base == 16 {
		s = s[2:]
	}
	if base == 10 {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return event.Int(i)
		}
		if f, ok := parseJavaDouble(s); ok {
			return event.Float(f)
		}
		return event.Null()
	}
	if base < 2 || base > 36 {
		return event.Null()
	}
	i, err := strconv.ParseInt(s, int(base), 64)
	if err != nil {
		return event.Null()
	}
	return event.Int(i)
}

// parseJavaDouble reads a number as Java's Double.valueOf does: surrounding
// white space is ignored, a trailing d/D/f/F is allowed, and NaN and
// Infinity are spelled so.
func parseJavaDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return 0, false
	}
	switch s {
	case "NaN", "+NaN", "-NaN":
		f, _ := strconv.ParseFloat("NaN", 64)
		return f, true
	case "Infinity", "+Infinity":
		f, _ := strconv.ParseFloat("Inf", 64)
		return f, true
	case "-Infinity":
		f, _ := strconv.ParseFloat("-Inf", 64)
		return f, true
	}
	if c := s[len(s)-1]; c == 'd' || c == 'D' || c == 'f' || c == 'F' {
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || c == 'x' || c == 'X' || c == 'p' || c == 'P' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

func fnString(c callArgs, _ bool) event.Value {
	a := c.list()
	switch a[0].Kind() {
	case event.KindString:
		return a[0]
	case event.KindInt, event.KindFloat, event.KindBool:
		return event.Str(string(match.AppendScalar(nil, a[0])))
	}
	return event.Null()
}

// fnSubstring is substring(source, start[, end]) with Python slice
// semantics (negative indexes count from the end), in UTF-16 units.
func fnSubstring(c callArgs, _ bool) event.Value {
	a := c.list()
	if !isStr(a[0]) {
		return event.Null()
	}
	s := a[0].Str()
	if s == "" {
		return a[0]
	}
	n := int64(u16len(s))
	start, end := int64(0), n
	switch a[1].Kind() {
	case event.KindInt, event.KindFloat:
		start = a[1].Int()
	case event.KindMissing, event.KindNull:
	default:
		return event.Null()
	}
	switch a[2].Kind() {
	case event.KindInt, event.KindFloat:
		end = a[2].Int()
	case event.KindMissing, event.KindNull:
	default:
		return event.Null()
	}
	if start < 0 {
		start += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end += n
	}
	if end < 0 {
		end = 0
	} else if end > n {
		end = n
	}
	if start >= end {
		return event.Str("")
	}
	if match.IsASCII(s) {
		return event.Str(s[start:end])
	}
	return event.Str(s[u16ToByte(s, int(start)):u16ToByte(s, int(end))])
}
