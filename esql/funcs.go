package esql

import (
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/match"
)

// funcDef compiles a call of one scalar function given its compiled
// arguments; it reports type errors through c.errorf.
type funcDef struct {
	min, max int // arity; max -1: variadic
	build    func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr
}

// funcs is the table of scalar functions: adding one is one entry.
var funcs map[string]funcDef

// castFuncs maps ::type casts to conversion functions.
var castFuncs = map[string]string{
	"string": "to_string", "keyword": "to_string", "text": "to_string",
	"integer": "to_integer", "int": "to_integer", "long": "to_long",
	"double": "to_double", "boolean": "to_boolean", "bool": "to_boolean",
	"datetime": "to_datetime", "date": "to_datetime", "ip": "to_ip",
	"version": "to_version", "unsigned_long": "to_unsigned_long",
	"date_period": "to_dateperiod", "time_duration": "to_timeduration",
	"geo_point": "to_geopoint", "geo_shape": "to_geoshape",
	"cartesian_point": "to_cartesianpoint", "cartesian_shape": "to_cartesianshape",
}

func init() {
	funcs = map[string]funcDef{}
	for _, group := range []map[string]funcDef{stringFuncs(), convFuncs(), mathFuncs(), mvFuncs(), dateFuncs(), condFuncs()} {
		maps.Copy(funcs, group)
	}
	aliases := map[string]string{"to_str": "to_string", "to_int": "to_integer", "to_dbl": "to_double", "to_bool": "to_boolean",
		"to_dt": "to_datetime", "to_ver": "to_version", "to_ul": "to_unsigned_long", "to_ulong": "to_unsigned_long"}
	for a, n := range aliases {
		funcs[a] = funcs[n]
	}
}

// Unsupported names functions vigil knows and does not run, and why.
var unsupportedFuncs = map[string]string{
	"to_geopoint": "spatial functions are not supported", "st_distance": "spatial functions are not supported",
	"st_x": "spatial functions are not supported", "st_y": "spatial functions are not supported",
	"st_contains": "spatial functions are not supported", "st_intersects": "spatial functions are not supported",
	"to_geoshape": "spatial functions are not supported", "to_cartesianpoint": "spatial functions are not supported",
	"to_cartesianshape": "spatial functions are not supported",
}

// UnsupportedError is a query that uses a feature vigil does not run.
type UnsupportedError struct{ Reason string }

func (e *UnsupportedError) Error() string { return e.Reason }

func (c *compiler) call(x *Call, args []*cexpr) *cexpr {
	d, ok := funcs[x.Name]
	if !ok {
		if why, ok := unsupportedFuncs[x.Name]; ok {
			panic(&UnsupportedError{Reason: "esql: " + why + " (" + x.Name + ")"})
		}
		if x.Name == "kql" && c.opts.KQL != nil {
			return c.kql(x, args)
		}
		c.errorf(x, "Unknown function [%s]", x.Name)
	}
	if len(args) < d.min || d.max >= 0 && len(args) > d.max {
		c.errorf(x, "error building [%s]: function [%s] takes %s", x.Name, x.Name, arityText(d))
	}
	return d.build(c, x, newSite(c.src, x), args)
}

func arityText(d funcDef) string {
	switch {
	case d.max < 0:
		return fmt.Sprintf("at least %d arguments", d.min)
	case d.min == d.max:
		return fmt.Sprintf("exactly %d arguments", d.min)
	}
	return fmt.Sprintf("between %d and %d arguments", d.min, d.max)
}

// wantType fails the compile unless a's type is one of ts (null passes).
func (c *compiler) wantType(x *Call, i int, a *cexpr, what string, ok func(Type) bool) {
	if a.t == TNull || ok(a.t) {
		return
	}
	if str, isStr := a.lit.(string); isStr && a.isLit && what == "numeric" {
		// a string literal where a number is wanted is cast to double
		// (Elasticsearch's string_literal_auto_casting)
		if f, err := strconv.ParseFloat(strings.TrimSpace(str), 64); err == nil {
			*a = *constant(f, TDouble, a.src)
			return
		}
	}
	c.errorf(x, "%s argument of [%s] must be [%s], found value [%s] type [%s]", ordinal(i), c.text(x), what, c.text(a.src), a.t)
}

