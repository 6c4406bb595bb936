package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/rule"
)

// TestSnapshotsRecycled checks that keeping the events of partial
// sequences as recycled snapshots changes no alert, to the byte, against
// keeping clones: a snapshot recycled while still in use would show as an
// alert with another event's document.
func TestSnapshotsRecycled(t *testing.T) {
	// The corpus makes the snapshots; two rules of long-lived partial
	// sequences that complete often (and results that wait for a trailing
	// missing event) show a snapshot recycled too early.
	rules := append(windowsRules(t),
		&rule.Rule{ID: "test-1", Name: "long-lived 1", Type: "eql", Language: "eql", MaxSignals: 100_000,
			Index: []string{"logs-endpoint.events.*"}, Interval: "5m",
			Query: `sequence by host.name with maxspan=1h [process where process.name : "cmd.exe"] [network where destination.port == 445]`},
		&rule.Rule{ID: "test-2", Name: "long-lived 2", Type: "eql", Language: "eql", MaxSignals: 100_000,
			Index: []string{"logs-endpoint.events.*"}, Interval: "5m",
			Query: `sequence by user.name with maxspan=30m [file where file.extension : "dll"] [registry where true] until [process where process.name : "explorer.exe"]`},
		&rule.Rule{ID: "test-3", Name: "waiting for a trailing missing event", Type: "eql", Language: "eql", MaxSignals: 100_000,
			Index: []string{"logs-endpoint.events.*"}, Interval: "5m",
			Query: `sequence by host.name with maxspan=2m [process where process.name : "powershell.exe"] [network where destination.port == 443] ![file where file.extension : "exe"]`},
	)
	evs := benchEvents(40_000)
	hunt := func(off bool) ([]string, *Engine) {
		var out []string
		var eng *Engine
		eng, _ = New(rules, Options{Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) {
			out = append(out, string(a.AppendJSON(eng.Fields(), nil)))
		})
		eng.snaps.Clones = off
		feed(t, eng, evs)
		slices.Sort(out)
		return out, eng
	}
	got, eng := hunt(false)
	want, _ := hunt(true)
	if eng.snaps.Reused == 0 {
		t.Fatalf("no snapshot was recycled (%d made): the test proves nothing", eng.snaps.Made)
	}
	if len(got) != len(want) {
		t.Fatalf("%d alerts with snapshots, %d with clones", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("alerts differ:\n snapshots %s\n clones    %s", got[i], want[i])
		}
	}
	t.Logf("%d alerts agree; %d snapshots, %d in recycled memory", len(got), eng.snaps.Made, eng.snaps.Reused)
}
