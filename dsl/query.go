package dsl

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Query compiles an Elasticsearch query, as a tree of maps, slices,
// strings, numbers (int64 or float64) and booleans, the form JSON and TOML
// decoders give: bool (must, filter, should with minimum_should_match,
// must_not), term, terms, match, match_phrase, wildcard, prefix, exists,
// range, match_all and match_none. Other queries are errors naming the
// query and where it is in the tree.
func (c *Compiler) Query(q any) (match.Pred, error) {
	return c.query(q, "")
}

// QueryError is an error in a query tree: Path says where
// ("bool.must[1].wildcard").
type QueryError struct {
	Path string
	Msg  string
}

func (e *QueryError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func errAt(path, format string, args ...any) error {
	return &QueryError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *Compiler) query(q any, path string) (match.Pred, error) {
	m, ok := q.(map[string]any)
	if !ok {
		return nil, errAt(path, "a query must be an object, not %s", describe(q))
	}
	if len(m) != 1 {
		return nil, errAt(path, "a query must have exactly one key (the query type), not %s", keyList(m))
	}
	for typ, body := range m {
		p := join(path, typ)
		switch typ {
		case "bool":
			return c.boolQuery(body, p)
		case "match_all":
			return match.True(), nil
		case "match_none":
			return match.False(), nil
		case "term", "terms", "match", "match_phrase", "wildcard", "prefix", "exists", "range":
			pred, err := c.fieldQuery(typ, body, p)
			if err != nil {
				if _, ok := err.(*QueryError); ok {
					return nil, err
				}
				return nil, errAt(p, "%v", err)
			}
			return pred, nil
		}
		return nil, errAt(path, "unsupported query type %q", typ)
	}
	panic("unreachable")
}

// clauses returns a bool clause's queries: one query or a list.
func clauses(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func (c *Compiler) boolQuery(body any, path string) (match.Pred, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, errAt(path, "bool must be an object, not %s", describe(body))
	}
	var must, should, not []match.Pred
	msm := any(nil)
	for _, k := range sortedKeys(m) {
		v := m[k]
		var dst *[]match.Pred
		switch k {
		case "must", "filter":
			dst = &must
		case "should":
			dst = &should
		case "must_not":
			dst = &not
		case "minimum_should_match":
			msm = v
			continue
		case "boost", "_name", "adjust_pure_negative":
			continue
		default:
			return nil, errAt(path, "unsupported bool key %q", k)
		}
		for i, q := range clauses(v) {
			p, err := c.query(q, fmt.Sprintf("%s.%s[%d]", path, k, i))
			if err != nil {
				return nil, err
			}
			*dst = append(*dst, p)
		}
	}
	need := 0
	if len(should) > 0 && len(must) == 0 {
		need = 1
	}
	if msm != nil {
		n, err := minimumShouldMatch(msm, len(should))
		if err != nil {
			return nil, errAt(path+".minimum_should_match", "%v", err)
		}
		need = n
	}
	ps := must
	for _, p := range not {
		ps = append(ps, match.Not(p))
	}
	switch {
	case need > len(should):
		return match.False(), nil
	case need == 1:
		ps = append(ps, Or(should...))
	case need > 1:
		ps = append(ps, &atLeast{n: need, ps: should})
	}
	return match.And(ps...), nil
}

// minimumShouldMatch resolves minimum_should_match against n clauses:
// an integer, a negative integer (all but), or a percentage.
func minimumShouldMatch(v any, n int) (int, error) {
	var s string
	switch v := v.(type) {
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, fmt.Errorf("want a number or a percentage, not %s", describe(v))
	}
	if strings.Contains(s, "<") {
		return 0, fmt.Errorf("conditional minimum_should_match %q is not supported", s)
	}
	pct := strings.HasSuffix(s, "%")
	num, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil {
		return 0, fmt.Errorf("bad minimum_should_match %q", s)
	}
	k := num
	if pct {
		k = int(math.Floor(float64(n) * float64(num) / 100))
		if num < 0 {
			k = n - int(math.Floor(float64(n)*float64(-num)/100))
		}
	} else if num < 0 {
		k = n + num
	}
	return max(k, 0), nil
}

// atLeast holds when at least n of ps do.
type atLeast struct {
	n  int
	ps []match.Pred
}

func (p *atLeast) Match(ev *event.Event) bool {
	k := 0
	for i, q := range p.ps {
		if q.Match(ev) {
			k++
			if k >= p.n {
				return true
			}
		}
		if k+len(p.ps)-i-1 < p.n {
			return false
		}
	}
	return false
}

// fieldQuery compiles the queries whose body names one field.
func (c *Compiler) fieldQuery(typ string, body any, path string) (match.Pred, error) {
	m, ok := body.(map[string]any)
	if !ok {
		return nil, errAt(path, "%s must be an object, not %s", typ, describe(body))
	}
	if typ == "exists" {
		field, ok := m["field"].(string)
		if !ok {
			return nil, errAt(path, "exists needs a field name")
		}
		for k := range m {
			if k != "field" && k != "boost" && k != "_name" {
				return nil, errAt(path, "unsupported exists parameter %q", k)
			}
		}
		return c.Exists(field)
	}
	field, params, err := fieldBody(m, path)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "term":
		opts, err := options(params, "value", path, "case_insensitive")
		if err != nil {
			return nil, err
		}
		return c.Term(field, opts.value, opts.flag("case_insensitive"))
	case "terms":
		list, ok := params.([]any)
		if !ok {
			return nil, errAt(path, "terms needs a list of values (terms lookup is not supported)")
		}
		return c.Terms(field, list)
	case "match":
		opts, err := options(params, "query", path, "operator")
		if err != nil {
			return nil, err
		}
		and := false
		if op, ok := opts.params["operator"].(string); ok {
			switch strings.ToLower(op) {
			case "and":
				and = true
			case "or":
			default:
				return nil, errAt(path, "unknown operator %q", op)
			}
		}
		return c.Match(field, opts.value, and)
	case "match_phrase":
		opts, err := options(params, "query", path, "slop")
		if err != nil {
			return nil, err
		}
		if s, ok := opts.params["slop"]; ok && keywordString(s) != "0" {
			return nil, errAt(path, "match_phrase with slop is not supported")
		}
		return c.MatchPhrase(field, opts.value)
	case "wildcard":
		if pm, ok := params.(map[string]any); ok {
			if w, ok := pm["wildcard"]; ok && pm["value"] == nil {
				pm = copyMap(pm)
				pm["value"] = w
				delete(pm, "wildcard")
				params = pm
			}
		}
		opts, err := options(params, "value", path, "case_insensitive", "rewrite")
		if err != nil {
			return nil, err
		}
		s, ok := opts.value.(string)
		if !ok {
			return nil, errAt(path, "wildcard needs a string pattern, not %s", describe(opts.value))
		}
		return c.Wildcard(field, s, opts.flag("case_insensitive"))
	case "prefix":
		opts, err := options(params, "value", path, "case_insensitive", "rewrite")
		if err != nil {
			return nil, err
		}
		return c.Prefix(field, keywordString(opts.value), opts.flag("case_insensitive"))
	case "range":
		return c.rangeQuery(field, params, path)
	}
	panic("unreachable")
}

