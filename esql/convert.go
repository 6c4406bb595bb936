package esql

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// conv builds a conversion function to type t from any of its inputs.
func conv(t Type, f func(v any, from Type) (any, error)) funcDef {
	return funcDef{1, 1, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
		from := a[0].t
		if from == t && t != TText {
			return a[0]
		}
		// conversions apply to each value of a multi-value
		return &cexpr{t: t, src: x, eval: func(row []any, w *Warnings) any {
			v := a[0].eval(row, w)
			switch y := v.(type) {
			case nil:
				return nil
			case []any:
				var out []any
				for _, e := range y {
					r, err := f(e, from)
					if err != nil {
						w.fail(s, err.Error())
						continue
					}
					out = append(out, r)
				}
				return mv(out)
			}
			r, err := f(v, from)
			if err != nil {
				w.fail(s, err.Error())
				return nil
			}
			return r
		}}
	}}
}

func convFuncs() map[string]funcDef {
	return map[string]funcDef{
		"to_string": conv(TKeyword, func(v any, from Type) (any, error) { return FormatValue(v, from), nil }),
		"to_ip": {1, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			zeros := "reject"
			if len(a) == 2 {
				zeros = c.leadingZeros(x, a[1])
			}
			return conv(TIP, func(v any, from Type) (any, error) {
				s, ok := v.(string)
				if !ok {
					return v, nil
				}
				a, err := parseIPZeros(s, zeros)
				if err != nil {
					return nil, evalError("java.lang.IllegalArgumentException: " + err.Error())
				}
				return a, nil
			}).build(c, x, s, a[:1])
		}},
		"to_version": conv(TVersion, func(v any, from Type) (any, error) { return fmt.Sprint(v), nil }),
		"to_boolean": conv(TBool, func(v any, from Type) (any, error) {
			switch x := v.(type) {
			case bool:
				return x, nil
			case string:
				return strings.EqualFold(x, "true"), nil
			case int64:
				return x != 0, nil
			case uint64:
				return x != 0, nil
			case float64:
				return x != 0, nil
			}
			return nil, nil
		}),
		"to_datetime": conv(TDate, func(v any, from Type) (any, error) {
			switch x := v.(type) {
			case string:
				ms, err := parseDate(x)
				if err != nil {
					return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: failed to parse date field [%s] with format [strict_date_optional_time]", x))
				}
				return ms, nil
			case int64:
				return x, nil
			case uint64:
				if x > math.MaxInt64 {
					return nil, evalError(fmt.Sprintf("org.elasticsearch.xpack.esql.core.InvalidArgumentException: [%d] out of [long] range", x))
				}
				return int64(x), nil
			case float64:
				return toLong(x)
			}
			return nil, nil
		}),
		"to_double": conv(TDouble, func(v any, from Type) (any, error) {
			switch x := v.(type) {
			case string:
				f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
				if err != nil {
					return nil, evalError(fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", x))
				}
				return f, nil
			case bool:
				if x {
					return 1.0, nil
				}
				return 0.0, nil
			}
			return toFloat(v), nil
		}),
		"to_long": conv(TLong, func(v any, from Type) (any, error) { return numConv(v, TLong) }),
		"to_integer": conv(TInt, func(v any, from Type) (any, error) {
			return numConv(v, TInt)
		}),
		"to_unsigned_long": conv(TUnsignedLong, func(v any, from Type) (any, error) { return numConv(v, TUnsignedLong) }),
		"to_timeduration": conv(TDuration, func(v any, from Type) (any, error) {
			if s, ok := v.(string); ok {
				return parseSpan(s, false)
			}
			return v, nil
		}),
		"to_dateperiod": conv(TPeriod, func(v any, from Type) (any, error) {
			if s, ok := v.(string); ok {
				return parseSpan(s, true)
			}
			return v, nil
		}),
	}
}

func parseSpan(s string, period bool) (any, error) {
	f := strings.Fields(s)
	if len(f) == 2 {
		n, err := strconv.ParseInt(f[0], 10, 64)
		u, ok := units[strings.ToLower(f[1])]
		if err == nil && ok && u.period == period {
			return spanLit(node{}, n, strings.ToLower(f[1])).Val, nil
		}
	}
	return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: Cannot parse [%s] to %s", s, map[bool]string{true: "DATE_PERIOD", false: "TIME_DURATION"}[period]))
}

func rangeErr(v string, t Type) error {
	return evalError(fmt.Sprintf("org.elasticsearch.xpack.esql.core.InvalidArgumentException: [%s] out of [%s] range", v, t))
}

