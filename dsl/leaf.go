package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// The field-level queries below are Elasticsearch's, with the semantics
// the field's type gives them; each returns the predicate for a field
// name, which may hold * wildcards (the predicate is then the disjunction
// over the fields the name expands to, none: never true). Errors are those
// Elasticsearch would fail the search with ("For input string" on a
// numeric field, a wildcard on an ip field); their messages do not name a
// position, which callers add.

// forEach compiles fn for each field a name expands to and ORs the results.
func (c *Compiler) forEach(name string, fn func(Field) (match.Pred, error)) (match.Pred, error) {
	if !strings.Contains(name, "*") {
		return fn(c.Field(name))
	}
	var ps []match.Pred
	for _, n := range c.Expand(name) {
		p, err := fn(c.Field(n))
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return Or(ps...), nil
}

// Term is a term query: the field holds value exactly as indexed (no
// analysis). On keyword fields that is case-sensitive equality unless
// caseInsensitive; on text fields it is one token, which the analyzer
// lowercased; numbers, booleans, dates and addresses are parsed by the
// field's type.
func (c *Compiler) Term(field string, value any, caseInsensitive bool) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		return c.term(f, value, caseInsensitive)
	})
}

func (c *Compiler) term(f Field, value any, ci bool) (match.Pred, error) {
	switch f.kind {
	case kKeyword, kVersion:
		return match.StringEquals(f.Slot, keywordString(value), ci), nil
	case kText:
		s := keywordString(value)
		if ci {
			s = lower(s)
		}
		return textTerm(f.Slot, s), nil
	case kInt, kFloat:
		lit, err := numberLit(f, value, false)
		if err != nil || lit.Kind() == event.KindMissing {
			return match.False(), err
		}
		return match.Compare(f.Slot, match.OpEq, lit, match.TypeOf(f.Type))
	case kBool:
		b, err := boolValue(f, value)
		if err != nil {
			return nil, err
		}
		return match.StringEquals(f.Slot, strconv.FormatBool(b), false), nil
	case kDate:
		s := keywordString(value)
		return c.dateRange(f, Range{Gte: s, Lte: s})
	case kIP:
		s := keywordString(value)
		p, err := match.CIDR(f.Slot, []string{s})
		if err != nil {
			return nil, fmt.Errorf("'%s' is not an IP string literal (field %s is of type ip)", s, f.Name)
		}
		return p, nil
	}
	return nil, fmt.Errorf("field %s of type %s cannot be searched by value", f.Name, f.typeName())
}

// Terms is a terms query: the field holds one of values.
func (c *Compiler) Terms(field string, values []any) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		if f.kind == kKeyword || f.kind == kVersion {
			ss := make([]string, len(values))
			for i, v := range values {
				ss[i] = keywordString(v)
			}
			if len(ss) == 0 {
				return match.False(), nil
			}
			return match.StringIn(f.Slot, ss, false), nil
		}
		var ps []match.Pred
		for _, v := range values {
			p, err := c.term(f, v, false)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		return Or(ps...), nil
	})
}

// Match is a match query: on text fields any of the value's tokens (every
// one with and), elsewhere a term query on the value.
func (c *Compiler) Match(field string, value any, and bool) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		if f.kind == kText {
			if and {
				return textMatchAll(f.Slot, keywordString(value)), nil
			}
			return textMatch(f.Slot, keywordString(value)), nil
		}
		return c.term(f, value, false)
	})
}

// MatchPhrase is a match_phrase query: on text fields the value's tokens
// in order and adjacent, elsewhere a term query on the value.
func (c *Compiler) MatchPhrase(field string, value any) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		if f.kind == kText {
			return textPhrase(f.Slot, keywordString(value)), nil
		}
		return c.term(f, value, false)
	})
}

// Wildcard is a wildcard query in Lucene's syntax: * matches any
// characters, ? one, a backslash escapes the next character. On text
// fields the pattern is matched against each token.
func (c *Compiler) Wildcard(field, pattern string, caseInsensitive bool) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		return c.glob(f, "wildcard", pattern, caseInsensitive)
	})
}

// Prefix is a prefix query.
func (c *Compiler) Prefix(field, prefix string, caseInsensitive bool) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		return c.glob(f, "prefix", match.EscapeGlob(prefix)+"*", caseInsensitive)
	})
}

