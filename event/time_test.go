package event

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestUnixSecondsMatchesTimeDate checks the day count against time.Date
// over every year a timestamp can name, the days past a month's end
// (which count on into the next month), leap seconds and the edges of
// what nanoseconds since the epoch can hold.
func TestUnixSecondsMatchesTimeDate(t *testing.T) {
	check := func(year, month, day, hour, min, sec, nsec, offset int) {
		t.Helper()
		want := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC).Add(-time.Duration(offset) * time.Second)
		wantOK := !want.Before(time.Unix(0, math.MinInt64)) && !want.After(time.Unix(0, math.MaxInt64))
		got, ok := unixNano(unixSeconds(year, month, day, hour, min, sec)-int64(offset), nsec)
		if ok != wantOK || ok && got != want.UnixNano() {
			t.Fatalf("%04d-%02d-%02d %02d:%02d:%02d.%09d %+d: %d %v, want %d %v",
				year, month, day, hour, min, sec, nsec, offset, got, ok, want.UnixNano(), wantOK)
		}
	}
	for year := range 10000 {
		for month := 1; month <= 12; month++ {
			check(year, month, 1, 0, 0, 0, 0, 0)
			check(year, month, 31, 23, 59, 60, 999_999_999, 0)
		}
	}
	// Around the limits of int64 nanoseconds: 1677-09-21T00:12:43.145224192Z
	// and 2262-04-11T23:47:16.854775807Z.
	for _, d := range []int{-1, 0, 1} {
		check(1677, 9, 21, 0, 12, 43, 145224192+d, 0)
		check(2262, 4, 11, 23, 47, 16, 854775807+d, 0)
		check(1677, 9, 21, 0, 12, 43+d, 145224192, 0)
		check(2262, 4, 11, 23, 47, 16+d, 854775807, 0)
		check(1677, 9, 21, 1, 12, 43, 145224192, 3600+d)
		check(2262, 4, 11, 22, 47, 16, 854775807, -3600+d)
	}
	rng := rand.New(rand.NewPCG(11, 7))
	for range 200_000 {
		check(rng.IntN(10000), 1+rng.IntN(12), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), rng.IntN(61),
			rng.IntN(1_000_000_000), (rng.IntN(48)-24)*3600+rng.IntN(60)*60)
	}
}

// TestParseISOEdges parses timestamps whose fields run past their range
// as Elasticsearch's lenient parsing (and time.Date) count them on.
func TestParseISOEdges(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC; "" for not ok
	}{
		{"2021-02-29T00:00:00Z", "2021-03-01T00:00:00Z"},
		{"2020-02-30T12:00:00Z", "2020-03-01T12:00:00Z"},
		{"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
		{"2000-03-01T00:00:00+01:00", "2000-02-29T23:00:00Z"},
		{"1970-01-01", "1970-01-01T00:00:00Z"},
		{"1677-09-21T00:12:43.145224191Z", ""},
		{"2262-04-11T23:47:16.854775808Z", ""},
		{"0000-01-01T00:00:00Z", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ns, ok := parseISO(tc.in)
			got := ""
			if ok {
				got = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
			}
			if got != tc.want {
				t.Errorf("parseISO(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
