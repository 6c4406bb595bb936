package sequence

import (
	"strings"
	"testing"
	"time"
)

func TestMissingEvents(t *testing.T) {
	ms := time.Millisecond
	seq := func(span time.Duration, stages ...Stage) *Spec { return &Spec{Stages: stages, MaxSpan: span} }
	k := func(v any) map[string]any { return map[string]any{"k": v} }
	tests := []struct {
		name string
		spec *Spec
		evs  []ev
		want string
	}{
		{
			name: "middle: a missing event in between rejects",
			spec: seq(0, stage("a"), missing("m"), stage("b")),
			evs:  []ev{{1, 1, "a", nil}, {2, 2, "m", nil}, {3, 3, "b", nil}, {4, 4, "a", nil}, {5, 5, "b", nil}},
			want: "4,-1,5",
		},
		{
			name: "middle: strictly between the timestamps",
			spec: seq(0, stage("a"), missing("m"), stage("b")),
			evs:  []ev{{1, 1, "a", nil}, {2, 1, "m", nil}, {3, 2, "m", nil}, {4, 2, "b", nil}},
			want: "1,-1,4",
		},
		{
			name: "middle: a missing event of another key does not reject",
			spec: seq(0, stage("a", "k"), missing("m", "k"), stage("b", "k")),
			evs:  []ev{{1, 1, "a", k("x")}, {2, 2, "m", k("y")}, {3, 3, "b", k("x")}},
			want: "1,-1,3 [x]",
		},
		{
			name: "middle: the rejected candidate still consumes its partial",
			spec: seq(time.Second, stage("n"), stage("n"), missing("m"), stage("n")),
			evs: []ev{
				{1, 0, "n", nil}, {2, 1, "n", nil}, {3, 2, "m", nil}, {4, 3, "n", nil},
				{5, 4, "n", nil}, {6, 5, "m", nil}, {7, 120000, "m", nil},
			},
			want: "2,4,-1,5",
		},
		{
			name: "middle: two missing stages in a row",
			spec: seq(0, stage("a"), missing("m1"), missing("m2"), stage("b")),
			evs:  []ev{{1, 1, "a", nil}, {2, 2, "m2", nil}, {3, 3, "b", nil}, {4, 4, "a", nil}, {5, 5, "b", nil}},
			want: "4,-1,-1,5",
		},
		{
			name: "leading: within maxspan of the last positive event rejects",
			spec: seq(3*time.Minute, missing("m"), stage("n")),
			evs: []ev{
				{1, 0, "m", nil}, {2, 10 * 60000, "n", nil}, {3, 20 * 60000, "m", nil},
				{4, 21 * 60000, "n", nil}, {5, 29 * 60000, "n", nil}, {6, 31 * 60000, "n", nil},
			},
			want: "-1,2; -1,5; -1,6",
		},
		{
			name: "leading: at the same time as the first positive event is not before it",
			spec: seq(10*ms, missing("m"), stage("n")),
			evs:  []ev{{1, 5, "n", nil}, {2, 5, "m", nil}, {3, 5, "n", nil}},
			want: "-1,1; -1,3",
		},
		{
			name: "leading: measured to the last positive event",
			spec: seq(10*ms, missing("m"), stage("a"), stage("b")),
			evs:  []ev{{1, 0, "m", nil}, {2, 5, "a", nil}, {3, 11, "b", nil}},
			want: "-1,2,3",
		},
		{
			name: "leading and trailing: maxspan 19m",
			spec: seq(19*time.Minute, missing("m"), stage("n"), missing("m")),
			evs:  test3,
			want: "-1,2,-1; -1,4,-1; -1,5,-1; -1,6,-1",
		},
		{
			name: "leading and trailing: maxspan 21m",
			spec: seq(21*time.Minute, missing("m"), stage("n"), missing("m")),
			evs:  test3,
			want: "-1,4,-1; -1,5,-1; -1,6,-1",
		},
		{
			name: "trailing: within maxspan of the first event rejects",
			spec: seq(10*ms, stage("a", "k"), missing("m", "k")),
			evs: []ev{
				{1, 0, "a", k("x")}, {2, 5, "m", k("x")},
				{3, 20, "a", k("y")}, {4, 31, "m", k("y")},
				{5, 40, "a", k("z")},
			},
			want: "3,-1 [y]; 5,-1 [z]",
		},
		{
			name: "trailing: at the same time as the last positive event is not after it",
			spec: seq(10*ms, stage("a"), missing("m")),
			evs:  []ev{{1, 5, "a", nil}, {2, 5, "m", nil}},
			want: "1,-1",
		},
		{
			name: "trailing: the first one after decides",
			spec: seq(10*ms, stage("a"), missing("m")),
			evs:  []ev{{1, 5, "a", nil}, {2, 5, "m", nil}, {3, 7, "m", nil}},
			want: "",
		},
		{
			name: "trailing: measured from the first positive event",
			spec: seq(10*ms, stage("a"), stage("b"), missing("m")),
			evs:  []ev{{1, 0, "a", nil}, {2, 9, "b", nil}, {3, 12, "m", nil}},
			want: "1,2,-1",
		},
		{
			name: "trailing without maxspan: any later event rejects",
			spec: seq(0, stage("a"), missing("m")),
			evs:  []ev{{1, 0, "a", nil}, {2, 1000000, "m", nil}, {3, 1000001, "a", nil}},
			want: "3,-1",
		},
		{
			name: "leading and trailing without a leading event: accepted at once",
			spec: seq(10*ms, missing("l"), stage("a"), missing("m")),
			evs:  []ev{{1, 0, "a", nil}, {2, 1, "m", nil}},
			want: "-1,1,-1",
		},
		{
			name: "leading and trailing: a trailing event within maxspan of the leading one rejects",
			spec: seq(10*ms, missing("l"), stage("a"), missing("m")),
			evs:  []ev{{1, 0, "l", nil}, {2, 1, "a", nil}, {3, 9, "m", nil}, {4, 12, "l", nil}, {5, 13, "a", nil}, {6, 23, "m", nil}},
			want: "-1,5,-1",
		},
		{
			name: "results stay in order behind an undecided one",
			spec: seq(10*ms, missing("l", "k"), stage("a", "k"), missing("m", "k")),
			evs: []ev{
				{1, 0, "l", k("x")}, {2, 1, "a", k("x")}, {3, 2, "a", k("y")}, {4, 3, "l", k("z")},
				{5, 4, "a", k("z")}, {6, 15, "m", k("z")},
			},
			want: "-1,2,-1 [x]; -1,3,-1 [y]; -1,5,-1 [z]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, m := run(t, tc.spec, Options{}, tc.evs)
			if got := format(out); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if s := m.Stats(); s.Keys != 0 || s.Partials != 0 || s.Undecided != 0 || s.Retained != 0 {
				t.Errorf("state left after Flush: %+v", s)
			}
		})
	}
}

