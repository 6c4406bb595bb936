package sequence

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
)

// TestRecycleAgainstReference runs random cases of TestAgainstReference
// (which, like FuzzAgainstReference, runs each through runRecycled too)
// and checks that storage is in fact reused.
func TestRecycleAgainstReference(t *testing.T) {
	n := 2000
	lent := 0
	for seed := range uint64(n) {
		spec, evs, desc := randomCase(seed)
		want := format(reference(spec, evs))
		got, reused, err := runRecycled(spec, evs, seed)
		if err != nil {
			t.Fatalf("seed %d: %s\nevents %s\n%v", seed, desc, describe(evs), err)
		}
		if got != want {
			t.Fatalf("seed %d: %s\nevents %s\ngot  %q\nwant %q", seed, desc, describe(evs), got, want)
		}
		lent += reused
	}
	if lent == 0 {
		t.Fatal("no block was reused: the test tests nothing")
	}
}

// runRecycled is runReused with results handed back at random, some
// during emit: results not handed back must keep their events intact while
// the storage of others is reused (an event several results share must
// never be). It returns the results formatted as they were emitted and
// how many blocks were taken back.
func runRecycled(spec *Spec, evs []*event.Event, seed uint64) (string, int, error) {
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		return "", 0, err
	}
	kslot, docs := testSchema.Slot("k"), refDocs(evs)
	check := func(r Result) error {
		for _, e := range r.Events {
			if e == nil {
				continue
			}
			i := int(e.Get(slotID).Int()) - 1
			if i < 0 || i >= len(evs) {
				return fmt.Errorf("result event with id %v", e.Get(slotID))
			}
			want := evs[i]
			if string(e.Raw) != string(docs[i]) || e.Time != want.Time || e.Seq != want.Seq || e.ID != fmt.Sprint("doc-", i) {
				return fmt.Errorf("event %d kept as %q time %d seq %d id %q", i+1, e.Raw, e.Time, e.Seq, e.ID)
			}
			for _, slot := range []int{slotType, kslot} {
				if g, w := e.Get(slot).String(), want.Get(slot).String(); g != w {
					return fmt.Errorf("event %d slot %d kept as %s, pushed %s", i+1, slot, g, w)
				}
			}
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	var out []Result
	var kept []Result // not handed back yet
	var failure error
	reused := 0
	emit := func(r Result) {
		if err := check(r); err != nil && failure == nil {
			failure = err
		}
		out = append(out, Result{Keys: r.Keys, Events: append([]*event.Event(nil), r.Events...)})
		// Freeze what the result says now: its events may be handed back.
		last := &out[len(out)-1]
		for j, e := range last.Events {
			if e != nil {
				c := &event.Event{}
				c.Reset(testSchema.Len())
				c.Set(slotID, e.Get(slotID))
				last.Events[j] = c
			}
		}
		kept = append(kept, r)
		// Hand back some results, this one (during emit) or older ones.
		for len(kept) > 0 && rng.IntN(2) == 0 {
			j := rng.IntN(len(kept))
			before := len(m.lent)
			m.Recycle(kept[j])
			reused += before - len(m.lent)
			kept = append(kept[:j], kept[j+1:]...)
		}
		for _, k := range kept {
			if err := check(k); err != nil && failure == nil {
				failure = fmt.Errorf("a result not handed back changed: %v", err)
			}
		}
	}
	if err := pushReused(m, evs, docs, emit); err != nil {
		return "", 0, err
	}
	for _, k := range kept {
		if err := check(k); err != nil && failure == nil {
			failure = fmt.Errorf("a result not handed back changed: %v", err)
		}
	}
	return format(out), reused, failure
}

// TestRecycleAllocs completes sequences of a caller that reuses its
// events and hands every result back: the events of a result come from
// those handed back, and only its two slices (events and keys) and the
// key's entry (the pair's key is new to the table) are new.
func TestRecycleAllocs(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}, MaxSpan: time.Minute}
	m, err := NewMatcher(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	results := 0
	emit := func(r Result) { results++; m.Recycle(r) }
	reused := &event.Event{}
	var buf []byte
	push := func(id int, typ string) {
		buf = strconv.AppendInt(append(buf[:0], `{"id":`...), int64(id), 10)
		buf = append(append(append(buf, `,"type":"`...), typ...), `","k":"key-`...)
		buf = append(strconv.AppendInt(buf, int64(id%7), 10), `"}`...)
		if err := testSchema.Decode(buf, reused); err != nil {
			t.Fatal(err)
		}
		reused.Time = int64(id)
		m.Push(reused, emit)
	}
	id := 0
	pair := func() { id++; push(id, "a"); push(id, "b") }
	for range 100 {
		pair()
	}
	if a := testing.AllocsPerRun(1000, pair); a > 3 {
		t.Errorf("%v allocations per result handed back", a)
	}
	if results < 1000 {
		t.Fatalf("%d results", results)
	}
}
