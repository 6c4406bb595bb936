package sequence_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/internal/conformance"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
)

// sequenceFloor is the number of the suite's cases (event queries, which
// package eql runs, and sequences, samples and missing events, which this
// package runs) that must pass. It only goes up. The four that fail need
// package eql: sample join keys on date fields with per-index formats
// (three cases) and size = 0 (one case).
const sequenceFloor = 297

// TestConformance runs Elasticsearch's EQL QA suite with this package as
// the sequence and sample runtime.
func TestConformance(t *testing.T) {
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	if !filepath.IsAbs(dir) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, dir)
				break
			}
			if filepath.Dir(d) == d {
				t.Fatalf("no go.mod above %s", wd)
			}
		}
	}
	sum, err := conformance.Run(filepath.Join(dir, "conformance", "eql", "elasticsearch"), runQuery)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range sum.Breakdown() {
		t.Log(line)
	}
	for _, r := range sum.Results {
		if r.Status != conformance.Pass {
			t.Logf("%s %s/%s: %s\n%s", r.Status, r.Case.File, r.Case.Name, r.Reason, strings.TrimSpace(r.Case.Query))
		}
	}
	t.Log(sum.Line())
	if sum.Total() != 301 {
		t.Errorf("the suite has %d cases, want 301", sum.Total())
	}
	if sum.Passed() < sequenceFloor {
		t.Errorf("%s: below the floor of %d", sum.Line(), sequenceFloor)
	}
}

// runQuery is the conformance runner's SequenceRunner: it builds a Spec or
// SampleSpec from a compiled program (see Adapt) and runs it over the
// events, which are in Elasticsearch's order already.
func runQuery(p *eql.Program, events []*event.Event, c *conformance.Case) ([]conformance.Match, error) {
	var out []conformance.Match
	emit := func(r sequence.Result) {
		out = append(out, conformance.Match{Events: r.Events, Keys: r.Keys})
	}
	switch p.Kind() {
	case eql.SequenceQuery:
		m, err := sequence.NewMatcher(specOf(p), sequence.Options{Owned: true})
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			m.Push(ev, emit)
		}
		m.Flush(emit)
	case eql.SampleQuery:
		s, err := sequence.NewSampler(&sequence.SampleSpec{Stages: stagesOf(p.Stages), MaxSamplesPerKey: c.MaxSamplesPerKey},
			sequence.SampleOptions{Owned: true})
		if err != nil {
			return nil, err
		}
		for _, ev := range events {
			s.Push(ev)
		}
		s.Flush(emit)
	default:
		return nil, fmt.Errorf("not a sequence or sample: %v", p.Kind())
	}
	return out, nil
}

// specOf adapts a compiled sequence to a Spec.
func specOf(p *eql.Program) *sequence.Spec {
	spec := &sequence.Spec{Stages: stagesOf(p.Stages), MaxSpan: p.MaxSpan}
	if p.Until != nil {
		u := stageOf(p.Until)
		spec.Until = &u
	}
	return spec
}

// stagesOf adapts compiled stages, expanding `with runs=N`.
func stagesOf(cs []*eql.CompiledStage) []sequence.Stage {
	var out []sequence.Stage
	for _, c := range cs {
		st := stageOf(c)
		for range max(c.Runs, 1) {
			out = append(out, st)
		}
	}
	return out
}

func stageOf(c *eql.CompiledStage) sequence.Stage {
	st := sequence.Stage{Match: c.Pred.Match, Missing: c.Missing}
	for _, k := range c.Keys {
		st.Keys = append(st.Keys, sequence.Key{Get: k.Get, Optional: k.Optional})
	}
	return st
}
