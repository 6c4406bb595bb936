package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestRootPageOrElasticsearch: a browser asking for / gets the page, with
// a policy that runs only the page's own script; shippers and clients get
// Elasticsearch's root document.
func TestRootPageOrElasticsearch(t *testing.T) {
	ts := start(t, Config{}, builtinRules(t))
	cases := []struct {
		method, accept string
		wantType       string
		wantBody       string
	}{
		{"GET", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8", `<script src="/ui/app.js"></script>`},
		{"GET", "", "application/json", `"tagline":"You Know, for Search"`},
		{"GET", "application/json", "application/json", `"tagline":"You Know, for Search"`},
		{"GET", "application/vnd.elasticsearch+json; compatible-with=8", "application/json", `"tagline":"You Know, for Search"`},
		{"HEAD", "text/html", "", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.accept, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, ts.url+"/", nil)
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.wantType) || !strings.Contains(string(b), c.wantBody) {
				t.Fatalf("%d %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
			if c.wantType == "text/html; charset=utf-8" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("the page has no script policy: %q", resp.Header.Get("Content-Security-Policy"))
			}
		})
	}
	for _, f := range []string{"app.js", "style.css", "index.html"} {
		resp, err := http.Get(ts.url + "/ui/" + f)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("/ui/%s: %v %v", f, err, resp.Status)
		}
		resp.Body.Close()
	}
}

// TestPageAPI ships the example scenario and reads what the page reads:
// groups, the seed alert's context, coverage and its Navigator layer.
func TestPageAPI(t *testing.T) {
	ts := start(t, Config{}, builtinRules(t))
	ts.call(t, "POST", "/_bulk", bulkBody(sample(t)), nil, nil)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)

	var groups struct {
		Groups []struct {
			Key, Name string
			Count     int
		}
	}
	if st := ts.call(t, "GET", "/api/alerts/_groups?by=host", nil, nil, &groups); st != 200 {
		t.Fatalf("groups: %d", st)
	}
	got := fmt.Sprint(groups.Groups)
	if got != "[{WKS-ADMIN7 WKS-ADMIN7 8} {FS02 FS02 5}]" {
		t.Errorf("groups by host: %s", got)
	}
	var bad map[string]any
	if st := ts.call(t, "GET", "/api/alerts/_groups?by=nothing", nil, nil, &bad); st != 400 || !strings.Contains(fmt.Sprint(bad["error"]), "cannot group by") {
		t.Errorf("group by nothing: %d %v", st, bad)
	}

	var page struct{ Alerts []map[string]any }
	ts.call(t, "GET", "/api/alerts?q=sequence%20of%202%20events&size=1", nil, nil, &page)
	if len(page.Alerts) != 1 {
		t.Fatal("no sequence alert")
	}
	var ctx struct {
		Ancestry []struct {
			Depth    int
			EntityID string `json:"entity_id"`
			Events   []map[string]any
		}
		Timeline struct {
			Alerts []struct{ ID, Rule string }
			Events []map[string]any
		}
		Window map[string]int64
	}
	id := page.Alerts[0]["kibana.alert.uuid"].(string)
	if st := ts.call(t, "GET", "/api/alerts/"+id+"/context", nil, nil, &ctx); st != 200 {
		t.Fatalf("context: %d", st)
	}
	// The sequence's process (sc.exe) started and connected: two events
	// of its entity; its parent (cmd.exe) has no event of its own.
	if len(ctx.Ancestry) != 2 || ctx.Ancestry[0].EntityID == "" || len(ctx.Ancestry[0].Events) != 2 || ctx.Ancestry[1].Depth != 1 {
		t.Errorf("ancestry: %+v", ctx.Ancestry)
	}
	if !slices.ContainsFunc(ctx.Timeline.Alerts, func(a struct{ ID, Rule string }) bool { return a.ID == id }) || len(ctx.Timeline.Events) < 5 {
		t.Errorf("timeline: %d alerts, %d events", len(ctx.Timeline.Alerts), len(ctx.Timeline.Events))
	}
	if ctx.Window["per_host"] != 256 || ctx.Window["hosts"] < 2 {
		t.Errorf("window: %v", ctx.Window)
	}
	if st := ts.call(t, "GET", "/api/alerts/nope/context", nil, nil, nil); st != 404 {
		t.Errorf("context of an unknown alert: %d", st)
	}

	var cov struct {
		Cells []struct {
			Tactic        string
			TechniqueID   string `json:"technique_id"`
			Rules, Alerts int
		}
	}
	ts.call(t, "GET", "/api/coverage", nil, nil, &cov)
	i := slices.IndexFunc(cov.Cells, func(c struct {
		Tactic        string
		TechniqueID   string `json:"technique_id"`
		Rules, Alerts int
	}) bool {
		return c.Tactic == "execution" && c.TechniqueID == "T1569.002"
	})
	if i < 0 || cov.Cells[i].Rules == 0 || cov.Cells[i].Alerts == 0 {
		t.Errorf("coverage of T1569.002: %+v", cov.Cells)
	}
	var layer struct {
		Versions   struct{ Layer string }
		Techniques []struct{ TechniqueID string }
	}
	ts.call(t, "GET", "/api/coverage/navigator", nil, nil, &layer)
	if layer.Versions.Layer != "4.5" || len(layer.Techniques) != len(cov.Cells) {
		t.Errorf("navigator layer %s with %d techniques, the heat map has %d cells", layer.Versions.Layer, len(layer.Techniques), len(cov.Cells))
	}
	alerted := 0
	for _, c := range cov.Cells {
		if c.Alerts > 0 {
			alerted++
		}
	}
	ts.call(t, "GET", "/api/coverage/navigator?of=alerts", nil, nil, &layer)
	if len(layer.Techniques) != alerted || alerted == 0 {
		t.Errorf("the alerts' layer has %d techniques, the heat map %d cells with alerts", len(layer.Techniques), alerted)
	}
	if st := ts.call(t, "GET", "/api/coverage/navigator?of=hosts", nil, nil, nil); st != 400 {
		t.Errorf("of=hosts: %d", st)
	}
}

