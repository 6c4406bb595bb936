package match

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
)

// Scalar comparisons by type, shared by the specialised predicates and
// the general evaluators of front ends (EQL's scripts).

// Order is the outcome of comparing two scalars: -1, 0, 1, or
// Incomparable (the values do not have comparable types).
type Order int8

// Incomparable is the Order of values whose types do not compare.
const Incomparable Order = 2

// CmpOp is a comparison operator, for Compare.
type CmpOp uint8

// Comparison operators.
const (
	OpEq CmpOp = iota
	OpNeq
	OpLt
	OpLte
	OpGt
	OpGte
)

var cmpOpNames = [...]string{OpEq: "==", OpNeq: "!=", OpLt: "<", OpLte: "<=", OpGt: ">", OpGte: ">="}

func (op CmpOp) String() string {
	if int(op) < len(cmpOpNames) {
		return cmpOpNames[op]
	}
	return "?"
}

// ParseCmpOp returns the operator written s ("==", "!=", "<", "<=", ">",
// ">=").
func ParseCmpOp(s string) (CmpOp, bool) {
	for op, name := range cmpOpNames {
		if name == s {
			return CmpOp(op), true
		}
	}
	return 0, false
}

// Holds reports whether a comparison result satisfies op.
func (op CmpOp) Holds(c Order) bool {
	if c == Incomparable {
		return false
	}
	switch op {
	case OpEq:
		return c == 0
	case OpNeq:
		return c != 0
	case OpLt:
		return c < 0
	case OpLte:
		return c <= 0
	case OpGt:
		return c > 0
	}
	return c >= 0
}

// Negate returns the operator of not(a op b).
func (op CmpOp) Negate() CmpOp {
	switch op {
	case OpEq:
		return OpNeq
	case OpNeq:
		return OpEq
	case OpLt:
		return OpGte
	case OpLte:
		return OpGt
	case OpGt:
		return OpLte
	}
	return OpLt
}

// Swap returns the operator of b op' a equivalent to a op b.
func (op CmpOp) Swap() CmpOp {
	switch op {
	case OpLt:
		return OpGt
	case OpLte:
		return OpGte
	case OpGt:
		return OpLt
	case OpGte:
		return OpLte
	}
	return op
}

func cmp3[T int64 | float64 | string](a, b T) Order {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) Order {
	if math.IsNaN(a) || math.IsNaN(b) {
		return Incomparable
	}
	return cmp3(a, b)
}

// CompareScalars compares two non-null scalars of a field of type t (the
// left side's type; TUnknown compares by the values' own kinds).
func CompareScalars(a, b event.Value, t Type, fold bool) Order {
	switch t {
	case TIP:
		return compareIP(a, b)
	case TDate:
		return compareDate(a, b)
	case TVersion:
		if a.Kind() == event.KindString && b.Kind() == event.KindString {
			return Order(compareVersion(a.Str(), b.Str()))
		}
		return Incomparable
	}
	ak, bk := a.Kind(), b.Kind()
	switch {
	case ak == event.KindString && bk == event.KindString:
		if fold {
			if EqualFold(a.Str(), b.Str()) {
				return 0
			}
			return cmp3(foldString(a.Str()), foldString(b.Str()))
		}
		return cmp3(a.Str(), b.Str())
	case ak == event.KindInt && bk == event.KindInt:
		return cmp3(a.Int(), b.Int())
	case (ak == event.KindInt || ak == event.KindFloat) && (bk == event.KindInt || bk == event.KindFloat):
		return cmpFloat(a.Float(), b.Float())
	case ak == event.KindBool && bk == event.KindBool:
		return cmp3(a.Int(), b.Int())
	}
	// A keyword field holding a number, or a numeric field holding a
	// string, compares as Elasticsearch would after coercing at index time.
	switch {
	case t == TString && bk == event.KindString && (ak == event.KindInt || ak == event.KindFloat || ak == event.KindBool):
		var buf [32]byte
		return cmp3(string(AppendScalar(buf[:0], a)), b.Str())
	case t.IsNumeric() && ak == event.KindString && (bk == event.KindInt || bk == event.KindFloat):
		if n, ok := ParseNumber(a.Str()); ok {
			return CompareScalars(n, b, TUnknown, false)
		}
	}
	return Incomparable
}

// AppendScalar appends a scalar's text as Elasticsearch would index it in a
// keyword field.
func AppendScalar(dst []byte, v event.Value) []byte {
	switch v.Kind() {
	case event.KindString:
		return append(dst, v.Str()...)
	case event.KindInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case event.KindFloat:
		return appendJavaDouble(dst, v.Float())
	case event.KindBool:
		return strconv.AppendBool(dst, v.Bool())
	}
	return dst
}

func ParseNumber(s string) (event.Value, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return event.Int(i), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return event.Float(f), true
	}
	return event.Value{}, false
}

