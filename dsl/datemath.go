package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// dateExpr is a date in Elasticsearch's default format
// (strict_date_optional_time||epoch_millis) or date math: an anchor ("now",
// or a date followed by "||"), then +N or -N units and /unit roundings.
// Dates are UTC unless they carry a zone, as Kibana sends no time_zone for
// fields it does not know the type of.
type dateExpr struct {
	now    bool
	anchor time.Time
	// unit is the precision of a written date ("2024-01" is a month):
	// rounding up fills the smaller fields with their largest values, as
	// Elasticsearch's parser does for lte and gt.
	unit byte
	ops  []dateOp
}

type dateOp struct {
	op   byte // '+', '-', '/'
	n    int
	unit byte // y M w d h m s
}

// parseDateExpr parses a date or date math expression.
func parseDateExpr(s string) (*dateExpr, error) {
	e := &dateExpr{}
	rest := ""
	switch {
	case strings.HasPrefix(s, "now"):
		e.now = true
		rest = s[3:]
	default:
		d, math, _ := strings.Cut(s, "||")
		t, unit, ok := parseDate(d)
		if !ok {
			return nil, fmt.Errorf("failed to parse date %q: want strict_date_optional_time or epoch_millis", s)
		}
		e.anchor, e.unit, rest = t, unit, math
	}
	for rest != "" {
		op := rest[0]
		rest = rest[1:]
		switch op {
		case '+', '-':
			i := 0
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			n := 1
			if i > 0 {
				var err error
				if n, err = strconv.Atoi(rest[:i]); err != nil {
					return nil, fmt.Errorf("bad date math %q", s)
				}
			}
			if i >= len(rest) || !isDateUnit(rest[i]) {
				return nil, fmt.Errorf("bad date math %q: want a unit (y, M, w, d, h, H, m, s) after %c%d", s, op, n)
			}
			e.ops = append(e.ops, dateOp{op, n, normUnit(rest[i])})
			rest = rest[i+1:]
		case '/':
			if rest == "" || !isDateUnit(rest[0]) {
				return nil, fmt.Errorf("bad date math %q: want a unit after /", s)
			}
			e.ops = append(e.ops, dateOp{'/', 0, normUnit(rest[0])})
			rest = rest[1:]
		default:
			return nil, fmt.Errorf("bad date math %q: unexpected %q", s, op)
		}
	}
	return e, nil
}

func isDateUnit(c byte) bool { return strings.IndexByte("yMwdhHms", c) >= 0 }

func normUnit(c byte) byte {
	if c == 'H' {
		return 'h'
	}
	return c
}

// eval returns the time in nanoseconds, rounded up (to the last instant of
// the rounding unit) or down.
func (e *dateExpr) eval(now time.Time, roundUp bool) int64 {
	t := e.anchor
	if e.now {
		t = now.UTC()
	}
	rounded := false
	for _, op := range e.ops {
		switch op.op {
		case '+', '-':
			n := op.n
			if op.op == '-' {
				n = -n
			}
			t = addUnit(t, op.unit, n)
		case '/':
			t = roundTime(t, op.unit, roundUp)
			rounded = true
		}
	}
	if !rounded && !e.now && roundUp && e.unit != 0 {
		t = roundTime(t, e.unit, true)
	}
	return t.UnixNano()
}

func addUnit(t time.Time, unit byte, n int) time.Time {
	switch unit {
	case 'y':
		return t.AddDate(n, 0, 0)
	case 'M':
		return t.AddDate(0, n, 0)
	case 'w':
		return t.AddDate(0, 0, 7*n)
	case 'd':
		return t.AddDate(0, 0, n)
	case 'h':
		return t.Add(time.Duration(n) * time.Hour)
	case 'm':
		return t.Add(time.Duration(n) * time.Minute)
	}
	return t.Add(time.Duration(n) * time.Second)
}

// roundTime rounds t down to the start of its unit, or up to the last
// nanosecond of it.
func roundTime(t time.Time, unit byte, up bool) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	var start time.Time
	switch unit {
	case 'y':
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	case 'M':
		start = time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	case 'w':
		wd := (int(t.Weekday()) + 6) % 7 // weeks start on Monday
		start = time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC)
	case 'd':
		start = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case 'h':
		start = time.Date(y, mo, d, h, 0, 0, 0, time.UTC)
	case 'm':
		start = time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
	case 's':
		start = time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	default: // milliseconds
		start = t.Truncate(time.Millisecond)
		if up {
			return start.Add(time.Millisecond - 1)
		}
		return start
	}
	if !up {
		return start
	}
	return addUnit(start, unit, 1).Add(-1)
}