func ordinal(i int) string {
	switch i {
	case 0:
		return "first"
	case 1:
		return "second"
	case 2:
		return "third"
	}
	return strconv.Itoa(i+1) + "th"
}

func isStr(t Type) bool { return t.isString() }

// str1 builds a function of one string returning type t.
func str1(t Type, f func(string) (any, error)) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		c.wantType(x, 0, a[0], "string", isStr)
		return c.single(s, t, a, func(v []any) (any, error) { return f(v[0].(string)) })
	}}
}

// strEach builds a string function applied to each value of a
// multi-value.
func strEach(f func(string) (any, error)) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		c.wantType(x, 0, a[0], "string", isStr)
		return &cexpr{t: TKeyword, src: x, eval: func(row []any, w *Warnings) any {
			var out []any
			for _, v := range values(a[0].eval(row, w)) {
				r, err := f(v.(string))
				if err != nil {
					w.fail(s, err.Error())
					return nil
				}
				out = append(out, r)
			}
			return mv(out)
		}}
	}}
}

func stringFuncs() map[string]funcDef {
	return map[string]funcDef{
		"length": {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			e := c.single(s, TInt, a, func(v []any) (any, error) { return int64(utf8.RuneCountInString(v[0].(string))), nil })
			if r := a[0].removal; r != nil {
				return lengthOfRemoval(r, e)
			}
			return e
		}},
		"bit_length":  str1(TInt, func(s string) (any, error) { return int64(len(s) * 8), nil }),
		"byte_length": str1(TInt, func(s string) (any, error) { return int64(len(s)), nil }),
		"to_lower":    strEach(func(s string) (any, error) { return strings.ToLower(s), nil }),
		"to_upper":    strEach(func(s string) (any, error) { return strings.ToUpper(s), nil }),
		"trim":        str1(TKeyword, func(s string) (any, error) { return strings.TrimFunc(s, unicode.IsSpace), nil }),
		"ltrim":       str1(TKeyword, func(s string) (any, error) { return strings.TrimLeftFunc(s, unicode.IsSpace), nil }),
		"rtrim":       str1(TKeyword, func(s string) (any, error) { return strings.TrimRightFunc(s, unicode.IsSpace), nil }),
		"reverse": str1(TKeyword, func(s string) (any, error) {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r), nil
		}),
		"to_base64": str1(TKeyword, func(s string) (any, error) { return base64.StdEncoding.EncodeToString([]byte(s)), nil }),
		"from_base64": str1(TKeyword, func(s string) (any, error) {
			b, err := decodeBase64(s)
			if err != nil {
				return nil, err
			}
			if !utf8.Valid(b) {
				return nil, evalError("java.lang.IllegalArgumentException: decoded value is not valid UTF-8, which is not supported yet")
			}
			return string(b), nil
		}),
		"url_decode": strEach(func(s string) (any, error) {
			r, err := urlDecode(s)
			if err != nil {
				return nil, evalError("java.lang.IllegalArgumentException: URLDecoder: " + err.Error())
			}
			return r, nil
		}),
		"url_encode": strEach(func(s string) (any, error) { return url.QueryEscape(s), nil }),
		"url_encode_component": strEach(func(s string) (any, error) {
			return strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), nil
		}),
		"space": {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "integer", func(t Type) bool { return t == TInt })
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				n := v[0].(int64)
				if n < 0 {
					return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: Number parameter cannot be negative, found [%d]", n))
				}
				if n > 1048576 {
					return nil, evalError("java.lang.IllegalArgumentException: Creating strings longer than [1048576] bytes is not supported")
				}
				return strings.Repeat(" ", int(n)), nil
			})
		}},
		"repeat": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				n := v[1].(int64)
				if n < 0 {
					return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: Number parameter cannot be negative, found [%d]", n))
				}
				if int64(len(v[0].(string)))*n > 1048576 {
					return nil, evalError("java.lang.IllegalArgumentException: Creating repeated strings with more than [1048576] bytes is not supported")
				}
				return strings.Repeat(v[0].(string), int(n)), nil
			})
		}},
		"concat": {2, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			for i, e := range a {
				c.wantType(x, i, e, "string", isStr)
			}
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				var b strings.Builder
				for _, e := range v {
					b.WriteString(e.(string))
				}
				return b.String(), nil
			})
		}},
		"starts_with": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			c.wantType(x, 1, a[1], "string", isStr)
			return c.single(s, TBool, a, func(v []any) (any, error) { return strings.HasPrefix(v[0].(string), v[1].(string)), nil })
		}},
		"ends_with": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			c.wantType(x, 1, a[1], "string", isStr)
			return c.single(s, TBool, a, func(v []any) (any, error) { return strings.HasSuffix(v[0].(string), v[1].(string)), nil })
		}},
		"contains": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			c.wantType(x, 1, a[1], "string", isStr)
			return c.single(s, TBool, a, func(v []any) (any, error) { return strings.Contains(v[0].(string), v[1].(string)), nil })
		}},
		"substring": {2, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				r := []rune(v[0].(string))
				start := int(v[1].(int64))
				// 1-based; negative counts from the end
				if start < 0 {
					start = len(r) + start
				} else if start > 0 {
					start--
				}
				start = max(0, min(start, len(r)))
				end := len(r)
				if len(v) > 2 {
					n := int(v[2].(int64))
					if n < 0 {
						return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: Length parameter cannot be negative, found [%d]", n))
					}
					end = min(len(r), start+n)
				}
				return string(r[start:end]), nil
			})
		}},
		"left": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				r := []rune(v[0].(string))
				n := max(0, min(int(v[1].(int64)), len(r)))
				return string(r[:n]), nil
			})
		}},
		"right": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				r := []rune(v[0].(string))
				n := max(0, min(int(v[1].(int64)), len(r)))
				return string(r[len(r)-n:]), nil
			})
		}},
		"locate": {2, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			c.wantType(x, 1, a[1], "string", isStr)
			return c.single(s, TInt, a, func(v []any) (any, error) {
				r := []rune(v[0].(string))
				sub := []rune(v[1].(string))
				start := 0
				if len(v) > 2 {
					start = int(v[2].(int64))
					if start > 0 {
						start--
					} else if start < 0 {
						start = len(r) + start
					}
					start = max(0, start)
				}
				if start > len(r) {
					return int64(0), nil
				}
				i := strings.Index(string(r[start:]), string(sub))
				if i < 0 {
					return int64(0), nil
				}
				return int64(start + utf8.RuneCountInString(string(r[start:])[:i]) + 1), nil
			})
		}},
		"replace": {3, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			for i := range 3 {
				c.wantType(x, i, a[i], "string", isStr)
			}
			if a[1].isLit {
				p, _ := a[1].lit.(string)
				gp := javaRegex(p)
				re, err := regexp.Compile(gp)
				if err != nil {
					c.errorf(x, "Invalid regex pattern [%s]: %v", p, err)
				}
				replace := replacer(re, gp)
				e := c.single(s, TKeyword, []*cexpr{a[0], a[2]}, func(v []any) (any, error) {
					return replace(v[0].(string), v[1].(string)), nil
				})
				e.removal = newRemoval(x, a, gp)
				return e
			}
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				re, err := regexp.Compile(javaRegex(v[1].(string)))
				if err != nil {
					return nil, evalError("java.util.regex.PatternSyntaxException: " + err.Error())
				}
				return re.ReplaceAllString(v[0].(string), javaReplacement(v[2].(string))), nil
			})
		}},
		"split": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "string", isStr)
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				parts := strings.Split(v[0].(string), v[1].(string))
				out := make([]any, len(parts))
				for i, p := range parts {
					out[i] = p
				}
				return mv(out), nil
			})
		}},
		"match": {2, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			// a constant query's terms are made once
			qlit, _ := a[1].lit.(string)
			var qterms map[string]bool
			if a[1].isLit && a[0].t != TKeyword {
				qterms = termSet(qlit)
			}
			return c.single(s, TBool, a[:2], func(v []any) (any, error) {
				f, ok := v[0].(string)
				q, ok2 := v[1].(string)
				if !ok || !ok2 {
					return compareValues(v[0], v[1], a[0].t) == 0, nil
				}
				if a[0].t == TKeyword {
					// the rule index files MATCH over a keyword
					// field under this equality (engine's
					// esqlFilter): keep them in step
					return f == q, nil
				}
				if qterms != nil && q == qlit {
					return anyToken(f, qterms), nil
				}
				return anyToken(f, termSet(q)), nil
			})
		}},
		"cidr_match": {2, -1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "ip", func(t Type) bool { return t == TIP })
			var pfx []netip.Prefix
			allLit := true
			for _, e := range a[1:] {
				c.wantType(x, 1, e, "string", isStr)
				str, ok := e.lit.(string)
				if !e.isLit || !ok {
					allLit = false
					break
				}
				p, err := parsePrefix(str)
				if err != nil {
					c.errorf(x, "invalid CIDR [%s]", str)
				}
				pfx = append(pfx, p.Masked())
			}
			ip := a[0]
			return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
				v := ip.eval(row, w)
				if v == nil {
					return nil
				}
				if _, ok := v.([]any); ok {
					w.fail(s, errMV)
					return nil
				}
				addr := v.(netip.Addr)
				ps := pfx
				if !allLit {
					ps = nil
					for _, e := range a[1:] {
						for _, cv := range values(e.eval(row, w)) {
							if p, err := parsePrefix(cv.(string)); err == nil {
								ps = append(ps, p.Masked())
							}
						}
					}
				}
				for _, p := range ps {
					if p.Contains(addr.Unmap()) || p.Contains(addr) {
						return true
					}
				}
				return false
			}}
		}},
		"json_extract": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TKeyword, a, func(v []any) (any, error) { return jsonExtract(v[0].(string), v[1].(string)) })
		}},
	}
}

