package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esutil"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// builtinRules loads the embedded pack.
func builtinRules(t testing.TB) []*rule.Rule {
	t.Helper()
	rules, _, errs := builtin.Load()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return rules
}

// sample is the example scenario: documents and the index each goes to.
func sample(t testing.TB) []doc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Root(t), "examples", "lateral-movement.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var out []doc
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m struct {
			DS struct{ Type, Dataset, Namespace string } `json:"data_stream"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, doc{index: m.DS.Type + "-" + m.DS.Dataset + "-" + m.DS.Namespace, source: line})
	}
	return out
}

// expected runs the rules over documents in time order in one engine, as
// vigil hunt does, and returns the alert ids.
func expected(t testing.TB, rules []*rule.Rule, docs []doc) []string {
	t.Helper()
	var ids []string
	eng, _ := engine.New(rules, engine.Options{Aliases: winlog.Aliases}, func(a *alert.Alert) { ids = append(ids, a.ID) })
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
	slices.Sort(ids)
	return ids
}

// testOptions are the engine options every test server uses.
var testOptions = engine.Options{Aliases: winlog.Aliases}

// testLog is quiet unless the tests run with -v.
func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testServer struct {
	*Server
	http *httptest.Server
	url  string
}

func start(t testing.TB, cfg Config, rules []*rule.Rule) *testServer {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	s, err := New(cfg, rules, testOptions, testLog())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	ts := &testServer{Server: s, http: hs, url: hs.URL}
	t.Cleanup(func() { hs.Close(); s.Close() })
	return ts
}

// call makes a request and decodes a JSON answer.
func (ts *testServer) call(t testing.TB, method, path string, body io.Reader, hdr map[string]string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, ts.url+path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Errorf("%s %s: no X-Elastic-Product header", method, path)
	}
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// alertIDs lists every stored alert id a query selects, paging through
// the API a few at a time.
func (ts *testServer) alertIDs(t testing.TB, query string) []string {
	t.Helper()
	return pagedAlertIDs(t, ts.url, query, 7)
}

// bulkBody is a _bulk request creating docs.
func bulkBody(docs []doc) *bytes.Buffer {
	var body bytes.Buffer
	for _, d := range docs {
		fmt.Fprintf(&body, "{\"create\":{\"_index\":%q}}\n%s\n", d.index, d.source)
	}
	return &body
}

// pagedAlertIDs pages through GET /api/alerts, sorted ids.
func pagedAlertIDs(t testing.TB, url, query string, size int) []string {
	t.Helper()
	var ids []string
	after := ""
	for {
		var page struct {
			Alerts []map[string]any
			Next   string
		}
		u := fmt.Sprintf("%s/api/alerts?size=%d&%s", url, size, query)
		if after != "" {
			u += "&after=" + after
		}
		getJSON(t, u, &page)
		for _, a := range page.Alerts {
			ids = append(ids, a["kibana.alert.uuid"].(string))
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	slices.Sort(ids)
	return ids
}

// TestElasticsearchClient ships the example scenario with the official Go
// client's BulkIndexer, as an application would, and finds the alerts a
// hunt over the same events raises.
func TestElasticsearchClient(t *testing.T) {
	rules := builtinRules(t)
	ts := start(t, Config{}, rules)
	es, err := elasticsearch.NewClient(elasticsearch.Config{Addresses: []string{ts.url}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := es.Info()
	if err != nil || info.IsError() {
		t.Fatalf("Info: %v %v", err, info)
	}
	info.Body.Close()
	// One worker: two would send batches in either order, and a batch more
	// than the lateness ahead makes the other late (still evaluated, but a
	// sequence may then miss, as it would in Elasticsearch).
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{Client: es, NumWorkers: 1, FlushBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	docs := sample(t)
	failures := 0
	for _, d := range docs {
		err := bi.Add(context.Background(), esutil.BulkIndexerItem{Action: "create", Index: d.index, Body: bytes.NewReader(d.source),
			OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
				failures++
				t.Errorf("item failed: %v %+v", err, r.Error)
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := bi.Stats(); st.NumAdded != uint64(len(docs)) || st.NumFailed != 0 {
		t.Fatalf("bulk stats %+v", st)
	}
	res, err := es.Indices.Refresh()
	if err != nil || res.IsError() {
		t.Fatalf("refresh: %v %v", err, res)
	}
	res.Body.Close()
	got, want := ts.alertIDs(t, ""), expected(t, rules, docs)
	if len(want) == 0 {
		t.Fatal("the scenario raises no alert: nothing to compare")
	}
	if !slices.Equal(got, want) {
		t.Errorf("stored %d alerts %v\nhunt raises %d %v", len(got), got, len(want), want)
	}
	var stats struct{ Events map[string]int }
	ts.call(t, "GET", "/api/stats", nil, nil, &stats)
	if stats.Events["acknowledged"] != len(docs) || stats.Events["evaluated"] != len(docs) {
		t.Errorf("stats %v", stats.Events)
	}
}

// TestBulkItems checks per-item results: a malformed document fails alone,
// the rest is accepted; update and delete are refused per item.
func TestBulkItems(t *testing.T) {
	ts := start(t, Config{}, builtinRules(t))
	body := strings.Join([]string{
		`{"index":{"_index":"logs-a-default","_id":"1"}}`,
		`{"@timestamp":"2026-11-20T09:00:00Z","message":"ok"}`,
		`{"create":{"_index":"logs-a-default"}}`,
		`{"@timestamp": not json}`,
		`{"delete":{"_index":"logs-a-default","_id":"1"}}`,
		`{"create":{}}`,
		`{"@timestamp":"2026-11-20T09:00:01Z"}`,
		`{"index":{}}`,
		`["an array"]`,
	}, "\n") + "\n"
	var res struct {
		Errors bool
		Items  []map[string]struct {
			Index  string `json:"_index"`
			ID     string `json:"_id"`
			Status int
			Error  struct{ Type, Reason string }
		}
	}
	st := ts.call(t, "POST", "/logs-b-default/_bulk", strings.NewReader(body), map[string]string{"Content-Type": "application/x-ndjson"}, &res)
	if st != 200 || !res.Errors || len(res.Items) != 5 {
		t.Fatalf("status %d, %+v", st, res)
	}
	want := []struct {
		action, index string
		status        int
	}{{"index", "logs-a-default", 201}, {"create", "logs-a-default", 400}, {"delete", "logs-a-default", 400}, {"create", "logs-b-default", 201}, {"index", "logs-b-default", 400}}
	for i, w := range want {
		it, ok := res.Items[i][w.action]
		if !ok || it.Status != w.status || it.Index != w.index || it.ID == "" {
			t.Errorf("item %d: %+v, want %s %s %d", i, res.Items[i], w.action, w.index, w.status)
		}
	}
	if res.Items[0]["index"].ID != "1" {
		t.Errorf("the client's _id was not kept: %+v", res.Items[0])
	}
	// A malformed action line fails the request, as in Elasticsearch.
	var e map[string]any
	if st := ts.call(t, "POST", "/_bulk", strings.NewReader("{not an action}\n{}\n"), nil, &e); st != 400 {
		t.Errorf("bad action line: status %d %v", st, e)
	}
}

// TestShipperShape sends raw winlog records as Winlogbeat 8 does: create
// actions to a winlogbeat data stream with ?pipeline=, gzip on; they are
// normalised to ECS as vigil hunt does.
func TestShipperShape(t *testing.T) {
	const raw = `{"@timestamp":"2026-11-20T09:14:20.480Z","host":{"name":"FS02","id":"5d1c7e4a-0000-4000-8000-000000000002"},"agent":{"type":"winlogbeat","version":"8.17.0"},"ecs":{"version":"8.0.0"},"event":{"code":"1","kind":"event","provider":"Microsoft-Windows-Sysmon"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_id":"1","computer_name":"FS02","record_id":"77","event_data":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","ParentImage":"C:\\Windows\\System32\\services.exe","ParentCommandLine":"C:\\Windows\\system32\\services.exe","ProcessGuid":"{6F1D2C3B-0002-6743-1B00-000000000B01}","ParentProcessGuid":"{6F1D2C3B-0002-6743-0100-000000000001}","ProcessId":"5120","ParentProcessId":"640","User":"NT AUTHORITY\\SYSTEM","UtcTime":"2026-11-20 09:14:20.480"}}}`
	ts := start(t, Config{}, builtinRules(t))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fmt.Fprintf(zw, "{\"create\":{\"_index\":\"winlogbeat-8.17.0\"}}\n%s\n", raw)
	zw.Close()
	var res struct{ Errors bool }
	st := ts.call(t, "POST", "/_bulk?pipeline=winlogbeat-8.17.0-routing", &buf,
		map[string]string{"Content-Encoding": "gzip", "Content-Type": "application/vnd.elasticsearch+x-ndjson; compatible-with=8"}, &res)
	if st != 200 || res.Errors {
		t.Fatalf("status %d errors %v", st, res.Errors)
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	var page struct {
		Total  int
		Alerts []map[string]any
	}
	ts.call(t, "GET", "/api/alerts?host=FS02", nil, nil, &page)
	if page.Total == 0 {
		t.Fatal("a shell spawned by services.exe, sent as a raw Sysmon record, raised nothing")
	}
	for _, a := range page.Alerts {
		if a["process.name"] != "cmd.exe" && a["process"] == nil {
			t.Errorf("alert without the normalised process: %v", a["kibana.alert.rule.name"])
		}
	}
}

func TestProtocol(t *testing.T) {
	ts := start(t, Config{MaxContentLength: 1 << 10}, builtinRules(t))
	var root struct{ Version struct{ Number string } }
	ts.call(t, "GET", "/", nil, map[string]string{"User-Agent": "go-elasticsearch/8.19.7 (linux amd64; Go 1.26)"}, &root)
	if root.Version.Number != "8.19.0" {
		t.Errorf("version for a 8.19 client: %q", root.Version.Number)
	}
	ts.call(t, "GET", "/", nil, map[string]string{"X-Elastic-Client-Meta": "es=9.1.2,py=3.13.5,t=9.1.0"}, &root)
	if root.Version.Number != "9.1.0" {
		t.Errorf("version for a 9.1 client: %q", root.Version.Number)
	}
	var lic struct{ License struct{ Status string } }
	if ts.call(t, "GET", "/_license", nil, nil, &lic); lic.License.Status != "active" {
		t.Errorf("license %+v", lic)
	}
	for _, c := range []struct{ method, path string }{
		{"PUT", "/_index_template/winlogbeat-8.17.0"}, {"GET", "/_index_template/winlogbeat-8.17.0"},
		{"PUT", "/_ingest/pipeline/winlogbeat-8.17.0-routing"}, {"PUT", "/_ilm/policy/winlogbeat"},
		{"GET", "/_nodes"}, {"GET", "/_cluster/health"}, {"PUT", "/_data_stream/logs-windows.sysmon_operational-default"},
		{"HEAD", "/_template/winlogbeat"},
	} {
		if st := ts.call(t, c.method, c.path, strings.NewReader("{}"), nil, nil); st != 200 {
			t.Errorf("%s %s: %d", c.method, c.path, st)
		}
	}
	big := strings.Repeat("x", 2000)
	if st := ts.call(t, "POST", "/_bulk", strings.NewReader(big), nil, nil); st != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", st)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Repeat(`{"index":{"_index":"a"}}`+"\n{}\n", 200)))
	zw.Close()
	if st := ts.call(t, "POST", "/_bulk", &buf, map[string]string{"Content-Encoding": "gzip"}, nil); st != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip body expanding past the bound: %d", st)
	}
	var doc struct {
		Result string
		ID     string `json:"_id"`
	}
	if st := ts.call(t, "PUT", "/logs-x-default/_doc/abc", strings.NewReader(`{"@timestamp":"2026-11-20T09:00:00Z"}`), nil, &doc); st != 201 || doc.ID != "abc" || doc.Result != "created" {
		t.Errorf("PUT _doc: %d %+v", st, doc)
	}
	if st := ts.call(t, "POST", "/logs-x-default/_create/def", strings.NewReader(`[1]`), nil, nil); st != 400 {
		t.Errorf("_create with an array: %d", st)
	}
}

func TestAuth(t *testing.T) {
	if err := (&Config{Listen: "0.0.0.0:9200"}).Check(); err == nil {
		t.Error("a non-loopback address without authentication was accepted")
	}
	if err := (&Config{Listen: "0.0.0.0:9200", Insecure: true}).Check(); err != nil {
		t.Error(err)
	}
	ts := start(t, Config{APIKeys: []string{"id1:secret"}, Users: map[string]string{"bob": "pw"}}, builtinRules(t))
	enc := "ApiKey aWQxOnNlY3JldA==" // base64("id1:secret")
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {enc, 200}, {"ApiKey d3Jvbmc6a2V5", 401}, {"Basic Ym9iOnB3", 200}, {"Basic Ym9iOng=", 401}} {
		if st := ts.call(t, "GET", "/api/stats", nil, map[string]string{"Authorization": c.auth}, nil); st != c.want {
			t.Errorf("Authorization %q: %d, want %d", c.auth, st, c.want)
		}
	}
	if st := ts.call(t, "GET", "/healthz", nil, nil, nil); st != 200 {
		t.Errorf("healthz needs no credentials: %d", st)
	}
}

// TestWorkflow closes and reopens an alert through the API.
func TestWorkflow(t *testing.T) {
	ts := start(t, Config{Users: map[string]string{"bob": "pw"}}, builtinRules(t))
	auth := map[string]string{"Authorization": "Basic Ym9iOnB3"}
	body := bulkBody(sample(t))
	ts.call(t, "POST", "/_bulk", body, auth, nil)
	ts.call(t, "POST", "/_refresh", nil, auth, nil)
	var page struct {
		Total  int
		Alerts []map[string]any
	}
	ts.call(t, "GET", "/api/alerts?severity=high", nil, auth, &page)
	if page.Total == 0 {
		t.Fatal("no high alert in the scenario")
	}
	id := page.Alerts[0]["kibana.alert.uuid"].(string)
	var a map[string]any
	st := ts.call(t, "PATCH", "/api/alerts/"+id, strings.NewReader(`{"status":"closed","reason":"false_positive"}`),
		map[string]string{"Authorization": auth["Authorization"]}, &a)
	if st != 200 || a["kibana.alert.workflow_status"] != "closed" || a["kibana.alert.workflow_reason"] != "false_positive" || a["kibana.alert.workflow_user"] != "bob" {
		t.Fatalf("PATCH: %d %v", st, a)
	}
	if st := ts.call(t, "PATCH", "/api/alerts/"+id, strings.NewReader(`{"status":"gone"}`), auth, &a); st != 400 {
		t.Errorf("bad status: %d", st)
	}
	if st := ts.call(t, "PATCH", "/api/alerts/nope", strings.NewReader(`{"status":"open"}`), auth, nil); st != 404 {
		t.Errorf("unknown alert: %d", st)
	}
	ts.call(t, "GET", "/api/alerts?status=closed", nil, auth, &page)
	if page.Total != 1 {
		t.Errorf("%d closed alerts, want 1", page.Total)
	}
	ts.call(t, "GET", "/api/alerts/"+id, nil, auth, &a)
	if h, _ := a["vigil.workflow_history"].([]any); len(h) != 1 {
		t.Errorf("history %v", a["vigil.workflow_history"])
	}
	var rules struct {
		Rules []struct {
			Name      string
			State     string
			Alerts    int64
			Offered   int64   `json:"events_offered"`
			EvalMs    float64 `json:"eval_time_ms"`
			LastAlert string  `json:"last_alert"`
		}
	}
	ts.call(t, "GET", "/api/rules", nil, auth, &rules)
	n, evalMs := int64(0), 0.0
	for _, r := range rules.Rules {
		n += r.Alerts
		if (r.Alerts > 0) != (r.LastAlert != "") {
			t.Errorf("rule %s: %d alerts, last alert %q", r.Name, r.Alerts, r.LastAlert)
		}
		// A rule is timed on events it was offered, never else.
		evalMs += r.EvalMs
		if r.Offered == 0 && r.EvalMs != 0 || r.EvalMs < 0 {
			t.Errorf("rule %s: offered %d events, evaluation time %v ms", r.Name, r.Offered, r.EvalMs)
		}
	}
	if evalMs <= 0 {
		t.Errorf("the rules were offered events and took %v ms", evalMs)
	}
	if n == 0 || len(rules.Rules) == 0 {
		t.Errorf("rules: %+v", rules)
	}
	resp, err := http.Get(ts.url + "/metrics")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("metrics without credentials: %d", resp.StatusCode)
		}
		_ = b
	}
}

// TestRestart stops the server without a refresh and starts it again on
// the same data: the log is replayed, every alert is stored once.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	rules := builtinRules(t)
	docs := sample(t)
	ts := start(t, Config{DataDir: dir}, rules)
	body := bulkBody(docs)
	ts.call(t, "POST", "/_bulk", body, nil, nil)
	ts.http.Close()
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	ts = start(t, Config{DataDir: dir}, rules)
	if n := ts.pipe.st.replayed.Load(); n != int64(len(docs)) {
		t.Errorf("replayed %d documents, want %d", n, len(docs))
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	got, want := ts.alertIDs(t, ""), expected(t, rules, docs)
	if !slices.Equal(got, want) {
		t.Errorf("after restart %d alerts, want %d", len(got), len(want))
	}
}

// TestBackPressure fills a tiny log: ingest answers 429 per item with
// Retry-After instead of growing.
func TestBackPressure(t *testing.T) {
	ts := start(t, Config{WALMaxBytes: 4096, StateHorizon: time.Hour}, builtinRules(t))
	saw429 := false
	for i := 0; i < 20 && !saw429; i++ {
		// Random bytes: the log compresses records, and must fill anyway.
		noise := make([]byte, 400)
		for j := range noise {
			noise[j] = byte(rand.Uint32())
		}
		line := `{"@timestamp":"2026-11-20T09:00:00Z","message":"` + base64.StdEncoding.EncodeToString(noise) + `"}`
		req, _ := http.NewRequest("POST", ts.url+"/_bulk", strings.NewReader("{\"index\":{\"_index\":\"logs-a-default\"}}\n"+line+"\n"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Items []map[string]struct{ Status int }
		}
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if res.Items[0]["index"].Status == 429 {
			saw429 = true
			if resp.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
	}
	if !saw429 {
		t.Error("a full log never answered 429")
	}
}

// TestReload reloads the rules through the API: a rule that fails to
// compile leaves the running set alone; a good set keeps the state of the
// rules that did not change.
func TestReload(t *testing.T) {
	rules := builtinRules(t)
	ts := start(t, Config{}, rules)
	var next []*rule.Rule
	var exceptions *exception.Store
	ts.SetLoader(func() ([]*rule.Rule, *exception.Store, error) { return next, exceptions, nil })
	broken := *rules[0]
	broken.ID, broken.Query = "broken", "process where startswth(process.name, \"sc\")"
	next = append(slices.Clone(rules), &broken)
	var res map[string]any
	if st := ts.call(t, "POST", "/api/rules/_reload", nil, nil, &res); st != http.StatusUnprocessableEntity {
		t.Fatalf("reload with a broken rule: %d %v", st, res)
	}
	if rs, _ := ts.RuleSet(); rs.Len() != len(rules) {
		t.Errorf("%d rules run after a refused reload, want %d", rs.Len(), len(rules))
	}
	i := slices.IndexFunc(rules, func(r *rule.Rule) bool { return r.Name == "Service Control Manager Spawned a Shell" })
	if i < 0 {
		t.Fatal("no rule named Service Control Manager Spawned a Shell in the pack")
	}
	extra := *rules[i]
	extra.ID, extra.Name = "extra", "an extra rule"
	next = append(slices.Clone(rules), &extra)
	if st := ts.call(t, "POST", "/api/rules/_reload", nil, nil, &res); st != 200 || res["running"] != float64(len(rules)+1) || res["kept_state"] != float64(len(rules)) {
		t.Fatalf("reload: %d %v", st, res)
	}
	// The scenario still raises what it raises, plus the extra rule's.
	body := bulkBody(sample(t))
	ts.call(t, "POST", "/_bulk", body, nil, nil)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	var page struct{ Total int }
	ts.call(t, "GET", "/api/alerts?rule_id=extra", nil, nil, &page)
	if page.Total == 0 {
		t.Error("the rule added by the reload raised nothing")
	}

	// Exception lists are read again with the rules: a rule whose list
	// excepts every shell raises nothing, and once the list's item is
	// edited away, it raises again.
	quiet := extra
	quiet.ID, quiet.Name = "quiet", "a rule with an exception list"
	quiet.ExceptionsList = []rule.ExceptionList{{ID: "q", ListID: "shells", NamespaceType: "single", Type: "detection"}}
	next = append(slices.Clone(rules), &quiet)
	for _, tc := range []struct {
		item string // the list's item, its entries
		want bool   // the rule raises alerts
	}{
		{`[{"field":"process.name","operator":"included","type":"exists"}]`, false},
		{`[{"field":"process.name","operator":"included","type":"match","value":"no-such.exe"}]`, true},
	} {
		exceptions = exception.NewStore()
		lists := `{"list_id":"shells","type":"detection","namespace_type":"single","name":"shells","description":"d"}` + "\n" +
			`{"item_id":"all","list_id":"shells","type":"simple","namespace_type":"single","name":"all","description":"d","entries":` + tc.item + `}` + "\n"
		if err := exceptions.LoadNDJSON("shells.ndjson", []byte(lists)); err != nil {
			t.Fatal(err)
		}
		if st := ts.call(t, "POST", "/api/rules/_reload", nil, nil, &res); st != 200 {
			t.Fatalf("reload with exceptions: %d %v", st, res)
		}
		ts.call(t, "POST", "/_bulk", bulkBody(sample(t)), nil, nil)
		ts.call(t, "POST", "/_refresh", nil, nil, nil)
		ts.call(t, "GET", "/api/alerts?rule_id=quiet", nil, nil, &page)
		if got := page.Total > 0; got != tc.want {
			t.Errorf("exception item %s: rule raised %d alerts, want alerts: %v", tc.item, page.Total, tc.want)
		}
	}
}

// TestOutputs sends new alerts to a JSONL file and a webhook that fails
// at first: each alert reaches both once, and a restart's replay sends
// nothing again.
func TestOutputs(t *testing.T) {
	var mu sync.Mutex
	calls, got := 0, map[string]int{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable) // retried
			return
		}
		var doc map[string]any
		json.NewDecoder(r.Body).Decode(&doc)
		got[doc["kibana.alert.uuid"].(string)]++
	}))
	defer hook.Close()
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "alerts.jsonl")
	cfg := Config{DataDir: dir, OutputJSONL: jsonl, Webhook: hook.URL}
	rules := builtinRules(t)
	docs := sample(t)
	ts := start(t, cfg, rules)
	body := bulkBody(docs)
	ts.call(t, "POST", "/_bulk", body, nil, nil)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	ts.http.Close()
	ts.Close()                // delivers what is queued
	ts = start(t, cfg, rules) // replays the log: nothing new
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	ts.http.Close()
	ts.Close()
	want := expected(t, rules, docs)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Errorf("webhook got %d alerts, want %d", len(got), len(want))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("webhook got %s %d times", id, n)
		}
	}
	data, _ := os.ReadFile(jsonl)
	lines := map[string]bool{}
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var doc map[string]any
		if err := json.Unmarshal(l, &doc); err != nil {
			t.Fatal(err)
		}
		if _, bb := doc["kibana.alert.group.index"]; !bb {
			lines[doc["kibana.alert.uuid"].(string)] = true
		}
	}
	if len(lines) != len(want) {
		t.Errorf("JSONL output holds %d alerts, want %d", len(lines), len(want))
	}
}
