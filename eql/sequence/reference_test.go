package sequence

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

// reference is a literal, whole-input rendering of Elasticsearch's
// sequence semantics, for differential tests of the streaming Matcher: it
// keeps every partial sequence (not only the newest per key and stage),
// keeps every until event and decides missing events by scanning the whole
// input, as TumblingWindow's queries do.
func reference(spec *Spec, evs []*event.Event) []Result {
	type partial struct {
		evs   []*event.Event // positive events so far
		start int64
	}
	var pos []int
	for i, st := range spec.Stages {
		if !st.Missing {
			pos = append(pos, i)
		}
	}
	p := len(pos)
	groups := make([]map[string][]*partial, p) // per positive rank, per key, oldest first
	for i := range groups {
		groups[i] = map[string][]*partial{}
	}
	untils := map[string][]int{} // key -> indices of until events
	type done struct {
		key string
		evs []*event.Event
		at  int // index of the last event
	}
	var completed []done
	var kb keyBuilder
	kb.max = DefaultMaxFanout
	keysOf := func(e *event.Event, ks []Key) []string {
		n := kb.build(e, ks)
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, string(kb.key(i)))
		}
		return out
	}
	index := map[*event.Event]int{}
	for i, e := range evs {
		index[e] = i
	}
	for i, e := range evs {
		for r := p - 1; r >= 0; r-- {
			st := &spec.Stages[pos[r]]
			if !st.Match(e) {
				continue
			}
			for _, k := range keysOf(e, st.Keys) {
				if r == 0 {
					pt := &partial{evs: []*event.Event{e}, start: e.Time}
					if p == 1 {
						completed = append(completed, done{k, pt.evs, i})
					} else {
						groups[0][k] = append(groups[0][k], pt)
					}
					continue
				}
				g := groups[r-1][k]
				// The latest partial older than the hit; it and all
				// older ones leave the group.
				j := -1
				for x, pt := range g {
					if index[pt.evs[len(pt.evs)-1]] < i {
						j = x
					}
				}
				if j < 0 {
					continue
				}
				pt := g[j]
				groups[r-1][k] = g[j+1:]
				if spec.MaxSpan > 0 && e.Time-pt.start > int64(spec.MaxSpan) {
					continue
				}
				last := index[pt.evs[len(pt.evs)-1]]
				if slices.ContainsFunc(untils[k], func(u int) bool { return u >= last && u < i }) {
					continue
				}
				np := &partial{evs: append(slices.Clone(pt.evs), e), start: pt.start}
				if r == p-1 {
					completed = append(completed, done{k, np.evs, i})
				} else {
					groups[r][k] = append(groups[r][k], np)
				}
			}
		}
		if u := spec.Until; u != nil && u.Match(e) {
			for _, k := range keysOf(e, u.Keys) {
				untils[k] = append(untils[k], i)
			}
		}
	}
	// Missing events.
	hasKey := func(e *event.Event, st *Stage, k string) bool {
		return st.Match(e) && slices.Contains(keysOf(e, st.Keys), k)
	}
	span := func(a, b int64, ok bool) bool {
		return !ok || spec.MaxSpan > 0 && b-a > int64(spec.MaxSpan)
	}
	last := len(spec.Stages) - 1
	hasLead, hasTrail := spec.Stages[0].Missing, spec.Stages[last].Missing
	var out []done
	for _, c := range completed {
		first, lastPos := c.evs[0].Time, c.evs[len(c.evs)-1].Time
		discarded := false
		var lead, trail int64
		leadOK, trailOK := false, false
		for i, st := range spec.Stages {
			if !st.Missing {
				continue
			}
			switch {
			case i < pos[0]:
				for _, e := range evs {
					if e.Time < first && hasKey(e, &spec.Stages[i], c.key) && (!leadOK || e.Time > lead) {
						lead, leadOK = e.Time, true
					}
				}
			case i > pos[p-1]:
				for _, e := range evs {
					if e.Time > lastPos && hasKey(e, &spec.Stages[i], c.key) && (!trailOK || e.Time < trail) {
						trail, trailOK = e.Time, true
					}
				}
			default:
				r := 0
				for r+1 < p && pos[r+1] < i {
					r++
				}
				lo, hi := c.evs[r].Time, c.evs[r+1].Time
				for _, e := range evs {
					if e.Time > lo && e.Time < hi && hasKey(e, &spec.Stages[i], c.key) {
						discarded = true
					}
				}
			}
		}
		if discarded {
			continue
		}
		if (!trailOK && !leadOK) ||
			(!leadOK && hasLead) ||
			(!trailOK && hasTrail) ||
			(hasLead && hasTrail && span(lead, trail, leadOK && trailOK)) ||
			(hasLead && !hasTrail && span(lead, lastPos, leadOK)) ||
			(!hasLead && hasTrail && span(first, trail, trailOK)) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b done) int {
		if a.at != b.at {
			return a.at - b.at
		}
		return compareKeys(a.key, b.key)
	})
	var res []Result
	for _, c := range out {
		r := Result{Keys: decodeKey(c.key), Events: make([]*event.Event, len(spec.Stages))}
		for j, e := range c.evs {
			r.Events[pos[j]] = e
		}
		res = append(res, r)
	}
	return res
}

