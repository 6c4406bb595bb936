package eql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// evaluator computes an expression's value for an event: the general
// (script) form of evaluation, three-valued (null propagates).
type evaluator interface {
	eval(ev *event.Event) event.Value
}

type evalFunc func(ev *event.Event) event.Value

func (f evalFunc) eval(ev *event.Event) event.Value { return f(ev) }

type fieldEval int

func (s fieldEval) eval(ev *event.Event) event.Value { return ev.Get(int(s)) }

type constEval struct{ v event.Value }

func (c constEval) eval(*event.Event) event.Value { return c.v }

// node is a compiled expression with what the checker knows about it.
type node struct {
	t       match.Type
	isConst bool
	val     event.Value // when isConst
	e       evaluator
	field   *fieldInfo // a direct field reference
	refs    int        // field references below (for field-to-field checks)
	bad     bool       // an error was reported for it
	args    []*node    // a call's compiled arguments
	src     Expr
}

type fieldInfo struct {
	name   string
	slot   int
	t      match.Type
	esType string
}

func constNode(v event.Value, src Expr) *node {
	return &node{t: kindType(v), isConst: true, val: v, e: constEval{v}, src: src}
}

func badNode(src Expr) *node {
	return &node{t: match.TUnknown, bad: true, isConst: true, val: event.Null(), e: constEval{event.Null()}, src: src}
}

func kindType(v event.Value) match.Type {
	switch v.Kind() {
	case event.KindNull, event.KindMissing:
		return match.TNull
	case event.KindBool:
		return match.TBool
	case event.KindInt:
		return match.TInt
	case event.KindFloat:
		return match.TFloat
	case event.KindString:
		return match.TString
	}
	return match.TUnknown
}

type compiler struct {
	src    string
	schema *event.Schema
	opt    Options
	errs   srcpos.ErrorList
}

func (c *compiler) errorf(p srcpos.Pos, format string, args ...any) {
	c.errs.Addf(c.src, p, "eql: "+format, args...)
}

