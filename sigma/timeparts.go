package sigma

import (
	"fmt"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// The time modifiers (specification v2.1: minute, hour, day, week, month,
// year) take a number out of a date field and compare it with the
// value, alone (equal) or with lt, lte, gt, gte or neq. As the
// specification says, no time zone is converted: a timestamp's parts
// are read as it is written (2025-10-24T23:10:00+02:00 has hour 23);
// epoch milliseconds are read in UTC. The week is the ISO 8601 week.

// timeParts are the modifiers and their ranges.
var timeParts = map[string][2]int{
	"minute": {0, 59}, "hour": {0, 23}, "day": {1, 31}, "week": {1, 53}, "month": {1, 12}, "year": {0, 9999},
}

// timePart compiles one value of a time modifier.
func (s source) timePart(slotOf func(string) int, part string, op match.CmpOp, text string) (match.Pred, error) {
	n, err := strconv.Atoi(text)
	r := timeParts[part]
	if err != nil || n < r[0] || n > r[1] {
		return nil, fmt.Errorf("%s takes a whole number from %d to %d, not %q", part, r[0], r[1], text)
	}
	return s.each(slotOf, func(slot int) (match.Pred, error) {
		return &timePartPred{slot: slot, part: part, op: op, n: n}, nil
	}, nil)
}

// timePartPred compares a part of a field's date with n.
type timePartPred struct {
	slot int
	part string
	op   match.CmpOp
	n    int
}

func (p *timePartPred) Match(ev *event.Event) bool {
	return p.value(ev.Get(p.slot))
}

func (p *timePartPred) value(v event.Value) bool {
	if v.Kind() == event.KindArray {
		for _, e := range v.Array() {
			if p.value(e) {
				return true
			}
		}
		return false
	}
	t, ok := wallTime(v)
	if !ok {
		return false
	}
	var got int
	switch p.part {
	case "minute":
		got = t.Minute()
	case "hour":
		got = t.Hour()
	case "day":
		got = t.Day()
	case "week":
		_, got = t.ISOWeek()
	case "month":
		got = int(t.Month())
	case "year":
		got = t.Year()
	}
	switch p.op {
	case match.OpNeq:
		return got != p.n
	case match.OpLt:
		return got < p.n
	case match.OpLte:
		return got <= p.n
	case match.OpGt:
		return got > p.n
	case match.OpGte:
		return got >= p.n
	}
	return got == p.n
}

// Script marks the predicate for the analyses: only evaluating it
// decides it.
func (p *timePartPred) Script() {}

// wallTime reads a date as written: an ISO 8601 string without its zone,
// or epoch milliseconds in UTC.
func wallTime(v event.Value) (time.Time, bool) {
	if v.Kind() == event.KindString {
		s := v.Str()
		if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
			s = withoutZone(s)
		}
		ns, ok := event.ParseTimeString(s)
		return time.Unix(0, ns).UTC(), ok
	}
	ns, ok := event.ParseTime(v)
	return time.Unix(0, ns).UTC(), ok
}

// withoutZone cuts the zone (Z or ±hh[:mm]) off an ISO 8601 date-time.
func withoutZone(s string) string {
	if len(s) <= 10 {
		return s
	}
	for i := len(s) - 1; i > 10; i-- {
		switch c := s[i]; {
		case c == 'Z' || c == 'z':
			if i == len(s)-1 {
				return s[:i]
			}
			return s
		case c == '+' || c == '-':
			return s[:i]
		case c == ':' || c >= '0' && c <= '9':
		default:
			return s
		}
	}
	return s
}
