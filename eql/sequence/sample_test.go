package sequence

import (
	"testing"
)

// sampleMulti is the conformance suite's sample-multi data set.
var sampleMulti = []ev{
	{1, 0, "alert_1", map[string]any{"host": "doom", "os": "win10"}},
	{2, 0, "alert_1", map[string]any{"host": "CS", "os": "win10"}},
	{3, 0, "alert_2", map[string]any{"host": "farcry", "os": "win10"}},
	{4, 0, "alert_1", map[string]any{"host": "GTA", "os": "win10"}},
	{5, 0, "alert_1", map[string]any{"host": "GTA", "os": "fedora"}},
	{6, 0, "alert_2", map[string]any{"host": "farcry", "os": "redhat"}},
	{7, 0, "alert_1", map[string]any{"host": "farcry", "os": "redhat"}},
	{8, 0, "alert_1", map[string]any{"host": "farcry", "os": nil}},
	{9, 0, "alert_2", map[string]any{"host": "farcry", "os": nil}},
	{10, 0, "alert_1", map[string]any{"host": "GTA"}},
}

func runSample(t *testing.T, spec *SampleSpec, opt SampleOptions, evs []ev) ([]Result, *Sampler) {
	t.Helper()
	s, err := NewSampler(spec, opt)
	if err != nil {
		t.Fatal(err)
	}
	scratch := ev{}.build(0)
	for i, e := range evs {
		*scratch = *e.build(uint64(i))
		s.Push(scratch)
		scratch.Reset(testSchema.Len())
	}
	var out []Result
	s.Flush(func(r Result) { out = append(out, r) })
	return out, s
}

func TestSampler(t *testing.T) {
	tests := []struct {
		name   string
		spec   *SampleSpec
		evs    []ev
		want   string
		opt    SampleOptions
		refuse uint64
	}{
		{
			name: "one sample per key, keys ascending",
			spec: &SampleSpec{Stages: []Stage{stage("alert_1", "os"), stage("alert_2", "os")}},
			evs:  sampleMulti,
			want: "7,6 [redhat]; 1,3 [win10]",
		},
		{
			name: "optional key: null first",
			spec: &SampleSpec{Stages: []Stage{stage("alert_1", "?os"), stage("alert_2", "?os")}},
			evs:  sampleMulti,
			want: "8,9 [null]; 7,6 [redhat]; 1,3 [win10]",
		},
		{
			name: "two samples per key",
			spec: &SampleSpec{Stages: []Stage{stage("alert_1", "?os"), stage("alert_2", "?os")}, MaxSamplesPerKey: 2},
			evs:  sampleMulti,
			want: "8,9 [null]; 10,9 [null]; 7,6 [redhat]; 1,3 [win10]; 2,3 [win10]",
		},
		{
			name: "more samples per key than there are",
			spec: &SampleSpec{Stages: []Stage{stage("alert_1", "os"), stage("alert_2", "os")}, MaxSamplesPerKey: 10},
			evs:  sampleMulti,
			want: "7,6 [redhat]; 1,3 [win10]; 2,3 [win10]; 4,3 [win10]",
		},
		{
			name: "stages reversed",
			spec: &SampleSpec{Stages: []Stage{stage("alert_2", "os"), stage("alert_1", "os")}, MaxSamplesPerKey: 2},
			evs:  sampleMulti,
			want: "6,7 [redhat]; 3,1 [win10]; 3,2 [win10]",
		},
		{
			name: "events are distinct within a sample",
			spec: &SampleSpec{Stages: []Stage{stage("*", "host"), stage("*", "host"), stage("*", "host")}},
			evs:  sampleMulti,
			want: "4,5,10 [GTA]; 3,6,7 [farcry]", // byte order; the first three events per stage
		},
		{
			name: "samples need no time order",
			spec: &SampleSpec{Stages: []Stage{stage("b", "k"), stage("a", "k")}},
			evs:  []ev{{1, 5, "a", map[string]any{"k": 1}}, {2, 1, "b", map[string]any{"k": 1}}},
			want: "2,1 [1]",
		},
		{
			name:   "key cap: new keys refused and counted",
			spec:   &SampleSpec{Stages: []Stage{stage("alert_1", "os"), stage("alert_2", "os")}},
			opt:    SampleOptions{MaxKeys: 2},
			evs:    sampleMulti,
			want:   "1,3 [win10]",
			refuse: 2, // fedora, redhat (twice); null os is no key
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, s := runSample(t, tc.spec, tc.opt, tc.evs)
			if got := format(out); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if st := s.Stats(); st.RefusedKeys != tc.refuse || st.Keys != 0 || st.Retained != 0 {
				t.Errorf("stats %+v, want %d refused", st, tc.refuse)
			}
		})
	}
}
