package esql

import (
	"strings"
	"testing"
	"time"
)

// TestLikePatternConstants checks that a LIKE/RLIKE pattern may name a
// column that ROW or EVAL set to a constant (Elasticsearch propagates
// foldable EVAL values), and that a ROW column or a column set from a
// field, shadowed or renamed away is not taken for a constant.
func TestLikePatternConstants(t *testing.T) {
	tests := []struct {
		query   string
		pattern string // the folded pattern; "" when Parse must fail
	}{
		{`row a = "x" | eval p = "x*" | where a like p`, "x*"},
		{`row a = "x" | eval s = "*", p = concat("x", s) | where a like p`, "x*"},
		{`row a = "x" | eval s = ".*" | eval p = concat("x", s) | where a rlike p`, "x.*"},
		{`row a = "x", p = "x?" | where a like p`, ""},
		{`row a = "x" | eval q = "x*" | rename q as p | where a like p`, "x*"},
		{`row a = "x" | eval p = "x*" | rename p as q | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | eval p = a | where a like p`, ""},
		{`row a = "x" | eval p = a | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | stats c = count(*) by a | where a like p`, ""},
		{`row a = "x" | eval p = "x*" | keep a | where a like p`, ""},
		{`row a = "x" | eval p = 1 | where a like p`, ""},
	}
	for _, tc := range tests {
		q, err := Parse(tc.query)
		if tc.pattern == "" {
			if err == nil {
				t.Errorf("%s: parsed, want an error", tc.query)
			} else if !strings.Contains(err.Error(), "must be a constant string") {
				t.Errorf("%s: error %v, want a constant-pattern error", tc.query, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		w, ok := q.Commands[len(q.Commands)-1].(*Where)
		if !ok {
			t.Errorf("%s: last command is %T", tc.query, q.Commands[len(q.Commands)-1])
			continue
		}
		l, ok := w.Cond.(*Like)
		if !ok || len(l.Patterns) != 1 || l.Patterns[0] != tc.pattern {
			t.Errorf("%s: condition %#v, want pattern %q", tc.query, w.Cond, tc.pattern)
		}
	}
}

// TestSettings checks SET name = "value"; before the query.
func TestSettings(t *testing.T) {
	tests := []struct {
		query   string
		offset  int    // the zone's offset in seconds at 2025-01-01
		nullify bool   // SET unmapped_fields = "nullify"
		err     string // a substring of the error, "" when it parses
	}{
		{`row a = 1`, 0, false, ""},
		{`SET time_zone = "+10:00"; row a = 1`, 36000, false, ""},
		{`set time_zone = "-0530"; row a = 1`, -19800, false, ""},
		{`SET time_zone = "Z"; SET unmapped_fields = "nullify"; row a = 1`, 0, true, ""},
		{`SET time_zone = "Europe/Paris"; row a = 1`, 3600, false, ""},
		{`SET time_zone = "+25:00"; row a = 1`, 0, false, "Invalid time zone [+25:00]"},
		{`SET unmapped_fields = "load"; row a = 1`, 0, false, "Invalid value for setting [unmapped_fields]"},
		{`SET colour = "blue"; row a = 1`, 0, false, "Unknown setting [colour]"},
		{`SET time_zone = "Z" row a = 1`, 0, false, "expecting ';'"},
	}
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		q, err := Parse(tc.query)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.query, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		off := 0
		if q.TimeZone != nil {
			_, off = jan.In(q.TimeZone).Zone()
		}
		if off != tc.offset || q.NullifyUnmapped != tc.nullify {
			t.Errorf("%s: offset %d nullify %v, want %d %v", tc.query, off, q.NullifyUnmapped, tc.offset, tc.nullify)
		}
	}
}

// TestMentions checks the count of a column's mentions, by which the
// engine leaves _id unread.
func TestMentions(t *testing.T) {
	tests := []struct {
		query string
		want  int
	}{
		{`from a metadata _id, _index | where x == "_id"`, 1},
		{`from a metadata _id | stats v = values(_id) by h`, 2},
		{`from a metadata _id | keep ` + "`_id`" + `, h`, 2},
		{`from a metadata _index | where b._id == 1`, 1},
		{`from a | where "`, 1 << 30},
	}
	for _, tc := range tests {
		if got := Mentions(tc.query, "_id"); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.query, got, tc.want)
		}
	}
}