// ipOf reads an address from a string value.
func ipOf(v event.Value) (netip.Addr, bool) {
	if v.Kind() != event.KindString {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(v.Str())
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func compareIP(a, b event.Value) Order {
	x, ok1 := ipOf(a)
	y, ok2 := ipOf(b)
	if !ok1 || !ok2 {
		return Incomparable
	}
	return Order(as16(x).Compare(as16(y)))
}

// as16 maps IPv4 into IPv6 so that addresses order as Elasticsearch stores
// them (all as 16 bytes).
func as16(a netip.Addr) netip.Addr {
	if a.Is4() {
		return netip.AddrFrom16(a.As16())
	}
	return a
}

// timeOf reads a date value as nanoseconds since the epoch: a number is
// epoch milliseconds, a string an ISO date or epoch milliseconds.
func timeOf(v event.Value) (int64, bool) {
	switch v.Kind() {
	case event.KindString, event.KindInt, event.KindFloat:
		return event.ParseTime(v)
	}
	return 0, false
}

func compareDate(a, b event.Value) Order {
	x, ok1 := timeOf(a)
	y, ok2 := timeOf(b)
	if !ok1 || !ok2 {
		return Incomparable
	}
	return cmp3(x, y)
}

// compareVersion orders version strings as Elasticsearch's version field
// does: SemVer precedence (numeric parts, then a pre-release sorts before
// its release, build metadata ignored), any number of numeric parts; values
// that are not valid versions sort after all valid ones, among themselves
// as strings.
func compareVersion(a, b string) int {
	va, vb := validVersion(a), validVersion(b)
	switch {
	case !va && !vb:
		return int(cmp3(a, b))
	case !va:
		return 1
	case !vb:
		return -1
	}
	a, _, _ = strings.Cut(a, "+")
	b, _, _ = strings.Cut(b, "+")
	ac, apre, _ := strings.Cut(a, "-")
	bc, bpre, _ := strings.Cut(b, "-")
	if c := compareDotted(ac, bc, true); c != 0 {
		return c
	}
	switch {
	case apre == "" && bpre == "":
		return 0
	case apre == "":
		return 1
	case bpre == "":
		return -1
	}
	return compareDotted(apre, bpre, false)
}

// compareDotted compares dot-separated identifiers: numeric ones
// numerically and before alphanumeric ones (SemVer rule 11).
func compareDotted(a, b string, numeric bool) int {
	for a != "" || b != "" {
		if a == "" {
			if numeric {
				// 1.2 == 1.2.0
				return compareDotted("0", b, numeric)
			}
			return -1
		}
		if b == "" {
			if numeric {
				return compareDotted(a, "0", numeric)
			}
			return 1
		}
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		xn, yn := allDigits(x), allDigits(y)
		switch {
		case xn && yn:
			x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
			if len(x) != len(y) {
				return int(cmp3(int64(len(x)), int64(len(y))))
			}
			if c := cmp3(x, y); c != 0 {
				return int(c)
			}
		case xn:
			return -1
		case yn:
			return 1
		default:
			if c := cmp3(x, y); c != 0 {
				return int(c)
			}
		}
		if numeric && a == "" && b == "" {
			return 0
		}
	}
	return 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validVersion reports whether s is a version Elasticsearch accepts:
// numeric parts separated by dots, then optional -prerelease and +build of
// [0-9A-Za-z-] identifiers. It does not allocate.
func validVersion(s string) bool {
	core, rest := s, ""
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		core, rest = s[:i], s[i:]
	}
	for {
		part, more, found := strings.Cut(core, ".")
		if !allDigits(part) {
			return false
		}
		if !found {
			break
		}
		core = more
	}
	for rest != "" {
		sep := rest[0]
		rest = rest[1:]
		part := rest
		if i := strings.IndexByte(rest, '+'); i >= 0 && sep == '-' {
			part, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		for {
			id, more, found := strings.Cut(part, ".")
			if id == "" {
				return false
			}
			for i := 0; i < len(id); i++ {
				c := id[i]
				if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
					return false
				}
			}
			if !found {
				break
			}
			part = more
		}
	}
	return true
}

// appendJavaDouble formats f as Java's Double.toString does (which is how
// Elasticsearch's string() and concat() render doubles): "1.0", "0.001",
// "1.0E7", "1.234E-5", "NaN", "Infinity".
func appendJavaDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	// shortest digits and exponent
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	mant, expStr, _ := strings.Cut(string(e), "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		// plain decimal
		if exp >= 0 {
			intPart := digits
			frac := ""
			if len(digits) > exp+1 {
				intPart, frac = digits[:exp+1], digits[exp+1:]
			} else {
				intPart += strings.Repeat("0", exp+1-len(digits))
			}
			if frac == "" {
				frac = "0"
			}
			return append(append(append(dst, intPart...), '.'), frac...)
		}
		dst = append(dst, "0."...)
		dst = append(dst, strings.Repeat("0", -exp-1)...)
		return append(dst, digits...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}
