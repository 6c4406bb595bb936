package engine

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

func TestAnchorRank(t *testing.T) {
	for _, c := range []struct {
		lit  string
		want int
	}{
		{"drive.google.com", 5},
		{".id_rsa", 3},
		{"unknown", 0},
		{"a\\b|c", 3},
	} {
		var b litBuilder
		b.add(match.NeedContains, c.lit, entry{})
		x := b.build()
		if got := x.plain.anchor[0]; got != c.want {
			t.Errorf("%q: anchor at %d, want %d", c.lit, got, c.want)
		}
	}
}

// TestIndexFoldsNonASCII runs rules filed under literals of a field with
// few contained literals (plainLits) over values that meet them only once
// folded, through bytes from 0x80 (the Kelvin sign K folds to k, the long
// s to s) or upper case, and over values that do not: the index must
// offer exactly what offering every rule every event raises.
func TestIndexFoldsNonASCII(t *testing.T) {
	mk := func(id, q string) *rule.Rule {
		return &rule.Rule{ID: id, Name: id, Type: "eql", Language: "eql", Severity: "low", RiskScore: 21,
			Query: q, Interval: "5m", From: "now-6m", To: "now", MaxSignals: 100, Index: []string{"logs-test-*"}}
	}
	rules := []*rule.Rule{
		mk("contains", `process where process.command_line : "*kill -s*"`),
		mk("prefix", `process where process.command_line : "skill*"`),
		mk("suffix", `process where process.command_line : "*.ks"`),
		mk("exact", `process where process.command_line : "ks"`),
	}
	values := []string{
		"kill -s 9", "KILL -S 9", "x \u212Aill -\u017F 9", "\u017F\u212Aill now", "run.\u212A\u017F", "\u212A\u017F",
		"kill -x", "kil -s", "skil", "run.k", "ks ", "\u212A", "k\u00e9ill -s", "K\u0130LL -S",
	}
	var lines []string
	for i, v := range values {
		lines = append(lines, doc(i, fmt.Sprintf(`"event":{"category":"process"},"process":{"command_line":%q}`, v)))
	}
	run := func(noIndex bool) map[string]int {
		out := map[string]int{}
		eng, st := New(rules, Options{NoIndex: noIndex, Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) {
			out[a.Rule.ID+" "+string(a.Events[0].Raw)]++
		})
		for _, s := range st {
			if s.State != OK {
				t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
			}
		}
		evs := make([]benchEvent, len(lines))
		for i, l := range lines {
			evs[i] = benchEvent{[]byte(l), "logs-test-default"}
		}
		feed(t, eng, evs)
		n := 0
		for _, c := range out {
			n += c
		}
		out["total"] = n
		return out
	}
	with, without := run(false), run(true)
	if without["total"] < 6 {
		t.Fatalf("only %d alerts without the index: the test proves little", without["total"])
	}
	if !maps.Equal(with, without) {
		t.Errorf("with the index %v, without %v", with, without)
	}
}
