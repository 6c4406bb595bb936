package sequence

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

func TestMatcher(t *testing.T) {
	by := func(stages ...Stage) *Spec { return &Spec{Stages: stages} }
	within := func(d time.Duration, stages ...Stage) *Spec { return &Spec{Stages: stages, MaxSpan: d} }
	k := func(v any) map[string]any { return map[string]any{"k": v} }
	tests := []struct {
		name string
		spec *Spec
		evs  []ev
		want string
	}{
		{
			name: "two stages by key",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "a", k("y")}, {3, 3, "b", k("y")}, {4, 4, "b", k("x")}},
			want: "2,3 [y]; 1,4 [x]",
		},
		{
			name: "no by: one state machine",
			spec: by(stage("a"), stage("b")),
			evs:  []ev{{1, 1, "a", nil}, {2, 2, "b", nil}, {3, 3, "b", nil}, {4, 4, "a", nil}, {5, 5, "b", nil}},
			want: "1,2; 4,5",
		},
		{
			name: "newer partial replaces older at the same stage",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "a", k("x")}, {3, 3, "b", k("x")}},
			want: "2,3 [x]",
		},
		{
			name: "newer partial replaces older at a middle stage",
			spec: by(stage("a", "k"), stage("b", "k"), stage("c", "k")),
			evs: []ev{
				{1, 1, "a", k("x")}, {2, 2, "b", k("x")}, {3, 3, "a", k("x")}, {4, 4, "b", k("x")},
				{5, 5, "c", k("x")}, {6, 6, "c", k("x")},
			},
			want: "3,4,5 [x]",
		},
		{
			name: "a completed sequence is emitted once",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "b", k("x")}, {3, 3, "b", k("x")}},
			want: "1,2 [x]",
		},
		{
			name: "keys do not mix",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "b", k("y")}},
			want: "",
		},
		{
			name: "maxspan from the first event",
			spec: within(10*time.Millisecond, stage("a", "k"), stage("b", "k"), stage("c", "k")),
			evs: []ev{
				{1, 0, "a", k("x")}, {2, 5, "b", k("x")}, {3, 11, "c", k("x")}, // 11-0 > 10
				{4, 20, "a", k("y")}, {5, 25, "b", k("y")}, {6, 30, "c", k("y")}, // exactly 10
			},
			want: "4,5,6 [y]",
		},
		{
			name: "a hit beyond maxspan consumes the partial",
			spec: within(10*time.Millisecond, stage("a", "k"), stage("b", "k"), stage("b2|b", "k")),
			evs:  []ev{{1, 0, "a", k("x")}, {2, 20, "b", k("x")}, {3, 21, "b2", k("x")}},
			want: "",
		},
		{
			name: "an event matching several stages does not extend its own partial",
			spec: within(time.Second, stage("n"), stage("n")),
			evs:  []ev{{1, 1, "n", nil}, {2, 2, "n", nil}, {3, 3, "n", nil}},
			want: "1,2; 2,3",
		},
		{
			name: "runs=3 expanded",
			spec: by(stage("a", "k"), stage("b", "k"), stage("b", "k"), stage("b", "k")),
			evs: []ev{
				{1, 1, "a", k("x")}, {2, 2, "b", k("x")}, {3, 3, "b", k("x")}, {4, 4, "b", k("x")}, {5, 5, "b", k("x")},
				{6, 6, "a", k("x")}, {7, 7, "b", k("x")}, {8, 8, "b", k("x")},
			},
			want: "1,2,3,4 [x]",
		},
		{
			name: "shared and per-stage keys",
			spec: by(
				Stage{Match: stage("logon").Match, Keys: keys("host", "user")},
				Stage{Match: stage("proc").Match, Keys: keys("host", "proc_user")},
			),
			evs: []ev{
				{1, 1, "logon", map[string]any{"host": "h1", "user": "bob"}},
				{2, 2, "proc", map[string]any{"host": "h1", "proc_user": "alice"}},
				{3, 3, "proc", map[string]any{"host": "h2", "proc_user": "bob"}},
				{4, 4, "proc", map[string]any{"host": "h1", "proc_user": "bob"}},
			},
			want: "1,4 [h1 bob]",
		},
		{
			name: "numbers join by value",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k(1234)}, {2, 2, "b", k(1234.0)}, {3, 3, "a", k(1.5)}, {4, 4, "b", k(1.5)}, {5, 5, "a", k("7")}, {6, 6, "b", k(7)}},
			want: "1,2 [1234]; 3,4 [1.5]",
		},
		{
			name: "array key: one to many",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k([]any{"t1", "t2"})}, {2, 2, "b", k("t1")}},
			want: "1,2 [t1]",
		},
		{
			name: "array key: many to many, ordered by key",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k([]any{"t1", "t2"})}, {4, 2, "a", k([]any{"t4", "t3"})}, {23, 3, "b", k([]any{"t4", "t1", "t3"})}},
			want: "1,23 [t1]; 4,23 [t3]; 4,23 [t4]",
		},
		{
			name: "array keys: cartesian product",
			spec: by(stage("a", "k", "j"), stage("b", "k", "j")),
			evs: []ev{
				{4, 1, "a", map[string]any{"k": []any{"t3", "t4"}, "j": []any{"i1", "i2", "i3"}}},
				{23, 2, "b", map[string]any{"k": []any{"t1", "t3", "t4"}, "j": []any{"i0", "i1", "i2"}}},
			},
			want: "4,23 [t3 i1]; 4,23 [t3 i2]; 4,23 [t4 i1]; 4,23 [t4 i2]",
		},
		{
			name: "array key: duplicates count once",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{12, 1, "a", k([]any{"t1", "t1", "t2"})}, {13, 2, "b", k([]any{"t1", "t2", "t2"})}},
			want: "12,13 [t1]; 12,13 [t2]",
		},
		{
			name: "array key: nulls dropped, null and missing excluded",
			spec: by(stage("a", "k"), stage("a", "k")),
			evs: []ev{
				{16, 6, "a", k([]any{"t1", nil, "t2"})}, {17, 6, "a", k(nil)}, {18, 7, "a", k([]any{nil})},
				{19, 8, "a", k([]any{"t1"})}, {20, 9, "a", k("t2")}, {21, 10, "a", nil},
			},
			want: "16,19 [t1]; 16,20 [t2]",
		},
		{
			name: "optional key: null joins null",
			spec: by(stage("a", "?k"), stage("a", "?k")),
			evs: []ev{
				{10, 1, "a", k([]any{"t1", nil, nil})}, {11, 1, "a", k([]any{nil})}, {12, 2, "a", nil}, {18, 7, "a", k("t10")},
			},
			want: "11,12 [null]",
		},
		{
			name: "optional and required keys",
			spec: by(stage("a", "?k", "j"), stage("b", "?k", "j")),
			evs: []ev{
				{1, 1, "a", map[string]any{"j": 1}}, {2, 2, "a", map[string]any{"k": "x"}},
				{3, 3, "b", map[string]any{"j": 1}}, {4, 4, "b", map[string]any{"k": "x"}},
			},
			want: "1,3 [null 1]",
		},
		{
			name: "results in order of their last event",
			spec: by(stage("a", "k"), stage("b", "k"), stage("c", "k")),
			evs: []ev{
				{1, 1, "a", k("x")}, {2, 2, "a", k("y")}, {3, 3, "b", k("y")}, {4, 4, "b", k("x")},
				{5, 5, "c", k("x")}, {6, 6, "c", k("y")},
			},
			want: "1,4,5 [x]; 2,3,6 [y]",
		},
		{
			name: "bool keys",
			spec: by(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k(true)}, {2, 1, "a", k(false)}, {3, 2, "b", k([]any{true, false})}},
			want: "2,3 [false]; 1,3 [true]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := run(t, tc.spec, Options{}, tc.evs)
			if got := format(out); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestUntil(t *testing.T) {
	k := func(v any) map[string]any { return map[string]any{"k": v} }
	until := func(stages ...Stage) *Spec {
		u := stage("u", "k")
		return &Spec{Stages: stages, Until: &u}
	}
	tests := []struct {
		name string
		spec *Spec
		evs  []ev
		want string
	}{
		{
			name: "until cancels the key's partial",
			spec: until(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "u", k("x")}, {3, 3, "b", k("x")}},
			want: "",
		},
		{
			name: "until of another key does not",
			spec: until(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "u", k("y")}, {3, 3, "b", k("x")}},
			want: "1,3 [x]",
		},
		{
			name: "until cancels partials at every stage",
			spec: until(stage("a", "k"), stage("b", "k"), stage("c", "k")),
			evs: []ev{
				{1, 1, "a", k("x")}, {2, 2, "b", k("x")}, {3, 3, "a", k("x")}, {4, 4, "u", k("x")},
				{5, 5, "b", k("x")}, {6, 6, "c", k("x")},
			},
			want: "",
		},
		{
			name: "a new partial after until matches",
			spec: until(stage("a", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "u", k("x")}, {3, 3, "a", k("x")}, {4, 4, "b", k("x")}},
			want: "3,4 [x]",
		},
		{
			name: "an until event may complete a sequence",
			spec: until(stage("a", "k"), stage("b|u", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "u", k("x")}},
			want: "1,2 [x]",
		},
		{
			name: "an until event cannot extend a partial",
			spec: until(stage("a", "k"), stage("b|u", "k"), stage("c", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "u", k("x")}, {3, 3, "c", k("x")}},
			want: "",
		},
		{
			name: "an until event cannot start a partial",
			spec: until(stage("a|u", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "u", k("x")}, {2, 2, "b", k("x")}},
			want: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, m := run(t, tc.spec, Options{}, tc.evs)
			if got := format(out); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if s := m.Stats(); s.Keys != 0 || s.Partials != 0 || s.Retained != 0 {
				t.Errorf("state left after Flush: %+v", s)
			}
		})
	}
}