// QueryStringWildcard is a wildcard or prefix term of a query_string
// query, the query Kibana builds for a KQL value with wildcards when it
// does not know the field's type: parts are the literal text between the
// * wildcards. The pattern is normalized as the field's search analyzer
// does (text fields: lowercased) and, on text fields, matched against
// each token.
func (c *Compiler) QueryStringWildcard(field string, parts []string) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		if f.kind == kText {
			// normalized as the field's search analyzer does
			lower := make([]string, len(parts))
			for i, p := range parts {
				lower[i] = strings.ToLower(p)
			}
			parts = lower
		}
		return c.glob(f, "wildcard", starParts(parts), false)
	})
}

// starParts writes literal parts with a * between each two, in Lucene's
// wildcard syntax: KQL's wildcards ("a*b" is {"a", "b"}; ? is literal).
func starParts(parts []string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = match.EscapeGlob(p)
	}
	return strings.Join(esc, "*")
}

// glob compiles a pattern in Lucene's wildcard syntax: on keyword fields
// against the whole value, on text fields against each (lowercased) token.
func (c *Compiler) glob(f Field, what string, pattern string, ci bool) (match.Pred, error) {
	switch f.kind {
	case kKeyword:
		return match.WildcardGlob(f.Slot, match.CompileGlob(pattern, match.GlobLucene, ci)), nil
	case kText:
		return textGlob(f.Slot, match.CompileGlob(pattern, match.GlobLucene, ci)), nil
	}
	return nil, fmt.Errorf("can only use %s queries on keyword, text and wildcard fields - not on %s which is of type %s", what, f.Name, f.typeName())
}

// Exists is an exists query: the field has a value.
func (c *Compiler) Exists(field string) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		return match.Exists(f.Slot), nil
	})
}

// Range is the bounds of a range query; nil bounds are absent.
type Range struct {
	Gt, Gte, Lt, Lte any
}

// Range is a range query, compared by the field's type: numbers, dates
// (with date math), addresses, versions, or strings in byte order for
// keyword fields. On a field of unknown type, a bound that is a number
// compares numerically.
func (c *Compiler) Range(field string, r Range) (match.Pred, error) {
	return c.forEach(field, func(f Field) (match.Pred, error) {
		return c.rangeOf(f, r)
	})
}

func (c *Compiler) rangeOf(f Field, r Range) (match.Pred, error) {
	if f.kind == kDate {
		return c.dateRange(f, r)
	}
	var t match.Type
	switch f.kind {
	case kKeyword, kBool:
		t = match.TString
		if f.Type == "" {
			t = match.TUnknown
		}
	case kInt, kFloat, kIP, kVersion:
		t = match.TypeOf(f.Type)
	default:
		return nil, fmt.Errorf("range queries on field %s of type %s are not supported", f.Name, f.typeName())
	}
	lit := func(v any) (event.Value, error) {
		switch t {
		case match.TInt, match.TFloat:
			return numberLit(f, v, true)
		case match.TUnknown:
			if n, ok := v.(int64); ok {
				return event.Int(n), nil
			}
			if x, ok := v.(float64); ok {
				return event.Float(x), nil
			}
			s := keywordString(v)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return event.Int(n), nil
			}
			if x, err := strconv.ParseFloat(s, 64); err == nil {
				return event.Float(x), nil
			}
			return event.Str(s), nil
		}
		return event.Str(keywordString(v)), nil
	}
	var lo, hi event.Value
	loIncl, hiIncl := false, false
	var err error
	switch {
	case r.Gte != nil:
		lo, err = lit(r.Gte)
		loIncl = true
	case r.Gt != nil:
		lo, err = lit(r.Gt)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case r.Lte != nil:
		hi, err = lit(r.Lte)
		hiIncl = true
	case r.Lt != nil:
		hi, err = lit(r.Lt)
	}
	if err != nil {
		return nil, err
	}
	if lo.Kind() == event.KindMissing && hi.Kind() == event.KindMissing {
		return match.Exists(f.Slot), nil
	}
	p, err := match.Range(f.Slot, lo, hi, loIncl, hiIncl, t)
	if err != nil {
		return nil, fmt.Errorf("%v (field %s is of type %s)", err, f.Name, f.typeName())
	}
	return p, nil
}

