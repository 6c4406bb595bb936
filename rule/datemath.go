package rule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kibana's defaults for a rule's schedule.
const (
	DefaultFrom       = "now-6m"
	DefaultInterval   = "5m"
	DefaultMaxSignals = 100
)

// ParseInterval parses a rule interval: a positive whole number and a unit,
// s, m, h or d ("5m", "1h", "60s", "1d"), as Kibana's task scheduler takes
// it.
func ParseInterval(s string) (time.Duration, error) {
	n, unit, ok := splitAmount(s)
	if !ok {
		return 0, fmt.Errorf("invalid interval %q: want a number and a unit (s, m, h, d), e.g. \"5m\"", s)
	}
	d, ok := unitDuration(unit, false)
	if !ok {
		return 0, fmt.Errorf("invalid interval %q: unknown unit %q (want s, m, h or d)", s, unit)
	}
	if n <= 0 {
		return 0, fmt.Errorf("invalid interval %q: must be positive", s)
	}
	return mul(d, n, s)
}

// ParseFrom parses the Elasticsearch date math a rule's from and to are
// written in, relative to now, and returns how far before now it points:
// "now-9m" gives 9m, "now" gives 0, "now-1d-2h" gives 26h, "now+1m" gives
// -1m. The units are s, m, h (or H), d and w; y and M (months) and rounding
// ("/d") have no fixed length and are refused. A bare duration ("9m") is
// read as "now-9m", as detection-rules does.
func ParseFrom(s string) (time.Duration, error) {
	if !strings.HasPrefix(s, "now") {
		n, unit, ok := splitAmount(s)
		if d, uok := unitDuration(unit, true); ok && uok {
			return mul(d, n, s)
		}
		return 0, fmt.Errorf("invalid date math %q: want now, now-9m, now-1h, ...", s)
	}
	var total time.Duration
	rest := s[len("now"):]
	for rest != "" {
		op := rest[0]
		switch op {
		case '+', '-':
		case '/':
			return 0, fmt.Errorf("invalid date math %q: rounding (%s) is not supported", s, rest)
		default:
			return 0, fmt.Errorf("invalid date math %q: unexpected %q", s, rest)
		}
		rest = rest[1:]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= 'A' && rest[j] <= 'Z') {
			j++
		}
		if i == 0 || j == i {
			return 0, fmt.Errorf("invalid date math %q: want a number and a unit after %q", s, string(op))
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid date math %q: %v", s, err)
		}
		unit := rest[i:j]
		d, ok := unitDuration(unit, true)
		if !ok {
			if unit == "y" || unit == "M" {
				return 0, fmt.Errorf("invalid date math %q: unit %q has no fixed length", s, unit)
			}
			return 0, fmt.Errorf("invalid date math %q: unknown unit %q", s, unit)
		}
		step, err := mul(d, n, s)
		if err != nil {
			return 0, err
		}
		if op == '-' {
			total += step
		} else {
			total -= step
		}
		rest = rest[j:]
	}
	return total, nil
}

func splitAmount(s string) (n int64, unit string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i == len(s) {
		return 0, "", false
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, s[i:], true
}

func unitDuration(unit string, dateMath bool) (time.Duration, bool) {
	switch unit {
	case "s":
		return time.Second, true
	case "m":
		return time.Minute, true
	case "h":
		return time.Hour, true
	case "H":
		return time.Hour, dateMath
	case "d":
		return 24 * time.Hour, true
	case "w":
		return 7 * 24 * time.Hour, dateMath
	}
	return 0, false
}

func mul(d time.Duration, n int64, s string) (time.Duration, error) {
	if n > int64(1<<62)/int64(d) {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	return d * time.Duration(n), nil
}

// IntervalDuration returns the rule's interval, 0 if it is invalid (Parse
// reports invalid intervals).
func (r *Rule) IntervalDuration() time.Duration {
	d, _ := ParseInterval(r.Interval)
	return d
}

// Window returns the span of time each run of the rule searches: from
// "from" to "to", i.e. now - from when to is "now". A rule with from
// "now-9m" searches the last 9 minutes.
func (r *Rule) Window() time.Duration {
	from, err := ParseFrom(r.From)
	if err != nil {
		return 0
	}
	to, err := ParseFrom(r.To)
	if err != nil {
		return 0
	}
	return from - to
}

// LookBack returns the additional look-back time of the rule: how much the
// window of one run reaches further back than the interval since the
// previous run, Window() - interval. Kibana writes a rule as "runs every
// interval, with additional look-back" and stores from = now-(interval +
// look-back): from "now-9m" with interval "5m" gives 4m. For streaming this
// is how late an event may arrive (by event time) and still be judged by
// the rule. A negative value means runs leave gaps between their windows.
func (r *Rule) LookBack() time.Duration {
	return r.Window() - r.IntervalDuration()
}

// HistoryWindow returns how far back from a run's "now" a new_terms rule
// looks for earlier sightings of a term: history_window_start as date math
// ("now-7d" gives 7 days). Kibana's default for a missing start is 7 days
// (the detection-rules schema requires it, so that is rare).
func (nt *NewTerms) HistoryWindow() (time.Duration, error) {
	if nt.HistoryWindowStart == "" {
		return 7 * 24 * time.Hour, nil
	}
	d, err := ParseFrom(nt.HistoryWindowStart)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("history_window_start %q is not in the past", nt.HistoryWindowStart)
	}
	return d, nil
}
