package esql

import (
	"fmt"
	"strings"
	"time"
)

func dateFuncs() map[string]funcDef {
	return map[string]funcDef{
		"now": {0, 0, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return constant(c.opts.now().UnixMilli(), TDate, x)
		}},
		"date_trunc": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			span, d := c.asSpan(a[0]), c.asDate(a[1])
			if span.t == TDate {
				span, d = d, span
			}
			if span.t != TDuration && span.t != TPeriod && span.t != TNull {
				c.errorf(x, "first argument of [%s] must be [dateperiod or timeduration], found value [%s] type [%s]", c.text(x), c.text(span.src), span.t)
			}
			c.wantType(x, 1, d, "datetime", func(t Type) bool { return t == TDate })
			zone := c.zone
			if zone == nil {
				zone = time.UTC
			}
			return c.single(s, TDate, []*cexpr{d, span}, func(v []any) (any, error) {
				return truncDate(v[0].(int64), v[1], zone)
			})
		}},
		"date_diff": {3, 3, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			a[1], a[2] = c.asDate(a[1]), c.asDate(a[2])
			return c.single(s, TInt, a, func(v []any) (any, error) {
				unit, _ := v[0].(string)
				return dateDiff(strings.ToLower(unit), v[1].(int64), v[2].(int64))
			})
		}},
		"date_extract": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			a[1] = c.asDate(a[1])
			return c.single(s, TLong, a, func(v []any) (any, error) {
				return dateExtract(strings.ToLower(v[0].(string)), v[1].(int64))
			})
		}},
		"date_format": {1, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TKeyword, a, func(v []any) (any, error) {
				if len(v) == 1 {
					return FormatDate(v[0].(int64)), nil
				}
				return formatJavaDate(v[0].(string), v[1].(int64)), nil
			})
		}},
		"date_parse": {2, 2, func(c *compiler, x *Call, s *site, a []*cexpr) *cexpr {
			return c.single(s, TDate, a, func(v []any) (any, error) {
				layout := javaLayout(v[0].(string))
				t, err := time.Parse(layout, v[1].(string))
				if err != nil {
					return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: failed to parse date field [%s] with format [%s]", v[1], v[0]))
				}
				return t.UnixMilli(), nil
			})
		}},
	}
}

// asDate converts a string literal to a date, as Elasticsearch casts
// string literals where a date is wanted.
func (c *compiler) asDate(a *cexpr) *cexpr {
	if s, ok := a.lit.(string); ok && a.isLit {
		ms, err := parseDate(s)
		if err != nil {
			c.errorf(a.src, "Cannot convert string [%s] to [DATETIME], error [%s]", s, err)
		}
		return constant(ms, TDate, a.src)
	}
	return a
}

// asSpan converts a string literal ("1 day") to a period or duration.
func (c *compiler) asSpan(a *cexpr) *cexpr {
	if s, ok := a.lit.(string); ok && a.isLit {
		if v, err := parseSpan(s, true); err == nil {
			return constant(v, TPeriod, a.src)
		}
		if v, err := parseSpan(s, false); err == nil {
			return constant(v, TDuration, a.src)
		}
		c.errorf(a.src, "Cannot convert string [%s] to [DATE_PERIOD or TIME_DURATION]", s)
	}
	return a
}

// truncDate rounds epoch milliseconds down to a multiple of a duration,
// or to the start of a calendar period.
func truncDate(ms int64, span any, zone *time.Location) (any, error) {
	t := time.UnixMilli(ms).In(zone)
	_, off := t.Zone()
	local := ms + int64(off)*1000 // the wall clock of zone, in ms
	switch s := span.(type) {
	case time.Duration:
		n := s.Milliseconds()
		if n <= 0 {
			return nil, evalError("java.lang.IllegalArgumentException: Zero or negative time interval is not supported")
		}
		return ms - floorMod64(local, n), nil
	case Period:
		y, m, d := t.Date()
		switch {
		case s.Years == 1 && s.Months == 0 && s.Days == 0:
			return time.Date(y, 1, 1, 0, 0, 0, 0, zone).UnixMilli(), nil
		case s.Years > 0 && s.Months == 0 && s.Days == 0:
			// arbitrary intervals count from 0001-01-01, as Elasticsearch
			y = y - floorMod(y-1, s.Years)
			return time.Date(y, 1, 1, 0, 0, 0, 0, zone).UnixMilli(), nil
		case s.Years == 0 && s.Months > 0 && s.Days == 0:
			total := y*12 + int(m) - 1
			total -= floorMod(total-12, s.Months)
			return time.Date(floorDiv(total, 12), time.Month(floorMod(total, 12)+1), 1, 0, 0, 0, 0, zone).UnixMilli(), nil
		case s.Years == 0 && s.Months == 0 && s.Days == 7:
			day := time.Date(y, m, d, 0, 0, 0, 0, zone)
			wd := (int(day.Weekday()) + 6) % 7 // Monday = 0
			return day.AddDate(0, 0, -wd).UnixMilli(), nil
		case s.Years == 0 && s.Months == 0 && s.Days > 0:
			dayMs := int64(s.Days) * 86400000
			return ms - floorMod64(local, dayMs), nil
		}
		return nil, evalError("java.lang.IllegalArgumentException: Time interval is not supported")
	}
	return nil, nil
}

