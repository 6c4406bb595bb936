package main

import (
	"strings"
	"testing"
	"time"
)

func TestProgressLineFits(t *testing.T) {
	st := progressStatus{Files: 278, FilesDone: 131, Bytes: 310 << 20, BytesDone: 97 << 20,
		Events: 1_234_567, Alerts: 40_312, Elapsed: 9 * time.Second}
	for width := 1; width <= 200; width++ {
		line := progressLine(st, lineWidth(width))
		if n := runeLen(line); n > width-1 && width > 11 || n > maxProgressWidth {
			t.Errorf("terminal of %d columns: line of %d: %q", width, n, line)
		}
	}
	if got, want := progressLine(st, 79), "[=====>           ]   31%  alerts 40.3k  files 131/278  ETA 0:20   events 1.23M"; got != want {
		t.Errorf("80 columns:\n%q\nwant\n%q", got, want)
	}
	if got, want := progressLine(st, 39), "[=====>           ]   31%  alerts 40.3k"; got != want {
		t.Errorf("40 columns:\n%q\nwant\n%q", got, want)
	}
}

func TestETA(t *testing.T) {
	for _, tc := range []struct {
		name        string
		done, total int64
		elapsed     time.Duration
		want        string
	}{
		{"nothing read yet", 0, 100, 5 * time.Second, "--"},
		{"too early", 50, 100, 500 * time.Millisecond, "--"},
		// 148h on a run of seconds came from extrapolating a sliver.
		{"a sliver of the input", 1, 1000, 2 * time.Second, "--"},
		{"half way", 50, 100, 10 * time.Second, "0:10"},
		{"a fifth", 20, 100, 30 * time.Second, "2:00"},
		{"long", 10, 100, 30 * time.Minute, "4:30:00"},
		{"over a day", 6, 100, 2 * time.Hour, "--"},
		{"done", 100, 100, 10 * time.Second, "--"},
		{"more than the total (compressed sizes)", 120, 100, 10 * time.Second, "--"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := eta(progressStatus{Bytes: tc.total, BytesDone: tc.done, Elapsed: tc.elapsed})
			if got != tc.want {
				t.Errorf("eta = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCompactCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1k", 12_345: "12.3k", 999_499: "999k",
		999_500: "1M", 4_560_000: "4.56M", 2_000_000_000: "2G"} {
		if got := compactCount(n); got != want || len(got) > 5 {
			t.Errorf("compactCount(%d) = %q, want %q", n, got, want)
		}
	}
}

// screen is a small terminal emulator: enough of one to see what a user
// would see after the program ran (printable text, CR, LF, and the erase
// and cursor-up sequences the progress bar uses; colour is ignored). It
// records every time text reached the last column and wrapped.
type screen struct {
	width    int
	lines    [][]rune
	row, col int
	wraps    []string
}

func (s *screen) feed(out string) {
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\r':
			s.col = 0
		case r == '\n':
			s.row++
		case r == 0x1b && i+1 < len(rs) && rs[i+1] == '[':
			j := i + 2
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';') {
				j++
			}
			if j == len(rs) {
				return
			}
			arg := string(rs[i+2 : j])
			switch rs[j] {
			case 'K':
				s.line(s.row)
				if s.col < len(s.lines[s.row]) {
					s.lines[s.row] = s.lines[s.row][:s.col]
				}
			case 'J':
				s.line(s.row)
				if s.col < len(s.lines[s.row]) {
					s.lines[s.row] = s.lines[s.row][:s.col]
				}
				s.lines = s.lines[:s.row+1]
			case 'A':
				n := 1
				if arg != "" {
					n = atoiOr(arg, 1)
				}
				s.row = max(s.row-n, 0)
			}
			i = j
		default:
			if s.col == s.width {
				s.wraps = append(s.wraps, string(s.lines[s.row]))
				s.row++
				s.col = 0
			}
			s.line(s.row)
			for len(s.lines[s.row]) <= s.col {
				s.lines[s.row] = append(s.lines[s.row], ' ')
			}
			s.lines[s.row][s.col] = r
			s.col++
		}
	}
}

func (s *screen) line(row int) {
	for len(s.lines) <= row {
		s.lines = append(s.lines, nil)
	}
}

func (s *screen) text() []string {
	out := make([]string, len(s.lines))
	for i, l := range s.lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return out
}

func atoiOr(s string, def int) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return def
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func TestScreen(t *testing.T) {
	s := &screen{width: 10}
	s.feed("[==>  ] 5%\r\x1b[Jalert one\r\n[=>\x1b[K\r\x1b[Jsummary\r\n")
	if got := strings.Join(s.text(), "|"); got != "alert one|summary" {
		t.Errorf("screen %q", got)
	}
	s.feed("0123456789ab")
	if len(s.wraps) != 1 {
		t.Errorf("wraps %q", s.wraps)
	}
}

// TestProgressLineSteady: the bar keeps its length while the figures grow
// (it jumped by several columns from one redraw to the next).
func TestProgressLineSteady(t *testing.T) {
	at := -1
	for i, st := range []progressStatus{
		{Files: 278, Bytes: 36 << 20, Elapsed: 0},
		{Files: 278, FilesDone: 3, Bytes: 36 << 20, BytesDone: 900, Events: 344, Alerts: 0, Elapsed: 300 * time.Millisecond},
		{Files: 278, FilesDone: 131, Bytes: 36 << 20, BytesDone: 12 << 20, Events: 45_678, Alerts: 9, Elapsed: 4 * time.Second},
		{Files: 278, FilesDone: 277, Bytes: 36 << 20, BytesDone: 35 << 20, Events: 1_234_567, Alerts: 40_312, Elapsed: 59 * time.Second},
	} {
		line := progressLine(st, 79)
		end := strings.Index(line, "]")
		if at >= 0 && end != at {
			t.Errorf("status %d: bar ends at %d, before at %d: %q", i, end, at, line)
		}
		at = end
	}
}