// dateRange compiles a range on a date field. Bounds relative to now are
// computed when the predicate is matched.
func (c *Compiler) dateRange(f Field, r Range) (match.Pred, error) {
	var bounds []dateBound
	dynamic := false
	add := func(v any, op match.CmpOp) error {
		if v == nil {
			return nil
		}
		var e *dateExpr
		switch v := v.(type) {
		case int64:
			e = &dateExpr{anchor: timeMillis(v)}
		case float64:
			e = &dateExpr{anchor: timeMillis(int64(v))}
		default:
			var err error
			if e, err = parseDateExpr(keywordString(v)); err != nil {
				return fmt.Errorf("%v (field %s is of type date)", err, f.Name)
			}
		}
		dynamic = dynamic || e.now
		bounds = append(bounds, dateBound{e: e, op: op})
		return nil
	}
	for _, b := range []struct {
		v  any
		op match.CmpOp
	}{{r.Gt, match.OpGt}, {r.Gte, match.OpGte}, {r.Lt, match.OpLt}, {r.Lte, match.OpLte}} {
		if err := add(b.v, b.op); err != nil {
			return nil, err
		}
	}
	if len(bounds) == 0 {
		return match.Exists(f.Slot), nil
	}
	if dynamic {
		return &nowRangePred{slot: f.Slot, bounds: bounds, now: c.now}, nil
	}
	var lo, hi event.Value
	for _, b := range bounds {
		switch b.op {
		case match.OpGt:
			lo = event.Str(event.FormatTime(b.e.eval(zeroTime, true) + 1))
		case match.OpGte:
			lo = event.Str(event.FormatTime(b.e.eval(zeroTime, false)))
		case match.OpLt:
			hi = event.Str(event.FormatTime(b.e.eval(zeroTime, false) - 1))
		case match.OpLte:
			hi = event.Str(event.FormatTime(b.e.eval(zeroTime, true)))
		}
	}
	return match.Range(f.Slot, lo, hi, true, true, match.TDate)
}

// keywordString is a value as a keyword field indexes it.
func keywordString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		// Decoders of JSON give every number as a float64: an integral
		// one is written as the integer it most likely was.
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// numberLit parses a value for a numeric field as Elasticsearch does. For
// a term (bound false) it returns a missing Value (and no error) for a
// number with a decimal part on an integer field: such a term matches
// nothing; a range bound keeps it.
func numberLit(f Field, v any, bound bool) (event.Value, error) {
	var x float64
	switch v := v.(type) {
	case int64:
		return checkIntRange(f, event.Int(v), float64(v), strconv.FormatInt(v, 10))
	case float64:
		x = v
	case bool:
		return event.Value{}, fmt.Errorf("cannot search field %s of type %s with the boolean %v", f.Name, f.Type, v)
	default:
		s := strings.TrimSpace(keywordString(v))
		if f.kind == kInt {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return checkIntRange(f, event.Int(n), float64(n), s)
			}
		}
		var err error
		x, err = strconv.ParseFloat(s, 64)
		if err != nil || s == "" || strings.ContainsAny(s, "_xXpP") {
			return event.Value{}, fmt.Errorf("For input string: %q (field %s is of type %s)", keywordString(v), f.Name, f.Type)
		}
	}
	if f.kind == kFloat {
		return event.Float(x), nil
	}
	if x != math.Trunc(x) {
		if bound {
			return event.Float(x), nil
		}
		return event.Value{}, nil
	}
	return checkIntRange(f, event.Int(int64(x)), x, strconv.FormatFloat(x, 'g', -1, 64))
}

func checkIntRange(f Field, v event.Value, x float64, text string) (event.Value, error) {
	lo, hi := float64(math.MinInt64), float64(math.MaxInt64)
	switch f.Type {
	case "integer":
		lo, hi = math.MinInt32, math.MaxInt32
	case "short":
		lo, hi = math.MinInt16, math.MaxInt16
	case "byte":
		lo, hi = math.MinInt8, math.MaxInt8
	case "unsigned_long":
		lo, hi = 0, math.MaxUint64
	}
	if x < lo || x > hi {
		return event.Value{}, fmt.Errorf("Value [%s] is out of range for %s %s", text, article(f.Type), f.Type)
	}
	return v, nil
}

func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an"
	}
	return "a"
}

// boolValue parses a value for a boolean field: only true and false.
func boolValue(f Field, v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch v {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("Can't parse boolean value [%s], expected [true] or [false] (field %s is of type boolean)", keywordString(v), f.Name)
}