// randomCase builds a random spec and event stream from a seed: two to
// four stages over a small alphabet of types, some missing, optional or
// multi-valued keys, until, maxspan, timestamps with ties.
func randomCase(seed uint64) (*Spec, []*event.Event, string) {
	rng := rand.New(rand.NewPCG(seed, seed*31+7))
	types := []string{"a", "b", "c", "m"}
	var desc strings.Builder
	nst := 2 + rng.IntN(3)
	keyed := rng.IntN(4) != 0
	opt := rng.IntN(3) == 0
	field := "k"
	if opt {
		field = "?k"
	}
	spec := &Spec{}
	positive := 0
	for i := range nst {
		t := types[rng.IntN(len(types))]
		if rng.IntN(3) == 0 {
			t += "|" + types[rng.IntN(len(types))]
		}
		var st Stage
		if keyed {
			st = stage(t, field)
		} else {
			st = stage(t)
		}
		st.Missing = rng.IntN(3) == 0 && !(i == nst-1 && positive == 0)
		if !st.Missing {
			positive++
		}
		spec.Stages = append(spec.Stages, st)
		if st.Missing {
			desc.WriteByte('!')
		}
		desc.WriteString("[" + t + "]")
	}
	if rng.IntN(3) == 0 {
		u := stage("u", field)
		if !keyed {
			u = stage("u")
		}
		spec.Until = &u
		desc.WriteString(" until [u]")
	}
	if rng.IntN(2) == 0 {
		spec.MaxSpan = time.Duration(1+rng.IntN(8)) * time.Millisecond
		desc.WriteString(" maxspan=" + spec.MaxSpan.String())
	}
	if keyed {
		desc.WriteString(" by " + field)
	}
	n := 5 + rng.IntN(30)
	var evs []*event.Event
	ms := int64(0)
	all := append(types, "u", "x")
	for i := range n {
		ms += int64(rng.IntN(3)) // ties happen
		f := map[string]any{}
		switch rng.IntN(8) {
		case 0: // no key
		case 1:
			f["k"] = nil
		case 2:
			f["k"] = []any{"x", "y"}
		case 3:
			f["k"] = []any{nil, "y"}
		default:
			f["k"] = []string{"x", "y", "z"}[rng.IntN(3)]
		}
		evs = append(evs, ev{i + 1, ms, all[rng.IntN(len(all))], f}.build(uint64(i)))
	}
	return spec, evs, desc.String()
}

func runStreaming(spec *Spec, evs []*event.Event, opt Options, advance bool) []Result {
	m, err := NewMatcher(spec, opt)
	if err != nil {
		panic(err)
	}
	var out []Result
	emit := func(r Result) { out = append(out, r) }
	for _, e := range evs {
		m.Push(e, emit)
		if advance {
			m.Advance(e.Time, emit)
		}
	}
	m.Flush(emit)
	return out
}

func describe(evs []*event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Get(slotID).String() + "@" + time.Duration(e.Time).String() + ":" + e.Get(slotType).Str() + "/" + e.Get(testSchema.Slot("k")).String() + " ")
	}
	return b.String()
}

// TestAgainstReference compares the streaming matcher with the literal
// reference on random inputs.
func TestAgainstReference(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for seed := range uint64(n) {
		checkReference(t, seed)
		if t.Failed() {
			return
		}
	}
}

