package esql

import (
	"cmp"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Type is an ES|QL data type.
type Type uint8

// Types. Values are held as Go values by type: nil (null), bool,
// int64 (integer, long, date as epoch milliseconds), uint64
// (unsigned_long), float64 (double), string (keyword, text, version),
// netip.Addr (ip), time.Duration, Period; a multi-value is a []any of
// two or more of them.
const (
	TNull Type = iota
	TBool
	TInt
	TLong
	TUnsignedLong
	TDouble
	TKeyword
	TText
	TDate
	TIP
	TVersion
	TDuration
	TPeriod
	TUnsupported
)

var typeNames = [...]string{"null", "boolean", "integer", "long", "unsigned_long", "double", "keyword", "text", "datetime", "ip", "version", "time_duration", "date_period", "unsupported"}

func (t Type) String() string { return typeNames[t] }

// isNumeric reports whether t is a numeric type.
func (t Type) isNumeric() bool {
	return t == TInt || t == TLong || t == TDouble || t == TUnsignedLong
}

// isString reports whether t is keyword or text.
func (t Type) isString() bool { return t == TKeyword || t == TText }

// TypeOf maps an Elasticsearch mapping or csv-spec type name to a Type.
func TypeOf(name string) (Type, bool) {
	switch strings.ToLower(name) {
	case "null":
		return TNull, true
	case "boolean", "bool":
		return TBool, true
	case "integer", "int", "i", "short", "byte":
		return TInt, true
	case "long", "l":
		return TLong, true
	case "unsigned_long", "ul":
		return TUnsignedLong, true
	case "double", "d", "float", "half_float", "scaled_float":
		return TDouble, true
	case "keyword", "k", "s", "string", "constant_keyword", "wildcard":
		return TKeyword, true
	case "text", "match_only_text":
		return TText, true
	case "date", "datetime", "date_nanos":
		return TDate, true
	case "ip":
		return TIP, true
	case "version", "v":
		return TVersion, true
	case "time_duration":
		return TDuration, true
	case "date_period":
		return TPeriod, true
	}
	return TUnsupported, false
}

// values returns the values of a cell: none for null, one, or the
// multi-value's.
func values(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// mv makes a cell from values: null for none, the value for one.
func mv(vs []any) any {
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return vs[0]
	}
	return vs
}

// FormatValue renders one value of type t as Elasticsearch's JSON
// response and csv-spec tests write it.
func FormatValue(v any, t Type) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e, t)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		if t == TDate {
			return FormatDate(x)
		}
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return formatDouble(x)
	case string:
		return x
	case netip.Addr:
		return x.Unmap().String()
	case time.Duration:
		return formatDuration(x)
	case Period:
		return formatPeriod(x)
	}
	return "?"
}

// FormatDate renders epoch milliseconds as ISO-8601 UTC with millis.
func FormatDate(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// formatDouble renders a double as Java's Double.toString does.
func formatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		if exp[0] == '+' {
			exp = exp[1:]
		}
		exp = strings.TrimLeft(exp, "0")
		if strings.HasPrefix(exp, "-") {
			exp = "-" + strings.TrimLeft(exp[1:], "0")
		}
		return mant + "E" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func formatDuration(d time.Duration) string {
	ms := d.Milliseconds()
	switch {
	case ms%(3600*1000) == 0:
		return strconv.FormatInt(ms/3600000, 10) + " hours"
	case ms%60000 == 0:
		return strconv.FormatInt(ms/60000, 10) + " minutes"
	case ms%1000 == 0:
		return strconv.FormatInt(ms/1000, 10) + " seconds"
	}
	return strconv.FormatInt(ms, 10) + " milliseconds"
}

func formatPeriod(p Period) string {
	var parts []string
	if p.Years != 0 {
		parts = append(parts, strconv.Itoa(p.Years)+" years")
	}
	if p.Months != 0 {
		parts = append(parts, strconv.Itoa(p.Months)+" months")
	}
	if p.Days != 0 || len(parts) == 0 {
		parts = append(parts, strconv.Itoa(p.Days)+" days")
	}
	return strings.Join(parts, ", ")
}

// compareValues orders two single values of the same type t: -1, 0, 1.
func compareValues(a, b any, t Type) int {
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case float64:
			return cmpFloat(float64(x), y)
		case uint64:
			if x < 0 {
				return -1
			}
			return cmp.Compare(uint64(x), y)
		}
	case uint64:
		switch y := b.(type) {
		case uint64:
			return cmp.Compare(x, y)
		case int64:
			if y < 0 {
				return 1
			}
			return cmp.Compare(x, uint64(y))
		case float64:
			return cmpFloat(float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmpFloat(x, y)
		case int64:
			return cmpFloat(x, float64(y))
		case uint64:
			return cmpFloat(x, float64(y))
		}
	case string:
		y := b.(string)
		if t == TVersion {
			return compareVersions(x, y)
		}
		return strings.Compare(x, y)
	case netip.Addr:
		// as Elasticsearch orders ips: by their 16-byte form, IPv4 mapped
		xa, ya := x.As16(), b.(netip.Addr).As16()
		return strings.Compare(string(xa[:]), string(ya[:]))
	case time.Duration:
		return cmp.Compare(x, b.(time.Duration))
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	}
	return -1
}

// compareVersions orders versions as Elasticsearch's version type:
// numeric dot-separated parts compare as numbers; a pre-release (after
// "-") sorts before its release; invalid versions sort after valid ones,
// as strings.
func compareVersions(a, b string) int {
	va, oka := parseVersion(a)
	vb, okb := parseVersion(b)
	switch {
	case oka && !okb:
		return -1
	case !oka && okb:
		return 1
	case !oka && !okb:
		return strings.Compare(a, b)
	}
	for i := 0; i < max(len(va.nums), len(vb.nums)); i++ {
		if i >= len(va.nums) {
			return -1
		}
		if i >= len(vb.nums) {
			return 1
		}
		if c := cmp.Compare(va.nums[i], vb.nums[i]); c != 0 {
			return c
		}
	}
	switch {
	case va.pre == "" && vb.pre == "":
		return 0
	case va.pre == "":
		return 1
	case vb.pre == "":
		return -1
	}
	pa, pb := strings.Split(va.pre, "."), strings.Split(vb.pre, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		if i >= len(pa) {
			return -1
		}
		if i >= len(pb) {
			return 1
		}
		na, ea := strconv.ParseInt(pa[i], 10, 64)
		nb, eb := strconv.ParseInt(pb[i], 10, 64)
		var c int
		switch {
		case ea == nil && eb == nil:
			c = cmp.Compare(na, nb)
		case ea == nil:
			c = -1
		case eb == nil:
			c = 1
		default:
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

type version struct {
	nums []int64
	pre  string
}

func parseVersion(s string) (version, bool) {
	var v version
	main, build, _ := strings.Cut(s, "+")
	_ = build
	main, v.pre, _ = strings.Cut(main, "-")
	if main == "" {
		return v, false
	}
	for _, p := range strings.Split(main, ".") {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || p == "" || (len(p) > 1 && p[0] == '0') {
			return v, false
		}
		v.nums = append(v.nums, n)
	}
	return v, true
}