func floorMod64(a, b int64) int64 {
	m := a % b
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

// dateDiff counts whole units from a to b, as Elasticsearch's DATE_DIFF.
func dateDiff(unit string, a, b int64) (any, error) {
	ta, tb := time.UnixMilli(a).UTC(), time.UnixMilli(b).UTC()
	var n int64
	switch unit {
	case "year", "years", "yy", "yyyy":
		n = monthsBetween(ta, tb) / 12
	case "quarter", "quarters", "qq", "q":
		n = monthsBetween(ta, tb) / 3
	case "month", "months", "mm", "m":
		n = monthsBetween(ta, tb)
	case "week", "weeks", "wk", "ww":
		n = (b - a) / (7 * 86400000)
	case "day", "days", "dd", "d", "dayofyear", "dy", "y":
		n = (b - a) / 86400000
	case "hour", "hours", "hh":
		n = (b - a) / 3600000
	case "minute", "minutes", "mi", "n":
		n = (b - a) / 60000
	case "second", "seconds", "ss", "s":
		n = (b - a) / 1000
	case "millisecond", "milliseconds", "ms":
		n = b - a
	case "microsecond", "microseconds", "mcs":
		n = (b - a) * 1000
	case "nanosecond", "nanoseconds", "ns":
		n = (b - a) * 1000000
	default:
		return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [%s]", unit))
	}
	if n > 2147483647 || n < -2147483648 {
		return nil, evalError(errIntOverflow)
	}
	return n, nil
}

// monthsBetween counts whole months from a to b as java.time's
// ChronoUnit.MONTHS.between does.
func monthsBetween(a, b time.Time) int64 {
	m := int64(b.Year()-a.Year())*12 + int64(b.Month()-a.Month())
	// compare the rest of the date-time within the month
	ra := a.AddDate(0, 0, 0)
	rest := func(t time.Time) int64 {
		return int64(t.Day())*86400000000000 + int64(t.Hour())*3600000000000 + int64(t.Minute())*60000000000 + int64(t.Second())*1000000000 + int64(t.Nanosecond())
	}
	_ = ra
	if m > 0 && rest(b) < rest(a) {
		m--
	} else if m < 0 && rest(b) > rest(a) {
		m++
	}
	return m
}

func dateExtract(part string, ms int64) (any, error) {
	t := time.UnixMilli(ms).UTC()
	switch part {
	case "year":
		return int64(t.Year()), nil
	case "month_of_year":
		return int64(t.Month()), nil
	case "day_of_month":
		return int64(t.Day()), nil
	case "day_of_week":
		return int64((int(t.Weekday())+6)%7 + 1), nil
	case "day_of_year":
		return int64(t.YearDay()), nil
	case "hour_of_day":
		return int64(t.Hour()), nil
	case "minute_of_hour":
		return int64(t.Minute()), nil
	case "second_of_minute":
		return int64(t.Second()), nil
	case "minute_of_day":
		return int64(t.Hour()*60 + t.Minute()), nil
	case "second_of_day":
		return int64(t.Hour()*3600 + t.Minute()*60 + t.Second()), nil
	case "milli_of_second":
		return int64(t.Nanosecond() / 1e6), nil
	case "aligned_week_of_year":
		return int64((t.YearDay()-1)/7 + 1), nil
	case "epoch_day":
		return floorDiv64(ms, 86400000), nil
	}
	return nil, evalError(fmt.Sprintf("java.lang.IllegalArgumentException: No enum constant java.time.temporal.ChronoField.%s", strings.ToUpper(part)))
}

func floorDiv64(a, b int64) int64 { return (a - floorMod64(a, b)) / b }

// javaLayout converts a java.time pattern to a Go layout (common
// letters only).
func javaLayout(p string) string {
	r := strings.NewReplacer("yyyy", "2006", "yy", "06", "MMMM", "January", "MMM", "Jan", "MM", "01", "dd", "02",
		"HH", "15", "hh", "03", "mm", "04", "ss", "05", "SSS", "000", "a", "PM", "EEE", "Mon", "XXX", "Z07:00", "Z", "Z0700", "'T'", "T", "'Z'", "Z")
	return r.Replace(p)
}

func formatJavaDate(p string, ms int64) string {
	return time.UnixMilli(ms).UTC().Format(javaLayout(p))
}
