package engine

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/ecs"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
)

// A requirement says that a condition can only hold when some field of a
// few holds (some element equal to) one of a few literal values, compared
// without case: a disjunction of alternatives, each a field and its values.
// The rule index files rules under those values, so that an event is
// offered only to the rules its values can satisfy.
type requirement []alt

// alt is one field and the values it may hold: whole values, or with ext
// set, file extensions its value must end with ("*.exe" patterns).
type alt struct {
	field  string
	ext    bool
	values []string // lower-cased
}

// broadFields hold the same few values in most events; requirements on them
// select little and are used only when nothing better exists.
var broadFields = map[string]int{
	"host.os.type": 100, "host.os.family": 100, "host.os.platform": 100, "event.type": 90,
	"event.category": 90, "event.kind": 90, "event.outcome": 80, "agent.type": 90,
	"event.dataset": 70, "event.module": 70, "data_stream.dataset": 70, "event.provider": 60,
	"winlog.channel": 60, "network.direction": 60, "network.transport": 60,
}

// score estimates how many events a requirement lets through: lower is
// more selective.
func (r requirement) score() int {
	s := 0
	for _, a := range r {
		s += broadFields[a.field]*1000 + len(a.values) + 1
	}
	return s
}

// best picks the most selective requirement.
func best(reqs []requirement) (requirement, bool) {
	var out requirement
	score := 1 << 30
	for _, r := range reqs {
		if s := r.score(); s < score {
			out, score = r, s
		}
	}
	return out, out != nil
}

// either is the requirement of a disjunction: one of the two sides' best
// requirements must hold. Values of a field on both sides are merged.
func either(a, b []requirement) []requirement {
	ra, ok := best(a)
	if !ok {
		return nil
	}
	rb, ok := best(b)
	if !ok {
		return nil
	}
	out := append(requirement(nil), ra...)
	for _, x := range rb {
		merged := false
		for i := range out {
			if out[i].field == x.field && out[i].ext == x.ext {
				out[i].values = append(append([]string(nil), out[i].values...), x.values...)
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, x)
		}
	}
	return []requirement{out}
}

// indexable reports whether a field's values compare as strings, so that a
// lower-cased lookup can stand in for the rule's own comparison.
func indexable(field string) bool {
	t, ok := ecs.Lookup(field)
	if !ok {
		t, ok = ecs.LookupNonECS(field)
	}
	if !ok {
		return true
	}
	switch t {
	case "keyword", "constant_keyword", "wildcard":
		return true
	}
	return false
}

// foldKey lower-cases s as the rule index compares values.
func foldKey(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				dst = utf8.AppendRune(dst, unicode.ToLower(r))
			}
			return dst
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func fold(s string) string { return string(foldKey(nil, s)) }

// valueKey renders one scalar of an event as the index compares it; ok is
// false for values the index cannot use (floats, objects).
func valueKey(dst []byte, v event.Value) ([]byte, bool) {
	switch v.Kind() {
	case event.KindString:
		return foldKey(dst, v.Str()), true
	case event.KindInt:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case event.KindBool:
		return strconv.AppendBool(dst, v.Bool()), true
	}
	return dst, false
}

// eqlRequirements returns the requirements an EQL condition implies.
func eqlRequirements(e eql.Expr) []requirement {
	switch x := e.(type) {
	case *eql.Binary:
		switch x.Op {
		case "and":
			return append(eqlRequirements(x.L), eqlRequirements(x.R)...)
		case "or":
			return either(eqlRequirements(x.L), eqlRequirements(x.R))
		case "==":
			if f, lit, ok := fieldAndString(x.L, x.R); ok {
				return one(f, lit)
			}
			if f, lit, ok := fieldAndString(x.R, x.L); ok {
				return one(f, lit)
			}
		}
	case *eql.Match:
		if x.Op != ":" && x.Op != "like" && x.Op != "like~" {
			return nil
		}
		return literalList(x.X, x.Patterns, true)
	case *eql.In:
		if x.Not {
			return nil
		}
		return literalList(x.X, x.List, false)
	}
	return nil
}

func fieldAndString(a, b eql.Expr) (string, string, bool) {
	f, ok := a.(*eql.Field)
	if !ok {
		return "", "", false
	}
	lit, ok := b.(*eql.Literal)
	if !ok || lit.Kind != eql.LitString || !indexable(f.Name) {
		return "", "", false
	}
	return f.Name, lit.Str, true
}