// TestRecentEventsBounds fills the window past each bound and finds each
// overflow counted.
func TestRecentEventsBounds(t *testing.T) {
	s := event.NewSchema()
	r := newRecentEvents(s, 3, 2)
	add := func(host string, ts int64, doc string) {
		ev := new(event.Event)
		if err := s.Decode([]byte(doc), ev); err != nil {
			t.Fatal(err)
		}
		ev.Time = ts
		r.add(ev, []byte(doc))
	}
	for i := range 5 {
		add("a", int64(10-i), fmt.Sprintf(`{"host":{"name":"a"},"n":%d}`, i))
	}
	add("b", 1, `{"host":{"name":"b"}}`)
	add("", 1, `{"message":"no host"}`)
	add("a", 20, `{"host":{"name":"a"},"big":"`+strings.Repeat("x", maxEventBytes)+`"}`)
	add("c", 1, `{"host":{"name":"c"}}`) // drops b, seen least recently
	got := r.around("a", 0, 100, 10)
	var times []int64
	for _, e := range got {
		times = append(times, e.Time)
	}
	if !slices.Equal(times, []int64{6, 7, 20}) || !strings.Contains(string(got[2].Doc), "too large") {
		t.Errorf("host a keeps times %v", times)
	}
	if r.around("b", 0, 100, 10) != nil {
		t.Error("host b was not dropped")
	}
	st := r.stats()
	want := map[string]int64{"hosts": 2, "events": 4, "per_host": 3, "max_hosts": 2, "evicted": 3, "hosts_dropped": 1, "too_large": 1}
	for k, v := range want {
		if st[k] != v {
			t.Errorf("%s = %d, want %d", k, st[k], v)
		}
	}
	if n := len(r.around("a", 0, 100, 2)); n != 2 {
		t.Errorf("limit 2 gave %d", n)
	}
}

// TestContextOfRawWinlog: raw Windows records are kept as shipped and
// read back as ECS, as the rules saw them.
func TestContextOfRawWinlog(t *testing.T) {
	f := filepath.Join(testenv.Shared(t), "data", "winlog", "security-datasets", "lateral_movement", "covenant_sc_query_dcerpc_smb_svcctl_2020-08-05034820.ndjson.gz")
	fh, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var docs []doc
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		docs = append(docs, doc{index: "winlogbeat-8.17.0", source: l})
	}
	ts := start(t, Config{}, builtinRules(t))
	ts.call(t, "POST", "/_bulk", bulkBody(docs), nil, nil)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	var page struct{ Alerts []map[string]any }
	ts.call(t, "GET", "/api/alerts", nil, nil, &page)
	if len(page.Alerts) == 0 {
		t.Fatal("the recording raised no alert")
	}
	var ctx struct {
		Timeline struct{ Events []map[string]any }
	}
	ts.call(t, "GET", "/api/alerts/"+page.Alerts[0]["kibana.alert.uuid"].(string)+"/context", nil, nil, &ctx)
	if len(ctx.Timeline.Events) == 0 {
		t.Fatal("no event in the timeline")
	}
	for _, ev := range ctx.Timeline.Events {
		// The record as shipped has neither: the normaliser adds both.
		host, _ := ev["host"].(map[string]any)
		hostOS, _ := host["os"].(map[string]any)
		if hostOS["type"] != "windows" || ev["data_stream"] == nil {
			t.Fatalf("a timeline event is not ECS: %v", ev)
		}
	}
	t.Logf("%d ECS events in the timeline", len(ctx.Timeline.Events))
}