// Compile checks a parsed query against opt.Schema and compiles it for
// events decoded with s: every field it references is registered in s and
// resolved to its slot now (a nil s checks the query without keeping the
// slots). It reports every error it finds as an
// srcpos.ErrorList: unknown fields and functions, wrong arity or argument types,
// comparisons Elasticsearch rejects.
func Compile(q *Query, s *event.Schema, opt Options) (*Program, error) {
	if opt.CategoryField == "" {
		opt.CategoryField = "event.category"
	}
	if s == nil {
		s = event.NewSchema() // checking only
	}
	c := &compiler{src: q.Src, schema: s, opt: opt}
	prog := &Program{Query: q, kind: q.Kind, Pipes: q.Pipes}
	switch q.Kind {
	case EventQuery:
		prog.Pred = c.compileFilter(q.Event)
	case SequenceQuery:
		sq := q.Sequence
		shared := c.compileKeys(sq.By)
		for _, st := range sq.Stages {
			prog.Stages = append(prog.Stages, c.compileStage(st, shared))
		}
		if sq.Until != nil {
			prog.Until = c.compileStage(sq.Until, shared)
		}
		if sq.MaxSpan != nil {
			prog.MaxSpan = sq.MaxSpan.D
		}
		prog.KeyNames = keyNames(sq.By, sq.Stages)
	case SampleQuery:
		sq := q.Sample
		shared := c.compileKeys(sq.By)
		for _, st := range sq.Stages {
			prog.Stages = append(prog.Stages, c.compileStage(st, shared))
		}
		prog.KeyNames = keyNames(sq.By, sq.Stages)
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return prog, nil
}

// Check reports the errors Compile would report for q, without keeping
// the compiled program.
func Check(q *Query, opt Options) error {
	_, err := Compile(q, event.NewSchema(), opt)
	return err
}

// CompileString parses and compiles a query.
func CompileString(src string, s *event.Schema, opt Options) (*Program, error) {
	q, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return Compile(q, s, opt)
}

func keyNames(shared []Expr, stages []*Stage) []string {
	var out []string
	for _, k := range shared {
		out = append(out, k.String())
	}
	if len(stages) > 0 {
		for _, k := range stages[0].By {
			out = append(out, k.String())
		}
	}
	return out
}

func (c *compiler) compileKeys(keys []Expr) []Key {
	var out []Key
	for _, k := range keys {
		n := c.compileValue(k)
		if n.t == match.TObject && !n.bad {
			c.errorf(k.Position(), "join key %s is an object field; join on a field with values", k)
		}
		f, _ := k.(*Field)
		out = append(out, Key{Get: keyFunc(n), Optional: f != nil && f.Optional, Name: k.String()})
	}
	return out
}

func keyFunc(n *node) KeyFunc {
	if n.field != nil {
		slot := n.field.slot
		return func(ev *event.Event) event.Value { return ev.Get(slot) }
	}
	e := n.e
	return e.eval
}

func (c *compiler) compileStage(st *Stage, shared []Key) *CompiledStage {
	cs := &CompiledStage{
		Pred:     c.compileFilter(st.Filter),
		Category: st.Filter.Category,
		Runs:     max(st.Runs, 1),
		Missing:  st.Missing,
		Stage:    st,
	}
	cs.Keys = append(append([]Key(nil), shared...), c.compileKeys(st.By)...)
	return cs
}

// compileFilter compiles `category where condition`.
func (c *compiler) compileFilter(f *EventFilter) match.Pred {
	cond := c.compileBool(f.Cond)
	if f.Category == "" && !f.Quoted {
		return cond
	}
	slot := c.schema.Slot(c.opt.CategoryField)
	return match.And(match.StringEquals(slot, f.Category, false), cond)
}

// field resolves a field reference. An optional field the schema does not
// know is null.
func (c *compiler) field(f *Field) *node {
	t, es, known := match.LookupType(c.opt.Schema, f.Name)
	if !known {
		if f.Optional {
			return constNode(event.Null(), f)
		}
		if !c.opt.AllowUnknownFields {
			c.errorf(f.Pos, "unknown field %q (write ?%s if it may be absent from the mapping)", f.Name, f.Name)
			return badNode(f)
		}
	}
	slot := c.schema.Slot(f.Name)
	n := &node{t: t, e: fieldEval(slot), src: f, refs: 1}
	if f.Optional {
		n.refs = 0 // ES allows optional fields on both sides
	}
	n.field = &fieldInfo{name: f.Name, slot: slot, t: t, esType: es}
	return n
}

// describe names an expression and its type for messages.
func describe(n *node) string {
	if n.field != nil {
		if n.field.esType != "" {
			return fmt.Sprintf("field %s (%s)", n.field.name, n.field.esType)
		}
		return "field " + n.field.name
	}
	if n.isConst {
		return fmt.Sprintf("%s (%s)", n.src, n.t)
	}
	return fmt.Sprintf("%s (%s)", n.src, n.t)
}

// compileValue compiles an expression in value (script) form.
func (c *compiler) compileValue(e Expr) *node {
	switch e := e.(type) {
	case *Literal:
		switch e.Kind {
		case LitNull:
			return constNode(event.Null(), e)
		case LitBool:
			return constNode(event.Bool(e.Bool), e)
		case LitInt:
			return constNode(event.Int(e.Int), e)
		case LitFloat:
			return constNode(event.Float(e.Float), e)
		}
		return constNode(event.Str(e.Str), e)
	case *Field:
		return c.field(e)
	case *Unary:
		return c.compileUnary(e)
	case *Binary:
		switch e.Op {
		case "and", "or":
			return c.compileLogic(e)
		case "+", "-", "*", "/", "%":
			return c.compileArith(e)
		}
		return c.compileCompare(e)
	case *Match:
		return c.compileMatchValue(e)
	case *In:
		return c.compileInValue(e)
	case *Call:
		return c.compileCall(e)
	}
	c.errorf(e.Position(), "unsupported expression %s", e)
	return badNode(e)
}

// precompute evaluates a node without fields at compile time (constant
// folding; "fold" elsewhere means case folding).
func precompute(n *node) *node {
	if n.isConst || n.refs > 0 || n.field != nil || n.bad {
		return n
	}
	if hasFieldBelow(n.src) {
		return n
	}
	v := n.e.eval(&event.Event{})
	out := constNode(v, n.src)
	if out.t == match.TNull && n.t != match.TUnknown {
		out.t = match.TNull
	}
	return out
}

func hasFieldBelow(e Expr) bool {
	switch e := e.(type) {
	case *Field:
		return true
	case *Unary:
		return hasFieldBelow(e.X)
	case *Binary:
		return hasFieldBelow(e.L) || hasFieldBelow(e.R)
	case *Match:
		return hasFieldBelow(e.X)
	case *In:
		if hasFieldBelow(e.X) {
			return true
		}
		for _, x := range e.List {
			if hasFieldBelow(x) {
				return true
			}
		}
	case *Call:
		for _, x := range e.Args {
			if hasFieldBelow(x) {
				return true
			}
		}
	}
	return false
}

func (c *compiler) compileUnary(e *Unary) *node {
	x := c.compileValue(e.X)
	if e.Op == "not" {
		if !x.bad && x.t != match.TBool && x.t != match.TUnknown && x.t != match.TNull {
			c.errorf(e.X.Position(), "'not' needs a boolean, found %s", describe(x))
			return badNode(e)
		}
		xe := x.e
		return precompute(&node{t: match.TBool, e: evalFunc(func(ev *event.Event) event.Value {
			return kleeneNot(xe.eval(ev))
		}), refs: x.refs, src: e})
	}
	if !x.bad && !x.t.IsNumeric() && x.t != match.TUnknown && x.t != match.TNull {
		c.errorf(e.Pos, "unary %s needs a number, found %s", e.Op, describe(x))
		return badNode(e)
	}
	if e.Op == "+" {
		return x
	}
	xe := x.e
	return precompute(&node{t: x.t, e: evalFunc(func(ev *event.Event) event.Value {
		return negate(xe.eval(ev))
	}), refs: x.refs, src: e})
}

func kleeneNot(v event.Value) event.Value {
	if v.Kind() == event.KindBool {
		return event.Bool(!v.Bool())
	}
	return event.Null()
}

// truth maps a value to three-valued logic: 1 true, 0 false, -1 null.
func truth(v event.Value) int {
	if v.Kind() == event.KindBool {
		if v.Bool() {
			return 1
		}
		return 0
	}
	return -1
}

func (c *compiler) compileLogic(e *Binary) *node {
	l, r := c.compileValue(e.L), c.compileValue(e.R)
	for _, x := range []*node{l, r} {
		if !x.bad && x.t != match.TBool && x.t != match.TUnknown && x.t != match.TNull {
			c.errorf(x.src.Position(), "'%s' needs booleans, found %s", e.Op, describe(x))
		}
	}
	le, re := l.e, r.e
	var f evalFunc
	if e.Op == "and" {
		f = func(ev *event.Event) event.Value {
			a := truth(le.eval(ev))
			if a == 0 {
				return event.Bool(false)
			}
			b := truth(re.eval(ev))
			switch {
			case b == 0:
				return event.Bool(false)
			case a == 1 && b == 1:
				return event.Bool(true)
			}
			return event.Null()
		}
	} else {
		f = func(ev *event.Event) event.Value {
			a := truth(le.eval(ev))
			if a == 1 {
				return event.Bool(true)
			}
			b := truth(re.eval(ev))
			switch {
			case b == 1:
				return event.Bool(true)
			case a == 0 && b == 0:
				return event.Bool(false)
			}
			return event.Null()
		}
	}
	return precompute(&node{t: match.TBool, e: f, refs: l.refs + r.refs, src: e})
}

func isNullLit(n *node) bool { return n.isConst && n.val.IsNull() && !n.bad }

// compareType picks the type that decides how two sides compare: a field's
// ip, date or version type wins.
func compareType(l, r *node) match.Type {
	for _, t := range []match.Type{l.t, r.t} {
		switch t {
		case match.TIP, match.TDate, match.TVersion:
			return t
		}
	}
	if l.t == match.TString || r.t == match.TString {
		return match.TString
	}
	return match.TUnknown
}

// compatible reports whether Elasticsearch would let the two types be
// compared.
func compatible(a, b match.Type) bool {
	if a == match.TUnknown || b == match.TUnknown || a == match.TNull || b == match.TNull {
		return true
	}
	if a == match.TObject || b == match.TObject {
		return false
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	if (a.IsNumeric() || a == match.TBool) && b == match.TString || a == match.TString && (b.IsNumeric() || b == match.TBool) {
		// Elasticsearch coerces a number to the keyword field's string
		// (and a numeric string to the number field's type).
		return true
	}
	if a == b {
		return true
	}
	switch {
	case a == match.TDate || b == match.TDate:
		o := b
		if b == match.TDate {
			o = a
		}
		return o == match.TString || o.IsNumeric()
	case a == match.TIP || b == match.TIP, a == match.TVersion || b == match.TVersion:
		o := b
		if b == match.TIP || b == match.TVersion {
			o = a
		}
		return o == match.TString
	}
	return false
}

// checkCompare reports comparisons Elasticsearch rejects. It returns false
// after an error.
func (c *compiler) checkCompare(e *Binary, l, r *node) bool {
	if l.bad || r.bad {
		return false
	}
	if l.refs > 0 && r.refs > 0 {
		c.errorf(e.Pos, "comparing a field to another field is not supported by Elasticsearch EQL: %s", e)
		return false
	}
	if !compatible(l.t, r.t) {
		c.errorf(e.Pos, "cannot compare %s with %s", describe(l), describe(r))
		return false
	}
	return true
}

func (c *compiler) compileCompare(e *Binary) *node {
	l, r := c.compileValue(e.L), c.compileValue(e.R)
	return c.compareNode(e, l, r)
}

func (c *compiler) compareNode(e *Binary, l, r *node) *node {
	if !c.checkCompare(e, l, r) {
		return badNode(e)
	}
	op, _ := match.ParseCmpOp(e.Op)
	refs := l.refs + r.refs
	// == null and != null test for absence, as Elasticsearch rewrites them
	// to IsNull and IsNotNull.
	if (op == match.OpEq || op == match.OpNeq) && (isNullLit(l) || isNullLit(r)) {
		x := l
		if isNullLit(l) {
			x = r
		}
		xe := x.e
		want := op == match.OpEq
		return precompute(&node{t: match.TBool, refs: refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
			return event.Bool(!xe.eval(ev).Exists() == want)
		})})
	}
	t := compareType(l, r)
	le, re := l.e, r.e
	return precompute(&node{t: match.TBool, refs: refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		return compareValues(op, le.eval(ev), re.eval(ev), t)
	})})
}

