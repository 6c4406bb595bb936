package eql

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/event"
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
	t       Type
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
	t      Type
	esType string
}

func constNode(v event.Value, src Expr) *node {
	return &node{t: kindType(v), isConst: true, val: v, e: constEval{v}, src: src}
}

func badNode(src Expr) *node {
	return &node{t: TUnknown, bad: true, isConst: true, val: event.Null(), e: constEval{event.Null()}, src: src}
}

func kindType(v event.Value) Type {
	switch v.Kind() {
	case event.KindNull, event.KindMissing:
		return TNull
	case event.KindBool:
		return TBool
	case event.KindInt:
		return TInt
	case event.KindFloat:
		return TFloat
	case event.KindString:
		return TString
	}
	return TUnknown
}

type compiler struct {
	src    string
	schema *event.Schema
	opt    Options
	errs   ErrorList
}

func (c *compiler) errorf(p Pos, format string, args ...any) {
	c.errs.add(c.src, p, format, args...)
}

// Compile checks a parsed query against opt.Schema and compiles it for
// events decoded with s: every field it references is registered in s and
// resolved to its slot now (a nil s checks the query without keeping the
// slots). It reports every error it finds as an
// *ErrorList: unknown fields and functions, wrong arity or argument types,
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
	if err := c.errs.err(); err != nil {
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
		if n.t == TObject && !n.bad {
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
func (c *compiler) compileFilter(f *EventFilter) Pred {
	cond := c.compileBool(f.Cond)
	if f.Category == "" && !f.Quoted {
		return cond
	}
	slot := c.schema.Slot(c.opt.CategoryField)
	return And(StringEquals(slot, f.Category, false), cond)
}

// field resolves a field reference. An optional field the schema does not
// know is null.
func (c *compiler) field(f *Field) *node {
	t, es, known := c.lookupField(f.Name)
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

// fold evaluates a node without fields at compile time.
func fold(n *node) *node {
	if n.isConst || n.refs > 0 || n.field != nil || n.bad {
		return n
	}
	if hasFieldBelow(n.src) {
		return n
	}
	v := n.e.eval(&event.Event{})
	out := constNode(v, n.src)
	if out.t == TNull && n.t != TUnknown {
		out.t = TNull
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
		if !x.bad && x.t != TBool && x.t != TUnknown && x.t != TNull {
			c.errorf(e.X.Position(), "'not' needs a boolean, found %s", describe(x))
			return badNode(e)
		}
		xe := x.e
		return fold(&node{t: TBool, e: evalFunc(func(ev *event.Event) event.Value {
			return kleeneNot(xe.eval(ev))
		}), refs: x.refs, src: e})
	}
	if !x.bad && !x.t.isNumeric() && x.t != TUnknown && x.t != TNull {
		c.errorf(e.Pos, "unary %s needs a number, found %s", e.Op, describe(x))
		return badNode(e)
	}
	if e.Op == "+" {
		return x
	}
	xe := x.e
	return fold(&node{t: x.t, e: evalFunc(func(ev *event.Event) event.Value {
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
		if !x.bad && x.t != TBool && x.t != TUnknown && x.t != TNull {
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
	return fold(&node{t: TBool, e: f, refs: l.refs + r.refs, src: e})
}

func isNullLit(n *node) bool { return n.isConst && n.val.IsNull() && !n.bad }

// compareType picks the type that decides how two sides compare: a field's
// ip, date or version type wins.
func compareType(l, r *node) Type {
	for _, t := range []Type{l.t, r.t} {
		switch t {
		case TIP, TDate, TVersion:
			return t
		}
	}
	if l.t == TString || r.t == TString {
		return TString
	}
	return TUnknown
}

// compatible reports whether Elasticsearch would let the two types be
// compared.
func compatible(a, b Type) bool {
	if a == TUnknown || b == TUnknown || a == TNull || b == TNull {
		return true
	}
	if a == TObject || b == TObject {
		return false
	}
	if a.isNumeric() && b.isNumeric() {
		return true
	}
	if (a.isNumeric() || a == TBool) && b == TString || a == TString && (b.isNumeric() || b == TBool) {
		// Elasticsearch coerces a number to the keyword field's string
		// (and a numeric string to the number field's type).
		return true
	}
	if a == b {
		return true
	}
	switch {
	case a == TDate || b == TDate:
		o := b
		if b == TDate {
			o = a
		}
		return o == TString || o.isNumeric()
	case a == TIP || b == TIP, a == TVersion || b == TVersion:
		o := b
		if b == TIP || b == TVersion {
			o = a
		}
		return o == TString
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
	op := cmpOpNames[e.Op]
	refs := l.refs + r.refs
	// == null and != null test for absence, as Elasticsearch rewrites them
	// to IsNull and IsNotNull.
	if (op == OpEq || op == OpNeq) && (isNullLit(l) || isNullLit(r)) {
		x := l
		if isNullLit(l) {
			x = r
		}
		xe := x.e
		want := op == OpEq
		return fold(&node{t: TBool, refs: refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
			return event.Bool(!xe.eval(ev).Exists() == want)
		})})
	}
	t := compareType(l, r)
	le, re := l.e, r.e
	return fold(&node{t: TBool, refs: refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		return compareValues(op, le.eval(ev), re.eval(ev), t)
	})})
}

// compareValues compares two values with any-element semantics for
// arrays; null when either side is null.
func compareValues(op CmpOp, a, b event.Value, t Type) event.Value {
	if op == OpNeq {
		return kleeneNot(compareValues(OpEq, a, b, t))
	}
	switch r := anyCompare(op, a, b, t); r {
	case 1:
		return event.Bool(true)
	case 0:
		return event.Bool(false)
	}
	return event.Null()
}

func anyCompare(op CmpOp, a, b event.Value, t Type) int {
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
	if op.holds(compareScalars(a, b, t, false)) {
		return 1
	}
	return 0
}

// isStringish reports whether a type can hold strings for `:`, like,
// regex and the string functions.
func isStringish(t Type) bool { return t == TString || t == TUnknown || t == TNull }

// patterns checks the constant patterns of a Match and returns them.
func (c *compiler) patterns(e *Match) ([]string, bool) {
	var out []string
	ok := true
	for _, p := range e.Patterns {
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

// matcher builds the string test of a Match: wildcard patterns for : and
// like, Lucene regexps for regex.
func (c *compiler) matcher(e *Match, pats []string) (strTest, bool) {
	fold := e.Op == ":" || strings.HasSuffix(e.Op, "~")
	if strings.HasPrefix(e.Op, "regex") {
		var res []regexTest
		for i, p := range pats {
			re, err := compileLucene(p, fold)
			if err != nil {
				c.errorf(e.Patterns[i].Position(), "%v", err)
				return nil, false
			}
			res = append(res, newRegexTest(re))
		}
		if len(res) == 1 {
			return res[0], true
		}
		return regexesTest(res), true
	}
	return patternTest(pats, fold, true), true
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
	if !c.checkMatchSubject(e, x) || !ok {
		return badNode(e)
	}
	t, ok := c.matcher(e, pats)
	if !ok {
		return badNode(e)
	}
	xe := x.e
	return fold(&node{t: TBool, refs: x.refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
		return anyString(xe.eval(ev), t.test)
	})})
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
		return event.Bool(test(string(appendScalar(buf[:0], v))))
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
	return fold2(&node{t: TBool, refs: x.refs, src: e, e: evalFunc(func(ev *event.Event) event.Value {
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

func fold2(n *node) *node { return fold(n) }

// anyEqual reports whether an element of v equals lit.
func anyEqual(v, lit event.Value, t Type, fold bool) bool {
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
	return compareScalars(v, lit, t, fold) == 0
}
