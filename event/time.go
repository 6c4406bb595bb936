package event

import (
	"math"
	"strconv"
	"time"
)

// ParseTime reads a timestamp as Elasticsearch's default date format does
// (strict_date_optional_time||epoch_millis): ISO 8601 dates and date-times
// with an optional fraction (up to nanoseconds) and zone (Z or ±hh:mm; none
// means UTC), a space instead of the T, or epoch milliseconds as a number or
// a string of digits. It returns nanoseconds since the Unix epoch; a time
// that cannot be held so (before 1677-09-21 or after 2262-04-11) is not ok.
func ParseTime(v Value) (int64, bool) {
	switch v.k {
	case KindString:
		return ParseTimeString(v.Str())
	case KindInt:
		return millis(int64(v.n))
	case KindFloat:
		return floatMillis(v.Float())
	case KindArray:
		if v.l > 0 {
			return ParseTime(v.arr()[0])
		}
	}
	return 0, false
}

// ParseTimeString is ParseTime for a string.
func ParseTimeString(s string) (int64, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return parseISO(s)
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return millis(ms)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return floatMillis(f)
	}
	return 0, false
}

// millis converts epoch milliseconds to nanoseconds, if they fit.
func millis(ms int64) (int64, bool) {
	const limit = math.MaxInt64 / int64(time.Millisecond)
	if ms > limit || ms < -limit {
		return 0, false
	}
	return ms * int64(time.Millisecond), true
}

// floatMillis is millis for a fractional number.
func floatMillis(f float64) (int64, bool) {
	ns := f * float64(time.Millisecond)
	if !(ns > math.MinInt64 && ns < math.MaxInt64) { // NaN fails too
		return 0, false
	}
	return int64(ns), true
}

func digits(s string, n int) (int, bool) {
	if len(s) < n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func parseISO(s string) (int64, bool) {
	year, ok1 := digits(s, 4)
	month, ok2 := digits(s[5:], 2)
	day, ok3 := digits(s[8:], 2)
	if !ok1 || !ok2 || !ok3 || month < 1 || month > 12 || day < 1 || day > 31 {
		return 0, false
	}
	var hour, min, sec, nsec int
	rest := s[10:]
	if len(rest) > 0 && (rest[0] == 'T' || rest[0] == ' ') {
		rest = rest[1:]
		var ok bool
		if hour, ok = digits(rest, 2); !ok || hour > 23 {
			return 0, false
		}
		rest = rest[2:]
		if len(rest) >= 3 && rest[0] == ':' {
			if min, ok = digits(rest[1:], 2); !ok || min > 59 {
				return 0, false
			}
			rest = rest[3:]
			if len(rest) >= 3 && rest[0] == ':' {
				if sec, ok = digits(rest[1:], 2); !ok || sec > 60 {
					return 0, false
				}
				rest = rest[3:]
				if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
					i := 1
					scale := 100000000
					for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
						nsec += int(rest[i]-'0') * scale
						scale /= 10
						i++
					}
					if i == 1 {
						return 0, false
					}
					rest = rest[i:]
				}
			}
		}
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z" || rest == "z":
	case rest[0] == '+' || rest[0] == '-':
		z := rest[1:]
		h, ok := digits(z, 2)
		if !ok {
			return 0, false
		}
		z = z[2:]
		if len(z) > 0 && z[0] == ':' {
			z = z[1:]
		}
		m := 0
		if len(z) > 0 {
			if m, ok = digits(z, 2); !ok || len(z) != 2 {
				return 0, false
			}
		}
		offset = h*3600 + m*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	return unixNano(unixSeconds(year, month, day, hour, min, sec)-int64(offset), nsec)
}

// unixSeconds returns the seconds since the epoch of a date and time in
// UTC. Fields past their range count on, as time.Date normalises them
// (February 30th is March 1st or 2nd, 23:59:60 the next day's first
// second): the day is an offset from the month's first. It is the civil
// calendar's day count (proleptic Gregorian, eras of 400 years): every
// event's timestamp is parsed, and time.Date's normalisation cost more
// than the parsing itself.
func unixSeconds(year, month, day, hour, min, sec int) int64 {
	y, m := int64(year), int64(month)
	if m <= 2 {
		y-- // years run from March, so that leap days fall last
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                           // year of the era, [0, 399]
	doy := (153*((m+9)%12)+2)/5 + int64(day) - 1 // day of the year from March 1st
	doe := yoe*365 + yoe/4 - yoe/100 + doy       // day of the era
	days := era*146097 + doe - 719468            // 1970-01-01 is day 719,468 of era 0
	return days*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec)
}

// unixNano returns sec seconds and nsec nanoseconds since the epoch in
// nanoseconds, if they fit in an int64.
func unixNano(sec int64, nsec int) (int64, bool) {
	const (
		second  = 1_000_000_000
		maxSec  = math.MaxInt64 / second // and maxNsec nanoseconds
		minSec  = -maxSec - 1            // and minNsec nanoseconds
		maxNsec = math.MaxInt64 - maxSec*second
		minNsec = math.MinInt64 - minSec*second
	)
	if sec > maxSec || sec < minSec || sec == maxSec && nsec > maxNsec || sec == minSec && nsec < minNsec {
		return 0, false
	}
	return sec*second + int64(nsec), true // wraps below minSec*second and back
}

// FormatTime renders nanoseconds since the epoch as RFC 3339 in UTC with
// millisecond precision, or more when the time has it, as Elasticsearch
// prints dates.
func FormatTime(ns int64) string {
	t := time.Unix(0, ns).UTC()
	if ns%int64(time.Millisecond) == 0 {
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(time.RFC3339Nano)
}
