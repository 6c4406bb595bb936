package sigma_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/winlog"
)

// TestSigmaIndexedSameAsBruteForce runs every Windows Sigma rule over a
// slice of the winlog corpus twice: through routing and the rule index,
// and offering every event to every rule (engine.Options.NoIndex). The
// index may only skip rules that cannot match: the alerts must be the
// same.
func TestSigmaIndexedSameAsBruteForce(t *testing.T) {
	rules, _ := windowsRules(t)
	run := func(noIndex bool) []string {
		rs, _ := engine.Compile(rules, engine.Options{Aliases: winlog.Aliases, NoIndex: noIndex})
		var got []string
		eng := rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) {
			got = append(got, fmt.Sprintf("%s %s %s", a.Rule.ID, a.ID, a.Rule.Name))
		}))
		for _, ev := range winlogSample(t, rs.Schema(), 4_000) {
			eng.Process(ev)
		}
		eng.Flush()
		slices.Sort(got)
		return got
	}
	indexed, brute := run(false), run(true)
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