func one(field, value string) []requirement {
	return []requirement{{{field: field, values: []string{fold(value)}}}}
}

// literalList handles `f : (...)`, `f like (...)` and `f in (...)`: a
// requirement when every pattern is a string without wildcards.
func literalList(x eql.Expr, list []eql.Expr, wildcards bool) []requirement {
	f, ok := x.(*eql.Field)
	if !ok || !indexable(f.Name) || len(list) == 0 {
		return nil
	}
	whole, exts := alt{field: f.Name}, alt{field: f.Name, ext: true}
	for _, p := range list {
		lit, ok := p.(*eql.Literal)
		if !ok || lit.Kind != eql.LitString {
			return nil
		}
		if wildcards && strings.ContainsAny(lit.Str, "*?") {
			ext, ok := extOfPattern(lit.Str)
			if !ok {
				return nil
			}
			exts.values = append(exts.values, ext)
			continue
		}
		whole.values = append(whole.values, fold(lit.Str))
	}
	var req requirement
	if len(whole.values) > 0 {
		req = append(req, whole)
	}
	if len(exts.values) > 0 {
		req = append(req, exts)
	}
	return []requirement{req}
}

// extOfPattern returns the extension a "*.ext" pattern requires: a value
// matching it ends with "." and ext (ext holds no wildcard or separator).
func extOfPattern(p string) (string, bool) {
	if !strings.HasPrefix(p, "*") {
		return "", false
	}
	rest := p[1:]
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 || strings.ContainsAny(rest, "*?") {
		return "", false
	}
	ext := rest[dot+1:]
	if ext == "" || strings.ContainsAny(ext, `\/ `) {
		return "", false
	}
	return fold(ext), true
}

// extOfValue returns the extension of a (lower-cased) value: what follows
// its last dot, when no path separator follows that dot.
func extOfValue(v []byte) ([]byte, bool) {
	for i := len(v) - 1; i >= 0; i-- {
		switch v[i] {
		case '.':
			return v[i+1:], true
		case '\\', '/':
			return nil, false
		}
	}
	return nil, false
}

// kqlRequirements returns the requirements a KQL query implies.
func kqlRequirements(n kql.Node) []requirement {
	switch x := n.(type) {
	case *kql.And:
		var out []requirement
		for _, t := range x.Terms {
			out = append(out, kqlRequirements(t)...)
		}
		return out
	case *kql.Or:
		if len(x.Terms) == 0 {
			return nil
		}
		out := kqlRequirements(x.Terms[0])
		for _, t := range x.Terms[1:] {
			out = either(out, kqlRequirements(t))
		}
		return out
	case *kql.Paren:
		return kqlRequirements(x.X)
	case *kql.Match:
		if x.Field == nil || x.Field.Wildcard || !indexable(x.Field.Text) {
			return nil
		}
		vals, ok := kqlValues(x.Field.Text, x.Value)
		if !ok {
			return nil
		}
		return []requirement{vals}
	}
	return nil
}

// kqlValues collects the alternatives of a match's value list when it is a
// disjunction of plain values and "*.ext" wildcards.
func kqlValues(field string, n kql.Node) (requirement, bool) {
	switch x := n.(type) {
	case *kql.Value:
		if x.Wildcard {
			parts := x.Pattern()
			if len(parts) != 2 || parts[0] != "" || strings.ContainsAny(x.Text, " \t") {
				return nil, false
			}
			ext, ok := extOfPattern("*" + parts[1])
			if !ok {
				return nil, false
			}
			return requirement{{field: field, ext: true, values: []string{ext}}}, true
		}
		return requirement{{field: field, values: []string{fold(x.Text)}}}, true
	case *kql.Paren:
		return kqlValues(field, x.X)
	case *kql.Or:
		var out requirement
		for i, t := range x.Terms {
			r, ok := kqlValues(field, t)
			if !ok {
				return nil, false
			}
			if i == 0 {
				out = r
				continue
			}
			out = either([]requirement{out}, []requirement{r})[0]
		}
		return out, true
	case *kql.And:
		// a and b on one field: requiring either is enough.
		for _, t := range x.Terms {
			if r, ok := kqlValues(field, t); ok {
				return r, true
			}
		}
	}
	return nil, false
}