// test3 is the test3 part of the conformance suite's missing-events data.
var test3 = []ev{
	{1, 0, "m", nil}, {2, 10*60000 + 1, "n", nil}, {3, 20*60000 + 1, "m", nil},
	{4, 21*60000 + 1, "n", nil}, {5, 29*60000 + 1, "n", nil}, {6, 31*60000 + 1, "n", nil},
}

// TestMissingEventsStreaming checks when results with trailing missing
// stages are emitted: as soon as a trailing event, later events or Advance
// decide them, not only at Flush.
func TestMissingEventsStreaming(t *testing.T) {
	ms := int64(time.Millisecond)
	spec := &Spec{Stages: []Stage{stage("a", "k"), missing("m", "k")}, MaxSpan: 10 * time.Millisecond}
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	emit := func(r Result) { log = append(log, format([]Result{r})) }
	step := func(what string, f func()) {
		log = append(log, what)
		f()
	}
	push := func(e ev) func() { return func() { m.Push(e.build(0), emit) } }
	step("a1", push(ev{1, 0, "a", map[string]any{"k": "x"}}))
	step("a2", push(ev{2, 1, "a", map[string]any{"k": "y"}}))
	step("m3", push(ev{3, 2, "m", map[string]any{"k": "y"}})) // rejects 2
	step("adv9", func() { m.Advance(9*ms, emit) })
	step("adv11", func() { m.Advance(11*ms, emit) }) // 1 can no longer be rejected
	step("a4", push(ev{4, 20, "a", map[string]any{"k": "z"}}))
	step("b5", push(ev{5, 31, "b", nil})) // time passes for 4
	step("a6", push(ev{6, 40, "a", map[string]any{"k": "z"}}))
	step("flush", func() { m.Flush(emit) })
	got := strings.Join(log, " ")
	want := "a1 a2 m3 adv9 adv11 1,-1 [x] a4 b5 4,-1 [z] a6 flush 6,-1 [z]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if s := m.Stats(); s.RejectedMissing != 1 || s.Results != 3 {
		t.Errorf("stats %+v", s)
	}
}

// TestMissingEventsOwnership checks that results hold their own copies of
// the events, which the caller reuses.
func TestMissingEventsOwnership(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("a"), missing("m")}, MaxSpan: 10 * time.Millisecond}
	out, _ := run(t, spec, Options{}, []ev{{1, 0, "a", nil}, {2, 20, "x", nil}, {3, 21, "a", nil}})
	if got := format(out); got != "1,-1; 3,-1" {
		t.Errorf("got %q", got)
	}
	for _, r := range out {
		for _, e := range r.Events {
			if e != nil && e.Get(slotID).Int() < 0 {
				t.Errorf("result holds a reused event: %v", e.Get(slotID))
			}
		}
	}
}
