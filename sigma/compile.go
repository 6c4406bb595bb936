package sigma

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// Env is what compiling a rule needs from its engine.
type Env struct {
	// Slot returns the schema slot of a document field, registering it.
	Slot func(field string) int
	// Placeholders are the values of the expand modifier's %name%
	// placeholders.
	Placeholders map[string][]string
	// NoLogsource leaves out the logsource's channel and event id
	// selection (for tests that give one rule one file of its events).
	NoLogsource bool
}

// UnsupportedError is a valid rule that uses what vigil cannot evaluate.
type UnsupportedError struct{ Reason string }

func (e *UnsupportedError) Error() string { return e.Reason }

func unsupported(format string, args ...any) error {
	return &UnsupportedError{Reason: fmt.Sprintf(format, args...)}
}

// Compile compiles a detection rule to one predicate: its logsource's
// selection and the OR of its conditions. Errors are positioned in the
// rule file; *UnsupportedError says why a valid rule cannot run.
func (r *Rule) Compile(env Env) (match.Pred, error) {
	if r.Detection == nil {
		return nil, fmt.Errorf("%s: not a detection rule", r.Pos)
	}
	ls := match.True()
	var err error
	if !env.NoLogsource {
		if ls, err = r.Logsource.Pred(env.Slot); err != nil {
			return nil, err
		}
	}
	c := &compiler{r: r, env: env, fields: fieldsOf(r.Logsource), done: map[string]match.Pred{}}
	p, err := c.detection(r.Detection)
	if err != nil {
		return nil, err
	}
	return match.And(ls, p), nil
}

// CompileFilter compiles a filter's condition, which is ANDed into the
// rules it names (write `condition: not selection` to exclude).
func (r *Rule) CompileFilter(env Env) (match.Pred, error) {
	if r.Filter == nil || r.Filter.Detection == nil {
		return nil, fmt.Errorf("%s: not a filter", r.Pos)
	}
	c := &compiler{r: r, env: env, fields: fieldsOf(r.Logsource), done: map[string]match.Pred{}}
	return c.detection(r.Filter.Detection)
}

// compiler compiles one rule's detection.
type compiler struct {
	r      *Rule
	env    Env
	fields fieldMap
	done   map[string]match.Pred
	d      *Detection
	// cur is the search being compiled; unset the searches that read a
	// placeholder without values, with the reason (see transform).
	cur   string
	unset map[string]error
}

func (c *compiler) errorf(p srcpos.Pos, format string, args ...any) error {
	return srcpos.NewError(c.r.src, p, "sigma: "+fmt.Sprintf(format, args...))
}

func (c *compiler) detection(d *Detection) (match.Pred, error) {
	c.d = d
	var ors []match.Pred
	for _, e := range d.Conditions {
		p, err := c.cond(e)
		if err != nil {
			return nil, err
		}
		if err := c.negativeOnly(e, false); err != nil {
			return nil, err
		}
		ors = append(ors, p)
	}
	return match.Or(ors...), nil
}

