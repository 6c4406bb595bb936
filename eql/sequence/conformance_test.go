package sequence_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/internal/conformance"
	"github.com/vigilsec/vigil/eql/search"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// conformanceFloor is the number of the suite's cases that must pass:
// event queries (package eql), and sequences, samples and missing events
// (this package). It only goes up.
const conformanceFloor = 301

// TestConformance runs Elasticsearch's EQL QA suite, every case, with this
// package as the sequence and sample runtime. It logs the summary line
// "EQL conformance: passed N of M", per-file figures, and the reason of
// each failure.
func TestConformance(t *testing.T) {
	dir := testenv.Path(t, "conformance", "eql", "elasticsearch")
	sum, err := conformance.Run(dir, runQuery)
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
	fmt.Println(sum.Line())
	if sum.Total() != 301 {
		t.Errorf("the suite has %d cases, want 301", sum.Total())
	}
	if sum.Passed() < conformanceFloor {
		t.Errorf("%s: below the floor of %d", sum.Line(), conformanceFloor)
	}
}

// runQuery is the conformance runner's SequenceRunner: it runs a compiled
// sequence or sample through package search, as vigil eql does, over the
// events, which are in Elasticsearch's order already.
func runQuery(p *eql.Program, events []*event.Event, c *conformance.Case) ([]conformance.Match, error) {
	var out []conformance.Match
	s, err := search.New(p, search.Options{Size: c.Size, MaxSamplesPerKey: c.MaxSamplesPerKey, Owned: true}, func(r sequence.Result) {
		out = append(out, conformance.Match{Events: r.Events, Keys: r.Keys})
	})
	if err != nil {
		return nil, err
	}
	for _, ev := range events {
		if !s.Push(ev) {
			break
		}
	}
	s.Flush()
	return out, nil
}