// compareValues compares two values with any-element semantics for
// arrays; null when either side is null.
func compareValues(op match.CmpOp, a, b event.Value, t match.Type) event.Value {
	if op == match.OpNeq {
		return kleeneNot(compareValues(match.OpEq, a, b, t))
	}
	switch r := anyCompare(op, a, b, t); r {
	case 1:
		return event.Bool(true)
	case 0:
		return event.Bool(false)
	}
	return event.Null()
}

func anyCompare(op match.CmpOp, a, b event.Value, t match.Type) int {
	if !a.Exists() || !b.Exists() {
		return -1
	}
	if a.Kind() == event.KindArray {
		res := -1
		for _, x := range a.Array() {
			switch anyCompare(op, x, b, t) {
			case 1:
				return 1
			case 0:
				res = 0
			}
		}
		return res
	}
	if b.Kind() == event.KindArray {
		res := -1
		for _, y := range b.Array() {
			switch anyCompare(op, a, y, t) {
			case 1:
				return 1
			case 0:
				res = 0
			}
		}
		return res
	}
	if a.Kind() == event.KindObject || b.Kind() == event.KindObject {
		return 0
	}
	if op.Holds(match.CompareScalars(a, b, t, false)) {
		return 1
	}
	return 0
}

// isStringish reports whether a type can hold strings for `:`, like,
// regex and the string functions.
func isStringish(t match.Type) bool {
	return t == match.TString || t == match.TUnknown || t == match.TNull
}

