package sigma_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// TestSigmaIndexedSameAsBruteForce runs every Windows Sigma rule over a
// slice of the winlog corpus: through routing and the rule index, and
// offering every event to every rule (engine.Options.NoIndex). The index
// may only skip rules that cannot match: the alerts must be the same. So
// must those of the index in engines on three partitions (rule subsets
// route alike).
func TestSigmaIndexedSameAsBruteForce(t *testing.T) {
	rules, _ := windowsRules(t)
	run := func(noIndex bool, partitions int) []string {
		rs, _ := engine.Compile(rules, engine.Options{Aliases: winlog.Aliases, NoIndex: noIndex})
		var mu sync.Mutex
		var got []string
		sink := alert.SinkFunc(func(a *alert.Alert) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%s %s %s", a.Rule.ID, a.ID, a.Rule.Name))
			mu.Unlock()
		})
		evs := winlogSample(t, rs.Schema(), 4_000)
		if partitions > 1 {
			p := rs.NewParallel(partitions, sink, func(*event.Event) {})
			for _, ev := range evs {
				p.Process(ev)
			}
			p.Flush()
			p.Close()
		} else {
			eng := rs.NewEngine(sink)
			for _, ev := range evs {
				eng.Process(ev)
			}
			eng.Flush()
		}
		slices.Sort(got)
		return got
	}
	indexed, brute := run(false, 1), run(true, 1)
	if parallel := run(false, 3); !slices.Equal(parallel, indexed) {
		t.Errorf("three partitions: %d alerts, one engine %d (%q)", len(parallel), len(indexed), diff(parallel, indexed))
	}
	if len(brute) < 20 {
		t.Fatalf("only %d alerts by brute force: the sample tests little", len(brute))
	}
	for _, a := range diff(indexed, brute) {
		t.Errorf("indexed only: %s", a)
	}
	for _, a := range diff(brute, indexed) {
		t.Errorf("brute force only: %s", a)
	}
	t.Logf("%d alerts, both ways", len(indexed))
}

// diff returns the members of sorted a missing from sorted b.
func diff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); !ok {
			out = append(out, s)
		}
	}
	return out
}