// decodeBase64 decodes as java.util.Base64's basic decoder, with its
// error messages: padding is optional, but a partial last unit must be
// whole when padded.
func decodeBase64(s string) ([]byte, error) {
	body := strings.TrimRight(s, "=")
	pads := len(s) - len(body)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: Illegal base64 character %x", body[i]))
		}
	}
	switch {
	case len(body)%4 == 1:
		return nil, evalError("java.lang.IllegalArgumentException: Last unit does not have enough valid bits")
	case pads > 2 || pads > 0 && (len(body)+pads)%4 != 0:
		return nil, evalError("java.lang.IllegalArgumentException: Input byte array has wrong 4-byte ending unit")
	}
	b, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return nil, evalError("java.lang.IllegalArgumentException: " + err.Error())
	}
	return b, nil
}

// parsePrefix parses a CIDR block; an address alone is a block of one.
func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

// javaRegex adapts a Java regular expression to Go's syntax where the
// meaning is kept: possessive quantifiers (x++, x*+, x?+) become greedy
// ones, which match the same strings for the patterns rules write.
func javaRegex(p string) string {
	p = rewriteLookahead(p)
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '+' && i > 0 && (p[i-1] == '+' || p[i-1] == '*' || p[i-1] == '?' || p[i-1] == '}'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// javaReplacement turns a Java replacement string ($1, \$) into Go's.
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		switch r[i] {
		case '\\':
			if i+1 < len(r) {
				i++
				if r[i] == '$' {
					b.WriteString("$$")
				} else {
					b.WriteByte(r[i])
				}
				continue
			}
		case '$':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("${" + r[i+1:j] + "}")
				i = j - 1
				continue
			}
		}
		b.WriteByte(r[i])
	}
	return b.String()
}