func checkReference(t *testing.T, seed uint64) {
	spec, evs, desc := randomCase(seed)
	want := format(reference(spec, evs))
	if got := format(runStreaming(spec, evs, Options{Owned: true}, false)); got != want {
		t.Errorf("seed %d: %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
		return
	}
	if got := format(runStreaming(spec, evs, Options{Owned: true}, true)); got != want {
		t.Errorf("seed %d (with Advance): %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
	}
	if got := format(runRouted(spec, evs)); got != want {
		t.Errorf("seed %d (routed as Active allows): %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
	}
	if got, _, err := runRecycled(spec, evs, seed); err != nil {
		t.Errorf("seed %d (results handed back): %s\nevents %s\n%v", seed, desc, describe(evs), err)
	} else if got != want {
		t.Errorf("seed %d (results handed back): %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
	}
	got, err := runReused(spec, evs)
	if err != nil {
		t.Errorf("seed %d (one reused event): %s\nevents %s\n%v", seed, desc, describe(evs), err)
	} else if got := format(got); got != want {
		t.Errorf("seed %d (one reused event): %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
	}
}

// runReused decodes each event from its JSON document into one event and
// one buffer that are overwritten after each push, as a reader does, so
// that the matcher keeps copies of its own. It checks that every event of
// every result holds the document and values of the event pushed.
func runReused(spec *Spec, evs []*event.Event) ([]Result, error) {
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		return nil, err
	}
	kslot, docs := testSchema.Slot("k"), refDocs(evs)
	var out []Result
	emit := func(r Result) { out = append(out, r) }
	if err := pushReused(m, evs, docs, emit); err != nil {
		return nil, err
	}
	for _, r := range out {
		for _, e := range r.Events {
			if e == nil {
				continue
			}
			i := int(e.Get(slotID).Int()) - 1
			if i < 0 || i >= len(evs) {
				return nil, fmt.Errorf("result event with id %v", e.Get(slotID))
			}
			want := evs[i]
			if string(e.Raw) != string(docs[i]) || e.Time != want.Time || e.Seq != want.Seq || e.ID != fmt.Sprint("doc-", i) {
				return nil, fmt.Errorf("event %d kept as %q time %d seq %d id %q", i+1, e.Raw, e.Time, e.Seq, e.ID)
			}
			for _, slot := range []int{slotType, kslot} {
				if g, w := e.Get(slot).String(), want.Get(slot).String(); g != w {
					return nil, fmt.Errorf("event %d slot %d kept as %s, pushed %s", i+1, slot, g, w)
				}
			}
		}
	}
	return out, nil
}

// runRouted pushes only the events a rule index may limit a sequence to
// (see Matcher.Active): all while the matcher is active, else those of
// the first positive stage and the missing-event stages before it.
func runRouted(spec *Spec, evs []*event.Event) []Result {
	m, err := NewMatcher(spec, Options{Owned: true})
	if err != nil {
		panic(err)
	}
	first := 0
	for spec.Stages[first].Missing {
		first++
	}
	var out []Result
	emit := func(r Result) { out = append(out, r) }
	for _, e := range evs {
		offer := m.Active()
		for _, st := range spec.Stages[:first+1] {
			offer = offer || st.Match(e)
		}
		if offer {
			m.Push(e, emit)
		}
	}
	m.Flush(emit)
	return out
}

// FuzzAgainstReference is TestAgainstReference driven by the fuzzer.
func FuzzAgainstReference(f *testing.F) {
	for s := range uint64(16) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkReference(t, seed) })
}

// refDocs writes the reference events' documents: their id, type and
// join key k, as the matcher's copies keep them.
func refDocs(evs []*event.Event) [][]byte {
	kslot := testSchema.Slot("k")
	docs := make([][]byte, len(evs))
	for i, e := range evs {
		doc := fmt.Appendf(nil, `{"id":%d,"type":`, e.Get(slotID).Int())
		doc = e.Get(slotType).AppendJSON(doc)
		if v := e.Get(kslot); v.Kind() != event.KindMissing {
			doc = v.AppendJSON(append(doc, `,"k":`...))
		}
		docs[i] = append(doc, '}')
	}
	return docs
}

// pushReused pushes the reference events to m as a caller that reuses
// one event and its document buffer does (the buffer is overwritten
// after each push), then flushes m.
func pushReused(m *Matcher, evs []*event.Event, docs [][]byte, emit func(Result)) error {
	reused := &event.Event{}
	var buf []byte
	for i, e := range evs {
		buf = append(buf[:0], docs[i]...)
		if err := testSchema.Decode(buf, reused); err != nil {
			return err
		}
		reused.Time, reused.Seq, reused.ID = e.Time, e.Seq, fmt.Sprint("doc-", i)
		m.Push(reused, emit)
		for j := range buf {
			buf[j] = 'X'
		}
		reused.Reset(testSchema.Len())
	}
	m.Flush(emit)
	return nil
}
