package server

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/sigma"
)

// TestServeSigma sends raw winlog records to the service with a Sigma
// rule, a Sigma correlation over it and the built-in TOML pack: the
// service stores exactly the alerts a hunt raises, the correlation's
// included (Sigma rules read the records' raw event data in the service
// too).
func TestServeSigma(t *testing.T) {
	src, data := sigmaSample(t)
	corr := "\n---\ntitle: PowerShell connections\nid: 33333333-0000-0000-0000-000000000001\ncorrelation:\n" +
		"  type: event_count\n  rules: [1f21ec3f-810d-4b0e-8045-322202e22b4b]\n  group-by: [Computer]\n" +
		"  timespan: 1h\n  condition: {gte: 2}\n  generate: true\nlevel: high\n"
	sr, _, err := sigma.Load(filepath.Join(t.TempDir(), "r.yml"), append(src, corr...))
	if err != nil {
		t.Fatal(err)
	}
	rules := append(builtinRules(t), sr...)

	docs := winlogDocs(t, data, 400)

	want := expected(t, rules, docs)
	ts := start(t, Config{}, rules)
	if code := ts.call(t, "POST", "/_bulk", bulkBody(docs), map[string]string{"Content-Type": "application/x-ndjson"}, nil); code != 200 {
		t.Fatalf("_bulk: %d", code)
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	if got := ts.alertIDs(t, ""); !slices.Equal(got, want) {
		t.Errorf("the service stored %d alerts, the hunt raised %d", len(got), len(want))
	}
	// Both Sigma rules alerted: the rule on every connection, the
	// correlation on every second one of a host.
	base := ts.alertIDs(t, "rule_id=1f21ec3f-810d-4b0e-8045-322202e22b4b")
	pairs := ts.alertIDs(t, "rule_id=33333333-0000-0000-0000-000000000001")
	if len(base) < 2 || len(pairs) != len(base)/2 {
		t.Errorf("%d alerts of the Sigma rule, %d of the correlation", len(base), len(pairs))
	}
}

// sigmaSample returns a Sigma rule of the corpus (PowerShell network
// connections) and a winlog file of the corpus in which it matches.
func sigmaSample(t testing.TB) (rule []byte, data string) {
	t.Helper()
	rulePath := testenv.Path(t, "corpus", "sigma", "rules-threat-hunting", "windows", "network_connection",
		"net_connection_win_powershell_network_connection.yml")
	src, err := os.ReadFile(rulePath)
	if err != nil {
		t.Fatal(err)
	}
	return src, testenv.Path(t, "data", "winlog", "security-datasets", "defense_evasion", "empire_scm_dll_hijack_ikeext_2019-04-03133337.ndjson.gz")
}

// winlogDocs reads the first n raw winlog records of a gzipped NDJSON
// file as documents of a Winlogbeat index.
func winlogDocs(t testing.TB, path string, n int) []doc {
	t.Helper()
	f, err := os.Open(path)
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
	for sc.Scan() && len(docs) < n {
		docs = append(docs, doc{index: "winlogbeat-8", source: append([]byte(nil), sc.Bytes()...)})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return docs
}