// tokens splits text as the standard analyzer does, roughly: lower-cased
// runs of letters and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), notTokenRune)
}

// notTokenRune reports whether r separates tokens. Lower-casing keeps a
// rune's class, so a text's tokens are the runs of its own token runes,
// lower-cased.
func notTokenRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// termSet returns the set of the tokens of s.
func termSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, t := range tokens(s) {
		set[t] = true
	}
	return set
}

// anyToken reports whether one of the tokens of s is in set: tokens(s)
// without making them, ASCII ones lower-cased on the stack.
func anyToken(s string, set map[string]bool) bool {
	if len(set) == 0 {
		return false
	}
	var buf [64]byte
	start := -1 // where the current token began, -1 between tokens
	check := func(tok string) bool {
		if len(tok) <= len(buf) && match.IsASCII(tok) {
			b := buf[:len(tok)]
			for i := range len(tok) {
				c := tok[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b[i] = c
			}
			return set[string(b)]
		}
		return set[strings.ToLower(tok)]
	}
	for i, r := range s {
		if notTokenRune(r) {
			if start >= 0 && check(s[start:i]) {
				return true
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return start >= 0 && check(s[start:])
}

func ipOf(v any) (netip.Addr, bool) {
	a, ok := v.(netip.Addr)
	return a, ok
}

func mathFloat1(f func(float64) (float64, error)) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		c.wantType(x, 0, a[0], "numeric", Type.isNumeric)
		return c.single(s, TDouble, a, func(v []any) (any, error) { return f(toFloat(v[0])) })
	}}
}

func mathFuncs() map[string]funcDef {
	fin := func(f func(float64) float64) func(float64) (float64, error) {
		return func(x float64) (float64, error) { return f(x), nil }
	}
	m := map[string]funcDef{
		"abs": {1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "numeric", Type.isNumeric)
			t := a[0].t
			if t == TUnsignedLong {
				return a[0] // the identity, multi-values included
			}
			return c.single(s, t, a, func(v []any) (any, error) {
				switch n := v[0].(type) {
				case int64:
					if n < 0 {
						if t == TInt && n == math.MinInt32 {
							return nil, evalError(errIntOverflow)
						}
						if n == math.MinInt64 {
							return nil, evalError(errLongOverflow)
						}
						return -n, nil
					}
					return n, nil
				case float64:
					return math.Abs(n), nil
				}
				return v[0], nil
			})
		}},
		"round": {1, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			c.wantType(x, 0, a[0], "numeric", Type.isNumeric)
			t := a[0].t
			if len(a) == 2 && a[1].t == TNull {
				return constant(nil, t, x)
			}
			return c.single(s, t, a, func(v []any) (any, error) {
				d := int64(0)
				if len(v) > 1 {
					d = v[1].(int64)
				}
				switch n := v[0].(type) {
				case int64:
					return roundLong(n, d)
				case uint64:
					return roundUnsigned(n, d)
				case float64:
					return roundHalfUp(n, int(d)), nil
				}
				return nil, nil
			})
		}},
		"ceil":  roundish(math.Ceil),
		"floor": roundish(math.Floor),
		"sqrt": mathFloat1(func(x float64) (float64, error) {
			if x < 0 {
				return 0, evalError("java.lang.ArithmeticException: Square root of negative")
			}
			return math.Sqrt(x), nil
		}),
		"cbrt": mathFloat1(fin(math.Cbrt)),
		"exp":  mathFloat1(fin(math.Exp)),
		"log10": mathFloat1(func(x float64) (float64, error) {
			if x <= 0 {
				return 0, evalError("java.lang.ArithmeticException: Log of non-positive number")
			}
			return math.Log10(x), nil
		}),
		"sin": mathFloat1(fin(math.Sin)), "cos": mathFloat1(fin(math.Cos)), "tan": mathFloat1(fin(math.Tan)),
		"asin": mathFloat1(fin(math.Asin)), "acos": mathFloat1(fin(math.Acos)), "atan": mathFloat1(fin(math.Atan)),
		"sinh": mathFloat1(fin(math.Sinh)), "cosh": mathFloat1(fin(math.Cosh)), "tanh": mathFloat1(fin(math.Tanh)),
		"signum": mathFloat1(func(x float64) (float64, error) {
			switch {
			case x > 0:
				return 1, nil
			case x < 0:
				return -1, nil
			}
			return 0, nil
		}),
		"pi":  {0, 0, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr { return constant(math.Pi, TDouble, x) }},
		"e":   {0, 0, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr { return constant(math.E, TDouble, x) }},
		"tau": {0, 0, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr { return constant(2*math.Pi, TDouble, x) }},
		"pow": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TDouble, a, func(v []any) (any, error) {
				r := math.Pow(toFloat(v[0]), toFloat(v[1]))
				if math.IsNaN(r) || math.IsInf(r, 0) {
					return nil, evalError("java.lang.ArithmeticException: not a finite double number: " + formatDouble(r))
				}
				return r, nil
			})
		}},
		"log": {1, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TDouble, a, func(v []any) (any, error) {
				if len(v) == 1 {
					if toFloat(v[0]) <= 0 {
						return nil, evalError("java.lang.ArithmeticException: Log of non-positive number")
					}
					return math.Log(toFloat(v[0])), nil
				}
				b, n := toFloat(v[0]), toFloat(v[1])
				if b <= 0 || n <= 0 {
					return nil, evalError("java.lang.ArithmeticException: Log of non-positive number")
				}
				if b == 1 {
					return nil, evalError("java.lang.ArithmeticException: Log of base 1")
				}
				return math.Log(n) / math.Log(b), nil
			})
		}},
	}
	return m
}