// fieldBody splits {"field": params} (ignoring boost and _name beside it).
func fieldBody(m map[string]any, path string) (string, any, error) {
	field := ""
	var params any
	for k, v := range m {
		switch k {
		case "boost", "_name":
			if _, ok := v.(map[string]any); !ok {
				continue
			}
		}
		if field != "" {
			return "", nil, errAt(path, "a query on several fields (%s) is not supported", keyList(m))
		}
		field, params = k, v
	}
	if field == "" {
		return "", nil, errAt(path, "no field named")
	}
	return field, params, nil
}

type queryOptions struct {
	value  any
	params map[string]any
}

func (o queryOptions) flag(name string) bool {
	b, _ := o.params[name].(bool)
	return b
}

// options reads a field's parameters: a bare value, or an object with the
// value under key and the allowed options.
func options(params any, key, path string, allowed ...string) (queryOptions, error) {
	m, ok := params.(map[string]any)
	if !ok {
		if _, isList := params.([]any); isList || params == nil {
			return queryOptions{}, errAt(path, "want a value, not %s", describe(params))
		}
		return queryOptions{value: params}, nil
	}
	v, ok := m[key]
	if !ok {
		return queryOptions{}, errAt(path, "missing %q", key)
	}
	for k, pv := range m {
		if k == key || k == "boost" || k == "_name" {
			continue
		}
		if !contains(allowed, k) {
			return queryOptions{}, errAt(path, "unsupported parameter %q", k)
		}
		if k == "case_insensitive" {
			if _, ok := pv.(bool); !ok {
				return queryOptions{}, errAt(path, "case_insensitive must be a boolean, not %s", describe(pv))
			}
		}
	}
	return queryOptions{value: v, params: m}, nil
}

