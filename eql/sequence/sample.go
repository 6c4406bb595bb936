package sequence

import (
	"errors"
	"fmt"
	"slices"

	"github.com/vigilsec/vigil/event"
)

// SampleSpec describes a sample query.
type SampleSpec struct {
	// Stages in order; none may be a missing-event stage.
	Stages []Stage
	// MaxSamplesPerKey is max_samples_per_key; 0 means 1.
	MaxSamplesPerKey int
}

// SampleOptions tune a Sampler's resource use.
type SampleOptions struct {
	// MaxKeys caps the join keys held. Events of a new key beyond it are
	// not sampled and are counted. 0 means DefaultMaxPending.
	MaxKeys int
	// MaxFanout is as in Options.
	MaxFanout int
	// Owned is as in Options.
	Owned bool
}

// SampleStats are a Sampler's counters.
type SampleStats struct {
	Keys            int    // join keys held
	Retained        int    // events held
	RefusedKeys     uint64 // events of a key not taken because MaxKeys was reached
	Samples         uint64 // samples emitted
	FanoutTruncated uint64 // events whose join keys were cut to MaxFanout
}

// Sampler runs one sample query. Samples are unordered (their events need
// not come in time order), so a Sampler needs all the input before Flush
// builds them; its memory is bounded all the same: per key and stage it
// keeps only the first events Elasticsearch would fetch (stages +
// max_samples_per_key - 1, in arrival order), and MaxKeys caps the keys.
// A Sampler is not safe for concurrent use.
type Sampler struct {
	hits    uint64 // stage hits (see Hits)
	stages  []Stage
	perKey  int // samples per key
	keep    int // events kept per key and stage
	maxKeys int
	owned   bool

	kb    keyBuilder
	index map[string]*sampleKey
	cur   *event.Event
	src   *event.Event

	retained int
	stats    SampleStats
}

type sampleKey struct {
	key string
	evs [][]*event.Event // per stage, at most keep
}

// NewSampler returns a sampler for spec.
func NewSampler(spec *SampleSpec, opt SampleOptions) (*Sampler, error) {
	if len(spec.Stages) == 0 {
		return nil, errors.New("sample: no stages")
	}
	n := len(spec.Stages[0].Keys)
	for i, st := range spec.Stages {
		if st.Match == nil {
			return nil, fmt.Errorf("sample: stage %d has no filter", i+1)
		}
		if st.Missing {
			return nil, fmt.Errorf("sample: stage %d is a missing-event stage", i+1)
		}
		if len(st.Keys) != n {
			return nil, fmt.Errorf("sample: stage %d has %d join keys, stage 1 has %d", i+1, len(st.Keys), n)
		}
	}
	s := &Sampler{
		stages:  slices.Clone(spec.Stages),
		perKey:  max(spec.MaxSamplesPerKey, 1),
		maxKeys: opt.MaxKeys,
		owned:   opt.Owned,
		index:   make(map[string]*sampleKey),
	}
	s.keep = len(s.stages) + s.perKey - 1
	if s.maxKeys <= 0 {
		s.maxKeys = DefaultMaxPending
	}
	s.kb.max = opt.MaxFanout
	if s.kb.max <= 0 {
		s.kb.max = DefaultMaxFanout
	}
	return s, nil
}

// Push consumes an event, in any order.
func (s *Sampler) Push(ev *event.Event) {
	s.cur, s.src = nil, ev
	for i := range s.stages {
		st := &s.stages[i]
		if !st.Match(ev) {
			continue
		}
		s.hits++
		n := s.kb.build(ev, st.Keys)
		for k := 0; k < n; k++ {
			s.add(i, s.kb.key(k))
		}
	}
	s.stats.FanoutTruncated = s.kb.truncated
	s.cur, s.src = nil, nil
}

func (s *Sampler) add(stage int, key []byte) {
	sk := s.index[string(key)]
	if sk == nil {
		if len(s.index) >= s.maxKeys {
			s.stats.RefusedKeys++
			return
		}
		sk = &sampleKey{key: string(key), evs: make([][]*event.Event, len(s.stages))}
		s.index[sk.key] = sk
	}
	if len(sk.evs[stage]) >= s.keep {
		return
	}
	if s.cur == nil {
		s.cur = s.src
		if !s.owned {
			s.cur = s.src.Clone()
		}
	}
	sk.evs[stage] = append(sk.evs[stage], s.cur)
	s.retained++
}

// Flush builds the samples, keys in ascending order, up to
// MaxSamplesPerKey per key, passes them to emit and drops all state.
func (s *Sampler) Flush(emit func(Result)) {
	var ready []*sampleKey
	for _, sk := range s.index {
		if !slices.ContainsFunc(sk.evs, func(l []*event.Event) bool { return len(l) == 0 }) {
			ready = append(ready, sk)
		}
	}
	slices.SortFunc(ready, func(a, b *sampleKey) int { return compareKeys(a.key, b.key) })
	var found [][]*event.Event
	partial := make([]*event.Event, 0, len(s.stages))
	for _, sk := range ready {
		found = found[:0]
		s.pick(sk.evs, 0, partial, &found)
		for _, evs := range found {
			s.stats.Samples++
			emit(Result{Keys: decodeKey(sk.key), Events: evs})
		}
	}
	clear(s.index)
	s.retained = 0
}

// pick chooses one event per stage, all distinct, trying each stage's
// events in arrival order and varying the last stage fastest, until it has
// perKey samples (Elasticsearch's SampleIterator.matchSamples).
func (s *Sampler) pick(lists [][]*event.Event, stage int, partial []*event.Event, found *[][]*event.Event) {
	for _, e := range lists[stage] {
		if slices.Contains(partial, e) {
			continue
		}
		partial = append(partial, e)
		if stage == len(lists)-1 {
			*found = append(*found, slices.Clone(partial))
		} else {
			s.pick(lists, stage+1, partial, found)
		}
		if len(*found) >= s.perKey {
			return
		}
		partial = partial[:len(partial)-1]
	}
}

// Stats returns the counters.
func (s *Sampler) Stats() SampleStats {
	st := s.stats
	st.Keys = len(s.index)
	st.Retained = s.retained
	return st
}