// patterns checks the constant patterns of a Match and returns them.
func (c *compiler) patterns(e *Match) ([]string, bool) {
	out := make([]string, 0, len(e.Patterns))
	ok := true
	for _, p := range e.Patterns {
		if l, isLit := p.(*Literal); isLit && l.Kind == LitString {
			// A string literal, the common case, needs no node built
			// and folded: a Match may list hundreds.
			out = append(out, l.Str)
			continue
		}
		n := c.compileValue(p)
		if n.bad {
			ok = false
			continue
		}
		if !n.isConst || n.val.Kind() != event.KindString {
			c.errorf(p.Position(), "the patterns of '%s' must be strings, found %s", e.Op, describe(n))
			ok = false
			continue
		}
		out = append(out, n.val.Str())
	}
	return out, ok
}

// matcher builds the string test of a Match (see buildMatcher), unless
// Prepare built it.
func (c *compiler) matcher(e *Match, pats []string) (match.StringTest, bool) {
	if e.test != nil {
		return *e.test, true
	}
	t, err := buildMatcher(e.Op, pats)
	if err != nil {
		var pe *match.PatternError
		if errors.As(err, &pe) {
			c.errorf(e.Patterns[pe.Index].Position(), "%v", pe.Err)
		} else {
			c.errorf(e.Pos, "%v", err)
		}
		return match.StringTest{}, false
	}
	return t, true
}