// parseDate parses strict_date_optional_time (yyyy[-MM[-dd[Thh[:mm[:ss[.f]]]]]][zone])
// or epoch_millis, and returns the precision of what was written: 'y',
// 'M', 'd', 'h', 'm', 's', or 0 (milliseconds and finer).
func parseDate(s string) (time.Time, byte, bool) {
	if s == "" {
		return time.Time{}, 0, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && (len(s) != 4 || s[0] == '-') {
		return time.UnixMilli(ms).UTC(), 0, true
	}
	num := func(s string, n int) (int, string, bool) {
		if len(s) < n {
			return 0, s, false
		}
		v, err := strconv.Atoi(s[:n])
		if err != nil || s[0] == '+' || s[0] == '-' {
			return 0, s, false
		}
		return v, s[n:], true
	}
	y, rest, ok := num(s, 4)
	if !ok {
		return time.Time{}, 0, false
	}
	mo, d, h, mi, sec, nsec := 1, 1, 0, 0, 0, 0
	unit := byte('y')
	if strings.HasPrefix(rest, "-") {
		if mo, rest, ok = num(rest[1:], 2); !ok || mo < 1 || mo > 12 {
			return time.Time{}, 0, false
		}
		unit = 'M'
		if strings.HasPrefix(rest, "-") {
			if d, rest, ok = num(rest[1:], 2); !ok || d < 1 || d > 31 {
				return time.Time{}, 0, false
			}
			unit = 'd'
			if strings.HasPrefix(rest, "T") || strings.HasPrefix(rest, "t") {
				if h, rest, ok = num(rest[1:], 2); !ok || h > 23 {
					return time.Time{}, 0, false
				}
				unit = 'h'
				if strings.HasPrefix(rest, ":") {
					if mi, rest, ok = num(rest[1:], 2); !ok || mi > 59 {
						return time.Time{}, 0, false
					}
					unit = 'm'
					if strings.HasPrefix(rest, ":") {
						if sec, rest, ok = num(rest[1:], 2); !ok || sec > 59 {
							return time.Time{}, 0, false
						}
						unit = 's'
						if strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, ",") {
							i, scale := 1, 100000000
							for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
								nsec += int(rest[i]-'0') * scale
								scale /= 10
								i++
							}
							if i == 1 || i > 10 {
								return time.Time{}, 0, false
							}
							rest = rest[i:]
							unit = 0
						}
					}
				}
			}
		}
	}
	loc := time.UTC
	switch {
	case rest == "":
	case rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		z := strings.ReplaceAll(rest[1:], ":", "")
		if len(z) != 2 && len(z) != 4 {
			return time.Time{}, 0, false
		}
		zh, err1 := strconv.Atoi(z[:2])
		zm := 0
		var err2 error
		if len(z) == 4 {
			zm, err2 = strconv.Atoi(z[2:])
		}
		if err1 != nil || err2 != nil {
			return time.Time{}, 0, false
		}
		off := zh*3600 + zm*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	default:
		return time.Time{}, 0, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc).UTC(), unit, true
}

var zeroTime time.Time

func timeMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// dateBound is one side of a date range.
type dateBound struct {
	e    *dateExpr
	op   match.CmpOp
	incl bool
}

// nowRangePred is a range on a date field with a bound relative to now:
// the bounds are computed when the predicate is matched.
type nowRangePred struct {
	slot   int
	bounds []dateBound
	now    func() time.Time
}

func (p *nowRangePred) Match(ev *event.Event) bool {
	now := p.now()
	var lo, hi int64
	hasLo, hasHi := false, false
	for _, b := range p.bounds {
		switch b.op {
		case match.OpGt: // > the last instant of the rounded unit
			lo, hasLo = b.e.eval(now, true)+1, true
		case match.OpGte:
			lo, hasLo = b.e.eval(now, false), true
		case match.OpLt:
			hi, hasHi = b.e.eval(now, false)-1, true
		case match.OpLte:
			hi, hasHi = b.e.eval(now, true), true
		}
	}
	in := func(e event.Value) bool {
		switch e.Kind() {
		case event.KindString, event.KindInt, event.KindFloat:
			t, ok := event.ParseTime(e)
			return ok && (!hasLo || t >= lo) && (!hasHi || t <= hi)
		}
		return false
	}
	v := ev.Get(p.slot)
	if v.Kind() != event.KindArray {
		return in(v)
	}
	for _, e := range v.Array() {
		if in(e) {
			return true
		}
	}
	return false
}