func roundish(f func(float64) float64) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		c.wantType(x, 0, a[0], "numeric", Type.isNumeric)
		return c.single(s, a[0].t, a, func(v []any) (any, error) {
			if n, ok := v[0].(float64); ok {
				return f(n), nil
			}
			return v[0], nil
		})
	}}
}

// roundHalfUp rounds to d decimals, halves away from zero, as
// Elasticsearch's Maths.round does.
func roundHalfUp(x float64, d int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if d >= 0 {
		i := strings.IndexByte(s, '.')
		if i < 0 || len(s)-i-1 <= d {
			return x
		}
	}
	p := math.Pow10(d)
	if d > 0 {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', d, 64), 64)
		// FormatFloat rounds half to even on exact binary halves; fix up
		if math.Abs(x*p-math.Trunc(x*p)) == 0.5 {
			return math.Round(x*p) / p
		}
		return r
	}
	return math.Round(x*p) / p
}

// lookaheadClass rewrites a negative lookahead of single characters
// followed by a character class, (?![ab]|\d)[a-z0-9], into the one class
// that means the same, which RE2 can run.
var lookaheadClass = regexp.MustCompile(`\(\?!((?:\[[^\]]*\]|\\.|[^()|*+?{}\[\]\\])(?:\|(?:\[[^\]]*\]|\\.|[^()|*+?{}\[\]\\]))*)\)(\[[^\]]*\])`)

