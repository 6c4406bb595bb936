package server

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/sigma"
)

// TestServeSigma sends raw winlog records to the service with a Sigma
// rule, a Sigma correlation over it and the built-in TOML pack: the
// service stores exactly the alerts a hunt raises, the correlation's
// included (Sigma rules read the records' raw event data in the service
// too). The correlation alerts on every second connection of a host.
func TestServeSigma(t *testing.T) {
	rulePath := testenv.Path(t, "corpus", "sigma", "rules-threat-hunting", "windows", "network_connection",
		"net_connection_win_powershell_network_connection.yml")
	data := testenv.Path(t, "data", "winlog", "security-datasets", "defense_evasion", "empire_scm_dll_hijack_ikeext_2019-04-03133337.ndjson.gz")
	src, err := os.ReadFile(rulePath)
	if err != nil {
		t.Fatal(err)
	}
	corr := "\n---\ntitle: PowerShell connections\nid: 33333333-0000-0000-0000-000000000001\ncorrelation:\n" +
		"  type: event_count\n  rules: [1f21ec3f-810d-4b0e-8045-322202e22b4b]\n  group-by: [Computer]\n" +
		"  timespan: 1h\n  condition: {gte: 2}\n  generate: true\nlevel: high\n"
	sr, _, err := sigma.Load(filepath.Join(t.TempDir(), "r.yml"), append(src, corr...))
	if err != nil {
		t.Fatal(err)
	}
	rules := append(builtinRules(t), sr...)

	f, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var docs []doc
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(docs) < 400 {
		docs = append(docs, doc{index: "winlogbeat-8", source: append([]byte(nil), sc.Bytes()...)})
	}

	// What a hunt raises: one engine, the documents in time order.
	var want []string
	byRule := map[string]int{}
	eng, statuses := engine.New(rules, testOptions, func(a *alert.Alert) { want = append(want, a.ID); byRule[a.RuleName]++ })
	for _, st := range statuses {
		if st.State != engine.OK && st.Rule.Language == sigma.Language {
			t.Fatalf("%s: %s %v", st.Rule.Name, st.Reason, st.Err)
		}
	}
	d := newRuleDecoder(eng.RuleSet())
	var evs []*event.Event
	for _, dc := range docs {
		ev := new(event.Event)
		if err := d.decode(0, dc.source, dc.index, dc.id, ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	slices.SortStableFunc(evs, func(a, b *event.Event) int { return int(a.Time/1e6 - b.Time/1e6) })
	for _, ev := range evs {
		eng.Process(ev)
	}
	eng.Flush()
	slices.Sort(want)
	if byRule["Network Connection Initiated By PowerShell Process"] < 2 || byRule["PowerShell connections"] != byRule["Network Connection Initiated By PowerShell Process"]/2 {
		t.Fatalf("the hunt's alerts by rule: %v", byRule)
	}

	ts := start(t, Config{}, rules)
	if code := ts.call(t, "POST", "/_bulk", bulkBody(docs), map[string]string{"Content-Type": "application/x-ndjson"}, nil); code != 200 {
		t.Fatalf("_bulk: %d", code)
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	if got := ts.alertIDs(t, ""); !slices.Equal(got, want) {
		t.Errorf("the service stored %d alerts, the hunt raised %d (%v)", len(got), len(want), byRule)
	}
}
