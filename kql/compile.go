package kql

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/dsl"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// Options configures Compile.
type Options struct {
	// Types gives the Elasticsearch type of fields; nil means
	// match.ECSAndNonECS(). Fields it does not know compile as keyword
	// fields.
	Types match.FieldTypes

	// Now is the time date math in ranges ("@timestamp >= now-30d/d") is
	// relative to, asked each time such a range is matched; nil means
	// time.Now.
	Now func() time.Time

	// KnownTypes compiles a value with wildcards on a keyword field as
	// Kibana does when its data view knows the field's type (Discover):
	// one wildcard query on the whole value. By default Compile does what
	// the detection engine does: it builds queries without field types,
	// and a value with wildcards becomes a query_string query, which splits
	// the value at whitespace into terms any of which may match
	// (user_agent.original:*S3 Browser* is *S3 or Browser*).
	KnownTypes bool

	// Warn, when set, is told about constructs that compile with a caveat:
	// a wildcard field name that names no known field (it matches
	// nothing), a nested query (compiled on the parent's fields, without
	// requiring a single object to satisfy it).
	Warn func(*srcpos.Error)
}

// Compile compiles a parsed KQL query to a predicate over events decoded
// with s, registering the fields it names in s. A nil Node (the empty
// query) matches every event.
//
// The predicate has the semantics of the Elasticsearch query Kibana's
// detection engine builds from the KQL (see the package dsl for the
// semantics of each query by field type): field:value is a match query
// (exact and case-sensitive on keyword fields, any token on text fields),
// field:"value" a match_phrase query, field:* an exists query, a value
// with * a query_string wildcard query (? is literal), ranges compare by
// the field's type. Errors are those Elasticsearch would fail the search
// with (a value that is no number on a numeric field, a wildcard on an ip
// field), and free text, which has no field to search; Compile returns
// them as an srcpos.ErrorList positioned on the query.
func Compile(n Node, s *event.Schema, opt Options) (match.Pred, error) {
	c := &compiler{
		dsl: dsl.New(s, dsl.Options{Types: opt.Types, Now: opt.Now}),
		opt: opt,
	}
	p := c.node(n)
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// CompileQuery parses and compiles a KQL query; errors carry the source
// line for Snippet.
func CompileQuery(query string, s *event.Schema, opt Options) (match.Pred, error) {
	return ParseQuery(query).Compile(s, opt)
}

type compiler struct {
	dsl    *dsl.Compiler
	opt    Options
	prefix string // the path of the nested queries around, with a trailing dot
	errs   srcpos.ErrorList
}

func (c *compiler) errorf(pos srcpos.Pos, format string, args ...any) match.Pred {
	if len(c.errs) < maxErrors {
		c.errs = append(c.errs, &srcpos.Error{Pos: pos, Msg: "kql: " + fmt.Sprintf(format, args...)})
	}
	return match.False()
}

func (c *compiler) warnf(pos srcpos.Pos, format string, args ...any) {
	if c.opt.Warn != nil {
		c.opt.Warn(&srcpos.Error{Pos: pos, Msg: "kql: " + fmt.Sprintf(format, args...)})
	}
}

func (c *compiler) node(n Node) match.Pred {
	switch n := n.(type) {
	case nil:
		return match.True()
	case *Or:
		ps := make([]match.Pred, len(n.Terms))
		for i, t := range n.Terms {
			ps[i] = c.node(t)
		}
		return dsl.Or(ps...)
	case *And:
		ps := make([]match.Pred, len(n.Terms))
		for i, t := range n.Terms {
			ps[i] = c.node(t)
		}
		return match.And(ps...)
	case *Not:
		return match.Not(c.node(n.X))
	case *Paren:
		return c.node(n.X)
	case *Match:
		if n.Field.IsStar() {
			return c.errorf(n.Field.Start, "a value searched in all fields (*:value) is not supported: name the field")
		}
		return c.values(n.Field, n.Value)
	case *Exists:
		if n.Field.IsStar() {
			return match.True() // *:* is match_all
		}
		name := c.fieldName(n.Field)
		p, err := c.dsl.Exists(name)
		if err != nil {
			return c.errorf(n.Field.Start, "%v", err)
		}
		return p
	case *Range:
		return c.rangeNode(n)
	case *Nested:
		return c.nested(n)
	case *FreeText:
		return c.errorf(n.Value.Start, "free text (%s, a value without a field) is not supported: name the field to search", n.Value.String())
	case *Value:
		return c.errorf(n.Start, "unexpected value %s", n.String())
	}
	return c.errorf(n.Pos(), "unexpected %T", n)
}

// fieldName is the full name of a field: nested queries prefix theirs. A
// field pattern that names no known field is warned about.
func (c *compiler) fieldName(f *Value) string {
	name := c.prefix + f.Text
	if f.Wildcard && len(c.dsl.Expand(name)) == 0 {
		c.warnf(f.Start, "field pattern %s names no known field: it matches nothing", name)
	}
	return name
}

// values compiles a value list: or, and, not over values, each matched
// against the field.
func (c *compiler) values(field *Value, v Node) match.Pred {
	switch v := v.(type) {
	case *Or:
		ps := make([]match.Pred, len(v.Terms))
		for i, t := range v.Terms {
			ps[i] = c.values(field, t)
		}
		return dsl.Or(ps...)
	case *And:
		ps := make([]match.Pred, len(v.Terms))
		for i, t := range v.Terms {
			ps[i] = c.values(field, t)
		}
		return match.And(ps...)
	case *Not:
		return match.Not(c.values(field, v.X))
	case *Paren:
		return c.values(field, v.X)
	case *Value:
		return c.value(field, v)
	}
	return c.errorf(v.Pos(), "unexpected %T in a value list", v)
}

// value compiles field:value as the detection engine's query does.
func (c *compiler) value(field, v *Value) match.Pred {
	name := c.fieldName(field)
	var p match.Pred
	var err error
	switch {
	case v.IsStar():
		p, err = c.dsl.Exists(name)
	case v.Wildcard:
		p, err = c.wildcard(name, v)
	case v.Quoted:
		p, err = c.dsl.MatchPhrase(name, v.Text)
	default:
		lit, ok := literal(v.Text)
		if !ok {
			return c.errorf(v.Start, "an unquoted null is no value to match (write \"null\" for the string)")
		}
		p, err = c.dsl.Match(name, lit, false)
	}
	if err != nil {
		return c.errorf(v.Start, "%v", err)
	}
	return p
}

// numberPattern is Kibana's test for an unquoted literal that it sends as
// a JSON number.
var numberPattern = regexp.MustCompile(`^(-?[1-9]+\d*([.]\d+)?)$|^(-?0[.]\d*[1-9]+)$|^0$|^0.0$|^[.]\d{1,}$`)

// literal converts an unquoted value as Kibana's grammar does: true and
// false are booleans, null is null (reported by ok false), and numbers
// are JavaScript numbers: "1.50" is sent as 1.5, "1.0" as 1, which is what
// a keyword field is then searched for.
func literal(s string) (v any, ok bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	case "null":
		return nil, false
	}
	if !numberPattern.MatchString(s) {
		return s, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s, true
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		if f == 0 {
			return int64(0), true
		}
		if math.Abs(f) < 1<<53 {
			return int64(f), true
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	return f, true
}

// wildcard compiles a value with wildcards. Kibana's detection engine
// sends it as a query_string query on the field, with every special
// character escaped but whitespace: the query parser splits the value at
// whitespace into terms, any of which may match (default operator or).
// Terms with a * are wildcard or prefix queries, a lone * an exists query,
// and runs of plain terms are joined with single spaces and matched as a
// match query would be, as Lucene's query parser does without splitting
// on whitespace. With Options.KnownTypes a keyword field gets a wildcard
// query on the whole value instead.
func (c *compiler) wildcard(name string, v *Value) (match.Pred, error) {
	if c.opt.KnownTypes {
		if f := c.dsl.Field(name); f.Type == "keyword" || f.Type == "constant_keyword" || f.Type == "wildcard" {
			return c.dsl.QueryStringWildcard(name, v.Pattern())
		}
	}
	terms := splitTerms(v)
	var ps []match.Pred
	for i := 0; i < len(terms); i++ {
		t := terms[i]
		if t.stars == nil {
			// A run of plain terms: each next plain term joins unless the
			// term after it is a lone * (Lucene's MultiTerm lookahead).
			text := t.text
			for i+1 < len(terms) && terms[i+1].stars == nil && !(i+2 < len(terms) && terms[i+2].loneStar()) {
				i++
				text += " " + terms[i].text
			}
			p, err := c.dsl.Match(name, text, false)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
			continue
		}
		var p match.Pred
		var err error
		if t.loneStar() {
			p, err = c.dsl.Exists(name)
		} else {
			p, err = c.dsl.QueryStringWildcard(name, t.pattern())
		}
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return dsl.Or(ps...), nil
}

// qsTerm is one whitespace-separated term of a query_string query.
type qsTerm struct {
	text  string
	stars []int // offsets of the wildcards in text; nil for a plain term
}

func (t qsTerm) loneStar() bool { return t.text == "*" && len(t.stars) == 1 }

func (t qsTerm) pattern() []string {
	v := Value{Text: t.text, Stars: t.stars}
	return v.Pattern()
}

// splitTerms splits a value with wildcards at the whitespace of Lucene's
// query parser (space, tab, CR, LF and the ideographic space).
func splitTerms(v *Value) []qsTerm {
	var out []qsTerm
	text := v.Text
	star := 0 // index into v.Stars
	start := -1
	var cur []int
	flush := func(end int) {
		if start >= 0 {
			out = append(out, qsTerm{text: text[start:end], stars: cur})
		}
		start, cur = -1, nil
	}
	for i := 0; i < len(text); {
		n := 1
		sp := false
		switch text[i] {
		case ' ', '\t', '\r', '\n':
			sp = true
		case 0xE3:
			if strings.HasPrefix(text[i:], "\u3000") {
				sp, n = true, 3
			}
		}
		if sp {
			flush(i)
			i += n
			continue
		}
		if start < 0 {
			start = i
		}
		if star < len(v.Stars) && v.Stars[star] == i {
			cur = append(cur, i-start)
			star++
		}
		i++
	}
	flush(len(text))
	return out
}

// rangeNode compiles field < value (and <=, >, >=): a range query, whose
// bound Kibana sends as a number when it looks like one.
func (c *compiler) rangeNode(n *Range) match.Pred {
	name := c.fieldName(n.Field)
	var bound any = n.Value.Text
	if !n.Value.Quoted {
		if lit, ok := literal(n.Value.Text); ok {
			bound = lit
		}
	}
	var r dsl.Range
	switch n.Op {
	case Lt:
		r.Lt = bound
	case Lte:
		r.Lte = bound
	case Gt:
		r.Gt = bound
	case Gte:
		r.Gte = bound
	}
	p, err := c.dsl.Range(name, r)
	if err != nil {
		return c.errorf(n.Value.Start, "%v", err)
	}
	return p
}

// nested compiles field:{query} with the inner field names below field.
// Elasticsearch's nested query requires one object of the nested field to
// satisfy the inner query; events here hold each sub-field's values of
// all objects together, so the inner query is evaluated on those (a
// superset of what the nested query matches).
func (c *compiler) nested(n *Nested) match.Pred {
	outer := c.prefix
	c.prefix = c.prefix + n.Field.Text + "."
	defer func() { c.prefix = outer }()
	c.warnf(n.Field.Start, "nested query on %s is evaluated on the values of all its objects together, not object by object", strings.TrimSuffix(c.prefix, "."))
	return c.node(n.Query)
}