// buildMatcher builds the string test of a Match operator over its
// patterns: wildcard patterns for : and like, Lucene regexps for regex.
func buildMatcher(op string, pats []string) (match.StringTest, error) {
	fold := op == ":" || strings.HasSuffix(op, "~")
	if strings.HasPrefix(op, "regex") {
		return match.RegexTest(pats, fold)
	}
	return match.WildcardTest(pats, fold), nil
}

func (c *compiler) checkMatchSubject(e *Match, x *node) bool {
	if x.bad {
		return false
	}
	if !isStringish(x.t) {
		c.errorf(e.Pos, "'%s' compares strings, but %s is not one", e.Op, describe(x))
		return false
	}
	return true
}

func (c *compiler) compileMatchValue(e *Match) *node {
	x := c.compileValue(e.X)
	pats, ok := c.patterns(e)
	return c.matchNode(e, x, pats, ok)
}

func (c *compiler) matchNode(e *Match, x *node, pats []string, ok bool) *node {
	n, _ := c.matchTest(e, x, pats, ok)
	return n
}

// matchTest is matchNode that also returns the string test the node
// applies (the zero test when the node is bad), so that a field's
// predicate reuses it: compiling a long wildcard list is most of compiling
// some rules.
func (c *compiler) matchTest(e *Match, x *node, pats []string, ok bool) (*node, match.StringTest) {
	if !c.checkMatchSubject(e, x) || !ok {
		return badNode(e), match.StringTest{}
	}
	t, ok := c.matcher(e, pats)
	if !ok {
		return badNode(e), match.StringTest{}
	}
	xe := x.e
	return precompute(&node{t: match.TBool, refs: x.refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		return anyString(xe.eval(ev), t.Test)
	})}), t
}

// anyString applies a string test to a value with any-element semantics:
// null when the value is null.
func anyString(v event.Value, test func(string) bool) event.Value {
	switch v.Kind() {
	case event.KindMissing, event.KindNull:
		return event.Null()
	case event.KindString:
		return event.Bool(test(v.Str()))
	case event.KindInt, event.KindFloat, event.KindBool:
		var buf [32]byte
		return event.Bool(test(string(match.AppendScalar(buf[:0], v))))
	case event.KindArray:
		res := event.Null()
		for _, x := range v.Array() {
			r := anyString(x, test)
			if r.Kind() == event.KindBool {
				if r.Bool() {
					return r
				}
				res = r
			}
		}
		return res
	}
	return event.Bool(false)
}

// inList compiles the constant list of an `in`.
func (c *compiler) inList(e *In, x *node) ([]event.Value, bool) {
	var out []event.Value
	ok := true
	for _, item := range e.List {
		n := c.compileValue(item)
		if n.bad {
			ok = false
			continue
		}
		if !n.isConst {
			c.errorf(item.Position(), "the values of 'in' must be constants, found %s", describe(n))
			ok = false
			continue
		}
		if !compatible(x.t, n.t) {
			c.errorf(item.Position(), "cannot compare %s with %s", describe(x), describe(n))
			ok = false
			continue
		}
		out = append(out, n.val)
	}
	return out, ok
}

func (c *compiler) compileInValue(e *In) *node {
	x := c.compileValue(e.X)
	vals, ok := c.inList(e, x)
	return c.inNode(e, x, vals, ok)
}

func (c *compiler) inNode(e *In, x *node, vals []event.Value, ok bool) *node {
	if x.bad || !ok {
		return badNode(e)
	}
	t := compareType(x, x)
	fold := e.Insensitive
	xe := x.e
	not := e.Not
	return precompute(&node{t: match.TBool, refs: x.refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		v := xe.eval(ev)
		if !v.Exists() {
			return event.Null()
		}
		found := false
		for _, lit := range vals {
			if lit.IsNull() {
				continue
			}
			if anyEqual(v, lit, t, fold) {
				found = true
				break
			}
		}
		return event.Bool(found != not)
	})})
}

// anyEqual reports whether an element of v equals lit.
func anyEqual(v, lit event.Value, t match.Type, fold bool) bool {
	if v.Kind() == event.KindArray {
		for _, x := range v.Array() {
			if anyEqual(x, lit, t, fold) {
				return true
			}
		}
		return false
	}
	if !v.Exists() {
		return false
	}
	return match.CompareScalars(v, lit, t, fold) == 0
}