func toLong(f float64) (any, error) {
	r := math.Round(f)
	if r >= 9.223372036854775807e18 || r < -9.223372036854775808e18 || math.IsNaN(r) {
		return nil, rangeErr(formatDouble(f), TLong)
	}
	return int64(r), nil
}

// numConv converts to integer, long or unsigned_long.
func numConv(v any, t Type) (any, error) {
	var n *big.Int
	switch x := v.(type) {
	case bool:
		if x {
			n = big.NewInt(1)
		} else {
			n = big.NewInt(0)
		}
	case int64:
		n = big.NewInt(x)
	case uint64:
		n = new(big.Int).SetUint64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, rangeErr(formatDouble(x), t)
		}
		r := x
		if t != TUnsignedLong {
			r = math.Round(x)
		} else {
			r = math.Trunc(x)
		}
		bf := new(big.Float).SetFloat64(r)
		n, _ = bf.Int(nil)
		if !fits(n, t) {
			return nil, rangeErr(formatDouble(x), t)
		}
	case string:
		s := strings.TrimSpace(x)
		var ok bool
		n, ok = new(big.Int).SetString(s, 10)
		if !ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, evalError(fmt.Sprintf("org.elasticsearch.xpack.esql.core.InvalidArgumentException: Cannot parse number [%s]", x))
			}
			return numConv(f, t)
		}
	case time.Duration:
		n = big.NewInt(x.Milliseconds())
	default:
		return nil, nil
	}
	if !fits(n, t) {
		return nil, rangeErr(n.String(), t)
	}
	if t == TUnsignedLong {
		return n.Uint64(), nil
	}
	return n.Int64(), nil
}

func fits(n *big.Int, t Type) bool {
	switch t {
	case TInt:
		return n.IsInt64() && n.Int64() >= math.MinInt32 && n.Int64() <= math.MaxInt32
	case TLong:
		return n.IsInt64()
	}
	return n.IsUint64()
}

// parseDate parses an ISO-8601 date as strict_date_optional_time does:
// a date, optionally a time with fractions, optionally a zone.
func parseDate(s string) (int64, error) {
	layouts := []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02T15",
		"2006-01-02",
		"2006-01",
		"2006",
	}
	// a year before year 0 is written with a sign: -0006-01-01
	body, neg := strings.CutPrefix(s, "-")
	for _, l := range layouts {
		if t, err := time.Parse(l, body); err == nil {
			if neg {
				t = t.AddDate(-2*t.Year(), 0, 0)
			}
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("failed to parse date field [%s] with format [strict_date_optional_time]", s)
}

func ipFromAny(v any) (netip.Addr, bool) {
	switch x := v.(type) {
	case netip.Addr:
		return x, true
	case string:
		a, err := netip.ParseAddr(x)
		return a, err == nil
	}
	return netip.Addr{}, false
}

// leadingZeros reads TO_IP's {"leading_zeros": "reject|decimal|octal"}.
func (c *compiler) leadingZeros(x *Call, opt *cexpr) string {
	l, ok := opt.src.(*Lit)
	if !ok || l.Opts == nil {
		c.errorf(opt.src, "second argument of [%s] must be a map expression, found [%s]", c.text(x), c.text(opt.src))
	}
	zeros := "reject"
	for k, v := range l.Opts {
		s, _ := v.(string)
		if k != "leading_zeros" {
			c.errorf(opt.src, "Invalid option [%s] in [%s], expected one of [leading_zeros]", k, c.text(x))
		}
		switch s {
		case "reject", "decimal", "octal":
			zeros = s
		default:
			c.errorf(opt.src, "Illegal leading_zeros [%v]", v)
		}
	}
	return zeros
}

// parseIPZeros parses an IP; zeros says how a dotted IPv4 octet with a
// leading zero reads: "reject" (an error), "decimal" (010 is 10) or
// "octal" (010 is 8, as inet_aton reads it).
func parseIPZeros(s, zeros string) (netip.Addr, error) {
	if zeros == "reject" || strings.Contains(s, ":") {
		return parseIP(s)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return parseIP(s)
	}
	var b [4]byte
	for i, part := range parts {
		if part == "" || strings.Trim(part, "0123456789") != "" {
			return parseIP(s)
		}
		base := 10
		if zeros == "octal" && len(part) > 1 && part[0] == '0' {
			base = 8
		}
		n, err := strconv.ParseUint(part, base, 8)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("'%s' is not an IP string literal.", s)
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), nil
}
