package main

import (
	"slices"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
)

// TestSelectionKeepsTaggedRules checks over Elastic's corpus that parsing
// only the files that could hold a selected rule selects the same rules as
// parsing them all: the selection is an optimisation and must never drop a
// rule --tag or --rule-id would have run.
func TestSelectionKeepsTaggedRules(t *testing.T) {
	corpus := testenv.Path(t, "corpus", "detection-rules")
	paths := []string{corpus + "/rules", corpus + "/rules_building_block"}
	all := rule.Load(paths...)
	if len(all.Errors) > 0 {
		t.Fatalf("corpus: %v", all.Errors[0])
	}
	for _, tags := range [][]string{{"OS: Windows"}, {"windows"}, {"Execution"}, {"OS: Linux", "OS: macOS"}, {"Tactic: Lateral Movement"}} {
		var want []string
		for _, r := range all.Rules {
			if hasTag(r, tags) {
				want = append(want, r.ID)
			}
		}
		l := rule.LoadSelected(rule.Selection{Groups: [][]string{tags}}, paths...)
		var got []string
		for _, r := range l.Rules {
			if hasTag(r, tags) {
				got = append(got, r.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("--tag %q: %d rules selected after a selective load, %d after a full one", tags, len(got), len(want))
		}
		if len(want) == 0 || l.Unparsed == 0 {
			t.Errorf("--tag %q: %d rules, %d files unparsed: the test does not test the selection", tags, len(want), l.Unparsed)
		}
		t.Logf("--tag %q: %d rules of %d, %d files unparsed", tags, len(want), len(all.Rules), l.Unparsed)
	}
	// A --rule-id list of every third rule of the corpus.
	var ids []string
	for i, r := range all.Rules {
		if i%3 == 0 {
			ids = append(ids, r.ID)
		}
	}
	l := rule.LoadSelected(rule.Selection{Groups: [][]string{ids}}, paths...)
	var got []string
	for _, r := range l.Rules {
		if slices.Contains(ids, r.ID) {
			got = append(got, r.ID)
		}
	}
	if !slices.Equal(got, ids) || l.Unparsed == 0 {
		t.Errorf("%d rule ids: %d rules after a selective load, %d files unparsed", len(ids), len(got), l.Unparsed)
	}
}