// TestGating checks that Push evaluates a stage's filter only when a hit
// could change something, and what Active reports.
func TestGating(t *testing.T) {
	k := func(v any) map[string]any { return map[string]any{"k": v} }
	type count map[string]int
	counted := func(c count, name string, st Stage) Stage {
		match := st.Match
		st.Match = func(e *event.Event) bool { c[name]++; return match(e) }
		return st
	}
	tests := []struct {
		name   string
		spec   func(c count) *Spec
		evs    []ev
		want   string // evaluations per stage, in order a, b, c, u, m (missing)
		active []bool // Active after each event
	}{
		{
			name: "later stages wait for a partial",
			spec: func(c count) *Spec {
				return &Spec{Stages: []Stage{counted(c, "a", stage("a", "k")), counted(c, "b", stage("b", "k")), counted(c, "c", stage("c", "k"))}}
			},
			evs:    []ev{{1, 1, "b", k(1)}, {2, 2, "c", k(1)}, {3, 3, "a", k(1)}, {4, 4, "c", k(1)}, {5, 5, "b", k(1)}, {6, 6, "c", k(1)}},
			want:   "a=6 b=2 c=1",
			active: []bool{false, false, true, true, true, false},
		},
		{
			name: "until only with partials",
			spec: func(c count) *Spec {
				u := counted(c, "u", stage("u", "k"))
				return &Spec{Stages: []Stage{counted(c, "a", stage("a", "k")), counted(c, "b", stage("b", "k"))}, Until: &u}
			},
			evs:    []ev{{1, 1, "u", k(1)}, {2, 2, "a", k(1)}, {3, 3, "u", k(1)}, {4, 4, "u", k(1)}},
			want:   "a=4 b=1 u=2",
			active: []bool{false, true, false, false},
		},
		{
			name: "middle missing stage only with partials before it",
			spec: func(c count) *Spec {
				return &Spec{Stages: []Stage{counted(c, "a", stage("a", "k")), counted(c, "m", missing("m", "k")), counted(c, "b", stage("b", "k"))}}
			},
			evs:    []ev{{1, 1, "m", k(1)}, {2, 2, "a", k(1)}, {3, 3, "m", k(1)}, {4, 4, "b", k(1)}},
			want:   "a=4 b=2 m=2",
			active: []bool{false, true, true, false},
		},
		{
			name: "trailing missing stage only with undecided results",
			spec: func(c count) *Spec {
				return &Spec{MaxSpan: time.Second, Stages: []Stage{counted(c, "a", stage("a", "k")), counted(c, "b", stage("b", "k")), counted(c, "m", missing("m", "k"))}}
			},
			evs:    []ev{{1, 1, "m", k(1)}, {2, 2, "a", k(1)}, {3, 3, "b", k(1)}, {4, 4, "m", k(1)}, {5, 5, "m", k(1)}},
			want:   "a=5 b=1 m=1",
			active: []bool{false, true, true, false, false},
		},
		{
			name: "leading missing stage always",
			spec: func(c count) *Spec {
				return &Spec{MaxSpan: time.Second, Stages: []Stage{counted(c, "m", missing("m", "k")), counted(c, "a", stage("a", "k")), counted(c, "b", stage("b", "k"))}}
			},
			evs:    []ev{{1, 1, "m", k(1)}, {2, 2, "x", k(1)}, {3, 3, "b", k(1)}},
			want:   "a=3 m=3",
			active: []bool{false, false, false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := count{}
			m, err := NewMatcher(tc.spec(c), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range tc.evs {
				m.Push(e.build(uint64(i)), func(Result) {})
				if got := m.Active(); got != tc.active[i] {
					t.Errorf("after event %d: Active() = %v, want %v", e.id, got, tc.active[i])
				}
			}
			var parts []string
			for _, name := range []string{"a", "b", "c", "u", "m"} {
				if n, ok := c[name]; ok {
					parts = append(parts, fmt.Sprintf("%s=%d", name, n))
				}
			}
			if got := strings.Join(parts, " "); got != tc.want {
				t.Errorf("evaluations %s, want %s", got, tc.want)
			}
		})
	}
}