func rewriteLookahead(p string) string {
	return lookaheadClass.ReplaceAllStringFunc(p, func(m string) string {
		sub := lookaheadClass.FindStringSubmatch(m)
		not, err1 := regexp.Compile(`^(?:` + sub[1] + `)$`)
		class, err2 := regexp.Compile(`^` + sub[2] + `$`)
		if err1 != nil || err2 != nil {
			return m
		}
		in := func(r rune) bool { return class.MatchString(string(r)) && !not.MatchString(string(r)) }
		var bounds []rune // nil: every rune
		if nb, ok := runeBounds(sub[1], nil); ok {
			if cb, ok := runeBounds(sub[2], nb); ok {
				bounds = lookaheadBounds(cb)
			}
		}
		return classOf(in, bounds)
	})
}

// classOf writes the class of the runes of the Basic Multilingual Plane
// in holds, as ranges. in is tested at the bounds only, where it may
// change (sorted, from 0 to 0x10000); nil bounds test every rune: 65,536
// regexp matches, some milliseconds, where the bounds of a class are a few.
func classOf(in func(rune) bool, bounds []rune) string {
	var b strings.Builder
	b.WriteByte('[')
	open := false
	var start rune
	step := func(r rune) {
		ok := r < 0x10000 && in(r)
		switch {
		case ok && !open:
			open, start = true, r
		case !ok && open:
			open = false
			if end := r - 1; end == start {
				fmt.Fprintf(&b, `\x{%x}`, start)
			} else {
				fmt.Fprintf(&b, `\x{%x}-\x{%x}`, start, end)
			}
		}
	}
	if bounds == nil {
		for r := rune(0); r <= 0x10000; r++ {
			step(r)
		}
	} else {
		for _, r := range bounds {
			step(r)
		}
	}
	b.WriteByte(']')
	if b.Len() == 2 {
		return `[^\x00-\x{10FFFF}]`
	}
	return b.String()
}