func (c *Compiler) rangeQuery(field string, params any, path string) (match.Pred, error) {
	m, ok := params.(map[string]any)
	if !ok {
		return nil, errAt(path, "range needs an object of bounds, not %s", describe(params))
	}
	var r Range
	inclLower, inclUpper := true, true
	var from, to any
	for k, v := range m {
		switch k {
		case "gt":
			r.Gt = v
		case "gte":
			r.Gte = v
		case "lt":
			r.Lt = v
		case "lte":
			r.Lte = v
		case "from":
			from = v
		case "to":
			to = v
		case "include_lower":
			inclLower, _ = v.(bool)
		case "include_upper":
			inclUpper, _ = v.(bool)
		case "boost", "_name", "relation":
		case "time_zone":
			if tz, _ := v.(string); tz != "UTC" && tz != "Z" && tz != "+00:00" && tz != "Zulu" && tz != "Etc/UTC" {
				return nil, errAt(path, "time_zone %v is not supported (only UTC)", v)
			}
		case "format":
			if f, _ := v.(string); f != "strict_date_optional_time" && f != "strict_date_optional_time||epoch_millis" && f != "epoch_millis" {
				return nil, errAt(path, "date format %v is not supported", v)
			}
		default:
			return nil, errAt(path, "unsupported range parameter %q", k)
		}
	}
	if from != nil {
		if inclLower {
			r.Gte = from
		} else {
			r.Gt = from
		}
	}
	if to != nil {
		if inclUpper {
			r.Lte = to
		} else {
			r.Lt = to
		}
	}
	return c.Range(field, r)
}

// FilterError is an error in one of a rule's filters.
type FilterError struct {
	Index int // 0-based, in the rule's filters
	Err   error
}

func (e *FilterError) Error() string { return fmt.Sprintf("filter %d: %v", e.Index, e.Err) }
func (e *FilterError) Unwrap() error { return e.Err }

// Filters compiles Kibana filters, as a detection rule's filters (and
// threat_filters) hold them: each is {"meta": {...}, "query": {...}} or
// has its query at the top level beside meta and $state. A filter whose
// meta.disabled is true is skipped, one whose meta.negate is true is
// negated, and the result is the conjunction of the others, as Kibana's
// buildEsQuery puts them in filter and must_not.
func (c *Compiler) Filters(filters []any) (match.Pred, error) {
	var ps []match.Pred
	for i, f := range filters {
		p, err := c.filter(f)
		if err != nil {
			return nil, &FilterError{Index: i, Err: err}
		}
		if p != nil {
			ps = append(ps, p)
		}
	}
	return match.And(ps...), nil
}

func (c *Compiler) filter(f any) (match.Pred, error) {
	m, ok := f.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a filter must be an object, not %s", describe(f))
	}
	negate := false
	if meta, ok := m["meta"].(map[string]any); ok {
		if d, _ := meta["disabled"].(bool); d {
			return nil, nil
		}
		negate, _ = meta["negate"].(bool)
	} else if m["meta"] != nil {
		return nil, fmt.Errorf("meta must be an object, not %s", describe(m["meta"]))
	}
	var q any
	if qv, ok := m["query"]; ok {
		q = qv
	} else {
		rest := map[string]any{}
		for k, v := range m {
			if k != "meta" && k != "$state" {
				rest[k] = v
			}
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("the filter has no query")
		}
		q = rest
	}
	p, err := c.Query(q)
	if err != nil {
		return nil, err
	}
	if negate {
		p = match.Not(p)
	}
	return p, nil
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