// negativeOnly checks that every search reading a placeholder without
// values is used under an odd number of nots (neg: e is). Such a
// search compiles as if the placeholder's list were empty, which makes
// it match less than with any values; where the condition negates it
// (an allowlist: `selection and not filter`), the rule matches more,
// never less. Used positively, the rule would be silently weakened, so
// it is unsupported.
func (c *compiler) negativeOnly(e Expr, neg bool) error {
	if len(c.unset) == 0 {
		return nil
	}
	check := func(name string) error {
		if err, ok := c.unset[name]; ok && !neg {
			return unsupported("%v, in %s, which the condition does not negate", err, name)
		}
		return nil
	}
	switch e := e.(type) {
	case *And:
		if err := c.negativeOnly(e.L, neg); err != nil {
			return err
		}
		return c.negativeOnly(e.R, neg)
	case *Or:
		if err := c.negativeOnly(e.L, neg); err != nil {
			return err
		}
		return c.negativeOnly(e.R, neg)
	case *Not:
		return c.negativeOnly(e.X, !neg)
	case *Ident:
		return check(e.Name)
	case *Of:
		for _, name := range c.d.Names {
			if e.Pattern == "them" && !strings.HasPrefix(name, "_") || e.Pattern != "them" && globMatch(e.Pattern, name) {
				if err := check(name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *compiler) cond(e Expr) (match.Pred, error) {
	switch e := e.(type) {
	case *And:
		return c.pair(e.L, e.R, match.And)
	case *Or:
		return c.pair(e.L, e.R, match.Or)
	case *Not:
		x, err := c.cond(e.X)
		if err != nil {
			return nil, err
		}
		return match.Not(x), nil
	case *Ident:
		if _, ok := c.d.Searches[e.Name]; !ok {
			return nil, c.errorf(c.d.Pos, "condition names %q, which the detection does not define", e.Name)
		}
		return c.search(e.Name)
	case *Of:
		var ps []match.Pred
		for _, name := range c.d.Names {
			if e.Pattern == "them" && !strings.HasPrefix(name, "_") || e.Pattern != "them" && globMatch(e.Pattern, name) {
				p, err := c.search(name)
				if err != nil {
					return nil, err
				}
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return nil, c.errorf(c.d.Pos, "condition %q matches no search", e.String())
		}
		switch {
		case e.N == 0:
			return match.And(ps...), nil
		case e.N == 1:
			return match.Or(ps...), nil
		case e.N > len(ps):
			return match.False(), nil
		}
		return atLeast{n: e.N, ps: ps}, nil
	}
	return nil, fmt.Errorf("sigma: unknown condition %T", e)
}

// pair compiles the two sides of a binary condition and joins them.
func (c *compiler) pair(l, r Expr, join func(...match.Pred) match.Pred) (match.Pred, error) {
	lp, err := c.cond(l)
	if err != nil {
		return nil, err
	}
	rp, err := c.cond(r)
	if err != nil {
		return nil, err
	}
	return join(lp, rp), nil
}

// globMatch matches a search name pattern (only * is a wildcard).
func globMatch(pattern, name string) bool {
	ok, err := path.Match(strings.NewReplacer("?", `\?`, "[", `\[`, `\`, `\\`).Replace(pattern), name)
	return err == nil && ok
}

// atLeast holds when n of ps do (`2 of selection_*`).
type atLeast struct {
	n  int
	ps []match.Pred
}

func (a atLeast) Match(ev *event.Event) bool {
	k := 0
	for _, p := range a.ps {
		if p.Match(ev) {
			if k++; k >= a.n {
				return true
			}
		}
	}
	return false
}

func (c *compiler) search(name string) (match.Pred, error) {
	if p, ok := c.done[name]; ok {
		return p, nil
	}
	s := c.d.Searches[name]
	c.cur = name
	var ors []match.Pred
	for _, m := range s.Maps {
		var ands []match.Pred
		for _, it := range m.Items {
			p, err := c.item(it)
			if err != nil {
				return nil, err
			}
			ands = append(ands, p)
		}
		ors = append(ors, match.And(ands...))
	}
	if len(s.Keywords) > 0 {
		p, err := c.keywords(s)
		if err != nil {
			return nil, err
		}
		ors = append(ors, p)
	}
	p := match.Or(ors...)
	c.done[name] = p
	return p, nil
}

// mods is an item's modifiers, sorted out.
type mods struct {
	kind       string   // "", contains, startswith, endswith, re, cidr, lt, lte, gt, gte, exists
	part       string   // minute...year: the part of a date compared (with "" or lt...gte)
	transforms []string // base64, base64offset, utf16le, utf16be, utf16, windash, expand, in order
	all, cased bool
	neq        bool
	fieldref   bool // compare with another field named by the value
	reFlags    string
}

var transformMods = map[string]bool{
	"base64": true, "base64offset": true, "utf16le": true, "wide": true, "utf16be": true, "utf16": true,
	"windash": true, "expand": true,
}

var kindMods = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "re": true, "cidr": true,
	"lt": true, "lte": true, "gt": true, "gte": true, "exists": true,
}

func (c *compiler) parseMods(it *Item) (mods, error) {
	var m mods
	for _, s := range it.Mods {
		switch {
		case transformMods[s]:
			if s == "wide" {
				s = "utf16le"
			}
			m.transforms = append(m.transforms, s)
		case s == "all":
			m.all = true
		case s == "cased":
			m.cased = true
		case s == "neq":
			m.neq = true
		case s == "fieldref":
			m.fieldref = true
		case s == "i" || s == "m" || s == "s":
			m.reFlags += s
		case timeParts[s] != [2]int{}:
			if m.part != "" && m.part != s {
				return m, c.errorf(it.Pos, "field %q: modifiers %s and %s do not combine", it.Field, m.part, s)
			}
			m.part = s
		case kindMods[s]:
			if m.kind != "" && m.kind != s {
				return m, c.errorf(it.Pos, "field %q: modifiers %s and %s do not combine", it.Field, m.kind, s)
			}
			m.kind = s
		default:
			return m, c.errorf(it.Pos, "field %q: unknown modifier %q", it.Field, s)
		}
	}
	if m.reFlags != "" && m.kind != "re" {
		return m, c.errorf(it.Pos, "field %q: modifier %q applies to re only", it.Field, m.reFlags[:1])
	}
	if m.part != "" && (m.kind != "" && cmpOps[m.kind] == 0 || len(m.transforms) > 0 || m.fieldref || m.cased) {
		return m, c.errorf(it.Pos, "field %q: %s combines with lt, lte, gt, gte, neq and all only", it.Field, m.part)
	}
	return m, nil
}

// item compiles one field condition.
func (c *compiler) item(it *Item) (match.Pred, error) {
	m, err := c.parseMods(it)
	if err != nil {
		return nil, err
	}
	src := c.fields.source(it.Field)
	switch m.kind {
	case "exists":
		if len(it.Values) != 1 || it.Values[0].Kind != VBool {
			return nil, c.errorf(it.Pos, "field %q: exists takes true or false", it.Field)
		}
		p := src.exists(c.env.Slot)
		if it.Values[0].S == "false" || it.Values[0].S == "False" {
			p = match.Not(p)
		}
		return p, nil
	}
	var ps []match.Pred
	if strKind(m.kind) && m.part == "" && !m.all && !m.fieldref {
		// One test for the whole list: a set lookup or prefiltered patterns.
		var globs []string
		for _, v := range it.Values {
			if v.Kind == VNull {
				p, err := c.value(it, m, src, v)
				if err != nil {
					return nil, err
				}
				ps = append(ps, p)
				continue
			}
			strs, err := c.transform(it, m, v)
			if err != nil {
				return nil, err
			}
			for _, s := range strs {
				globs = append(globs, s.glob(m.kind))
			}
		}
		if len(globs) > 0 {
			ps = append(ps, src.str(c.env.Slot, globs, !m.cased))
		}
		p := match.Or(ps...)
		if m.neq {
			p = match.Not(p)
		}
		return p, nil
	}
	for _, v := range it.Values {
		p, err := c.value(it, m, src, v)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	var p match.Pred
	if m.all {
		p = match.And(ps...)
	} else {
		p = match.Or(ps...)
	}
	if m.neq {
		p = match.Not(p)
	}
	return p, nil
}

// value compiles one value of a field condition.
func (c *compiler) value(it *Item, m mods, src source, v Value) (match.Pred, error) {
	if v.Kind == VNull {
		if m.kind != "" || m.part != "" || len(m.transforms) > 0 {
			return nil, c.errorf(v.Pos, "field %q: null takes no modifier", it.Field)
		}
		return match.Not(src.exists(c.env.Slot)), nil
	}
	if m.part != "" {
		op := match.OpEq
		if m.kind != "" {
			op = cmpOps[m.kind]
		}
		p, err := src.timePart(c.env.Slot, m.part, op, v.S)
		if err != nil {
			return nil, c.errorf(v.Pos, "field %q: %v", it.Field, err)
		}
		return p, nil
	}
	if m.fieldref {
		if !strKind(m.kind) || len(m.transforms) > 0 {
			return nil, c.errorf(it.Pos, "field %q: fieldref combines with contains, startswith and endswith only", it.Field)
		}
		return src.fieldRef(c.env.Slot, c.fields.source(v.S), m), nil
	}
	switch m.kind {
	case "re":
		if len(m.transforms) > 0 {
			return nil, c.errorf(it.Pos, "field %q: re takes no value transformation", it.Field)
		}
		return src.regex(c.env.Slot, v.S, m.reFlags)
	case "cidr":
		p, err := src.cidr(c.env.Slot, v.S)
		if err != nil {
			return nil, c.errorf(v.Pos, "field %q: %v", it.Field, err)
		}
		return p, nil
	case "lt", "lte", "gt", "gte":
		n, err := strconv.ParseFloat(v.S, 64)
		if err != nil {
			return nil, c.errorf(v.Pos, "field %q: %s takes a number, not %q", it.Field, m.kind, v.S)
		}
		return src.compare(c.env.Slot, cmpOps[m.kind], n)
	}
	strs, err := c.transform(it, m, v)
	if err != nil {
		return nil, err
	}
	if len(strs) == 0 {
		return match.False(), nil // a placeholder without values
	}
	var globs []string
	for _, s := range strs {
		globs = append(globs, s.glob(m.kind))
	}
	return src.str(c.env.Slot, globs, !m.cased), nil
}

// cmpOps are the comparison modifiers' operators.
var cmpOps = map[string]match.CmpOp{"lt": match.OpLt, "lte": match.OpLte, "gt": match.OpGt, "gte": match.OpGte}

// strKind reports whether a match kind compares strings.
func strKind(kind string) bool {
	return kind == "" || kind == "contains" || kind == "startswith" || kind == "endswith"
}

// transform applies an item's value transformations (windash, expand,
// utf16, base64) in the order written.
func (c *compiler) transform(it *Item, m mods, v Value) ([]sstring, error) {
	strs := []sstring{parseSString(v.S, v.Kind == VString)}
	for _, t := range m.transforms {
		var out []sstring
		for _, s := range strs {
			r, err := c.transformOne(t, s)
			if u, ok := err.(*unsetError); ok {
				// An empty list: the value matches nothing. Sound
				// only where the search is negated (negativeOnly)
				// and the item is not (neq).
				if m.neq {
					return nil, unsupported("field %q: %v, under neq", it.Field, u)
				}
				if c.unset == nil {
					c.unset = map[string]error{}
				}
				if c.unset[c.cur] == nil {
					c.unset[c.cur] = fmt.Errorf("field %q: %v", it.Field, u)
				}
				continue
			}
			if u, ok := err.(*UnsupportedError); ok {
				return nil, unsupported("field %q: %s", it.Field, u.Reason)
			}
			if err != nil {
				return nil, c.errorf(v.Pos, "field %q: %v", it.Field, err)
			}
			out = append(out, r...)
		}
		if len(out) > maxVariants {
			return nil, unsupported("field %q: %d variants of a value after %s (at most %d)", it.Field, len(out), t, maxVariants)
		}
		strs = out
	}
	return strs, nil
}

func (c *compiler) transformOne(t string, s sstring) ([]sstring, error) {
	switch t {
	case "windash":
		return s.windash(), nil
	case "expand":
		return s.expand(c.env.Placeholders)
	}
	lit, ok := s.literal()
	if !ok {
		return nil, fmt.Errorf("%s takes a value without wildcards", t)
	}
	switch t {
	case "utf16le":
		return []sstring{literalS(encodeUTF16(lit, false, false))}, nil
	case "utf16be":
		return []sstring{literalS(encodeUTF16(lit, true, false))}, nil
	case "utf16":
		return []sstring{literalS(encodeUTF16(lit, false, true))}, nil
	case "base64":
		return []sstring{literalS(base64Std(lit))}, nil
	case "base64offset":
		var out []sstring
		for _, x := range base64Offsets(lit) {
			out = append(out, literalS(x))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown transformation %s", t)
}

// maxVariants bounds the values one value may expand to (windash,
// expand).
const maxVariants = 1024

// UnsetPlaceholders returns the placeholders the rule's expand values
// name that have no values, in the order written. A rule that compiles
// with some reads them only in negated searches (allowlists): each is an
// empty list that excludes nothing, so the rule runs and is noisier than
// with the values, never weaker.
func (r *Rule) UnsetPlaceholders(values map[string][]string) []string {
	var out []string
	for _, d := range []*Detection{r.Detection, r.filterDetection()} {
		if d == nil {
			continue
		}
		for _, name := range d.Names {
			for _, m := range d.Searches[name].Maps {
				for _, it := range m.Items {
					if !slices.Contains(it.Mods, "expand") {
						continue
					}
					for _, v := range it.Values {
						for _, p := range parseSString(v.S, v.Kind == VString).placeholders() {
							if _, ok := values[p]; !ok && !slices.Contains(out, p) {
								out = append(out, p)
							}
						}
					}
				}
			}
		}
	}
	return out
}

func (r *Rule) filterDetection() *Detection {
	if r.Filter == nil {
		return nil
	}
	return r.Filter.Detection
}