// runeBounds appends to bounds the runes where the set of one-rune
// strings re matches may start or stop: the ends of its character classes
// and literals. ok is false for any other regexp.
func runeBounds(re string, bounds []rune) ([]rune, bool) {
	p, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return bounds, false
	}
	var walk func(p *syntax.Regexp) bool
	walk = func(p *syntax.Regexp) bool {
		switch p.Op {
		case syntax.OpCharClass:
			for i := 0; i+1 < len(p.Rune); i += 2 {
				bounds = append(bounds, p.Rune[i], p.Rune[i+1]+1)
			}
			return true
		case syntax.OpLiteral:
			if len(p.Rune) != 1 || p.Flags&syntax.FoldCase != 0 {
				return false
			}
			bounds = append(bounds, p.Rune[0], p.Rune[0]+1)
			return true
		case syntax.OpAlternate:
			for _, s := range p.Sub {
				if !walk(s) {
					return false
				}
			}
			return true
		}
		return false
	}
	return bounds, walk(p)
}

// lookaheadBounds sorts the bounds of a lookahead and its class for
// classOf, clipped to the plane, with the ends of the plane and of the
// surrogates (which classOf tests as U+FFFD, as string(r) makes them).
func lookaheadBounds(bounds []rune) []rune {
	out := []rune{0, 0xD800, 0xE000, 0x10000}
	for _, r := range bounds {
		if r < 0x10000 {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// roundLong rounds n to -d decimal digits (d < 0), half away from zero,
// in exact integer arithmetic.
func roundLong(n, d int64) (any, error) {
	if d >= 0 {
		return n, nil
	}
	if d <= -19 {
		return int64(0), nil // |n| < 10^19 / 2
	}
	p := int64(1)
	for range -d {
		p *= 10
	}
	q, r := n/p, n%p
	switch {
	case r >= 0 && r >= p-r:
		q++
	case r < 0 && -r >= p+r:
		q--
	}
	if q > math.MaxInt64/p || q < math.MinInt64/p {
		return nil, evalError(errLongOverflow)
	}
	return q * p, nil
}

// roundUnsigned rounds an unsigned_long to -d decimal digits (d < 0),
// half up; a result past 2^64-1 is an overflow.
func roundUnsigned(n uint64, d int64) (any, error) {
	if d >= 0 {
		return n, nil
	}
	if d <= -20 {
		return uint64(0), nil // n < 10^20 / 2
	}
	p := uint64(1)
	for range -d {
		p *= 10
	}
	q, r := n/p, n%p
	if r >= p-r {
		q++
	}
	if q > math.MaxUint64/p {
		return nil, evalError(errULOverflow)
	}
	return q * p, nil
}

// urlDecode decodes application/x-www-form-urlencoded text as Java's
// URLDecoder does (Elasticsearch's URL_DECODE), with its errors.
func urlDecode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '+':
			b.WriteByte(' ')
			i++
		case '%':
			var buf []byte
			for i+2 < len(s) && s[i] == '%' {
				v, err := strconv.ParseInt(s[i+1:i+3], 16, 32)
				if err != nil {
					return "", fmt.Errorf("Illegal hex characters in escape (%%) pattern - For input string: \"%s\" under radix 16", s[i+1:i+3])
				}
				if v < 0 {
					return "", fmt.Errorf("Illegal hex characters in escape (%%) pattern - negative value")
				}
				buf = append(buf, byte(v))
				i += 3
			}
			if i < len(s) && s[i] == '%' {
				return "", fmt.Errorf("Incomplete trailing escape (%%) pattern")
			}
			b.WriteString(strings.ToValidUTF8(string(buf), "\uFFFD"))
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}
