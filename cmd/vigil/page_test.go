package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/server"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/web"
	"github.com/vigilsec/vigil/winlog"
)

// The analyst's page, tested in a real headless Chromium driven through
// the DevTools protocol (chromedp): vigil serve runs in process on a free
// loopback port, the example scenario and a slice of the winlog corpus are
// shipped to it through _bulk, and the browser checks what an analyst
// sees and does.

// chromium finds Debian's Chromium. Without it the browser tests skip,
// unless VIGIL_SHARED is set (as CI sets it, after installing chromium):
// then its absence fails them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("VIGIL_SHARED") != "" {
		t.Fatal("no chromium on PATH (apt-get install chromium; .ci/run does): the browser tests cannot run")
	}
	t.Skip("no chromium on PATH and VIGIL_SHARED unset: browser tests skipped (apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium and returns a context to drive a
// tab with.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.WindowSize(width, height), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// waitFor evaluates a JavaScript expression until it is true.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('main') ? document.getElementById('main').innerText.slice(0, 400) : ''`))
			t.Fatalf("waiting for %s (%s): err %v; the page shows: %q", what, expr, err, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// fill sets form fields by element id as a person would (a change event
// each), then clicks the button with id click, if any.
func fill(t *testing.T, ctx context.Context, values map[string]string, click string) {
	t.Helper()
	vs, _ := json.Marshal(values)
	eval[bool](t, ctx, fmt.Sprintf(`(() => {
		for (const [id, v] of Object.entries(%s)) {
			const el = document.getElementById(id);
			el.value = v;
			if (el.value !== v) throw new Error(id + ' does not take ' + v);
			el.dispatchEvent(new Event('change', { bubbles: true }));
		}
		if (%q) document.getElementById(%q).click();
		return true;
	})()`, vs, click, click))
}

// do runs browser actions and fails the test on an error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves the viewport as a PNG and checks it is not blank: a
// page of text, badges and tables has many colours.
func screenshot(t *testing.T, ctx context.Context, path string) []byte {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	colours := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
		}
	}
	if len(colours) < 50 {
		t.Errorf("%s looks blank: %d distinct colours in %v", path, len(colours), b.Size())
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %v, %d colours, %d bytes", path, b.Size(), len(colours), len(buf))
	return buf
}

// startServe runs vigil serve in process on a free loopback port, its
// data in dir, until the test ends.
func startServe(t *testing.T, dir string, rules []*rule.Rule) *httptest.Server {
	t.Helper()
	srv, err := server.New(server.Config{DataDir: dir, Durability: store.Async}, rules,
		engine.Options{Aliases: winlog.Aliases}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return hs
}

// bulkBody makes a _bulk body of documents and their indices.
func bulkBody(docs []corpusDoc) *bytes.Buffer {
	var body bytes.Buffer
	for _, d := range docs {
		fmt.Fprintf(&body, "{\"create\":{\"_index\":%q}}\n%s\n", d.index, d.line)
	}
	return &body
}

// exampleDocs reads the example scenario with the index of each document,
// and adds to the service's PsExec install event (ev-0017) a message that
// holds markup, which the page must show as text.
func exampleDocs(t *testing.T) []corpusDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Root(t), "examples", "lateral-movement.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusDoc
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m struct {
			DS struct{ Type, Dataset, Namespace string } `json:"data_stream"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(line, []byte(`"id":"ev-0017"`)) {
			line = bytes.Replace(line, []byte(`{"@timestamp"`), []byte(`{"message":`+injection+`,"@timestamp"`), 1)
		}
		out = append(out, corpusDoc{index: m.DS.Type + "-" + m.DS.Dataset + "-" + m.DS.Namespace, line: line})
	}
	return out
}

// injection is a JSON string of markup that would run script if the page
// ever parsed event content as HTML.
const injection = `"<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"`

// corpusSlice is the slice of the winlog corpus the browser test ships:
// two small recordings of lateral movement over SMB that the built-in
// pack alerts on.
var corpusSlice = []string{
	"covenant_copy_smb_CreateRequest_2020-09-22145302.ndjson.gz",
	"covenant_sc_query_dcerpc_smb_svcctl_2020-08-05034820.ndjson.gz",
}

// apiAlerts returns the ids and total of one page of GET /api/alerts.
func apiAlerts(t *testing.T, base, query string) ([]string, int) {
	t.Helper()
	resp, err := http.Get(base + "/api/alerts?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Total  int
		Alerts []map[string]any
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range page.Alerts {
		ids = append(ids, a["kibana.alert.uuid"].(string))
	}
	return ids, page.Total
}

// TestPageInBrowser is the browser checklist: the list shows the
// expected alerts, filters narrow it, the seed rule's alert shows its
// investigation guide and both events of its sequence, markup in an event
// field is text, closing with a reason persists across a reload, new
// alerts appear without a reload, the coverage and rules views draw, and
// the hunt's --html report of the same input shows the same alerts.
func TestPageInBrowser(t *testing.T) {
	shared := testenv.Shared(t)
	ctx := browser(t, 1280, 800)
	dir := t.TempDir()

	// The input: the example scenario and the corpus slice, also written
	// to files for the hunt's report.
	docs := exampleDocs(t)
	var files []string
	for _, name := range corpusSlice {
		files = append(files, filepath.Join(shared, "data", "winlog", "security-datasets", "lateral_movement", name))
	}
	corpus := readCorpus(t, files)
	var ex bytes.Buffer
	for _, d := range docs {
		ex.Write(d.line)
		ex.WriteByte('\n')
	}
	exFile := filepath.Join(dir, "examples.ndjson")
	os.WriteFile(exFile, ex.Bytes(), 0o644)

	rules, _, errs := builtin.Load()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	// An ML rule, which vigil cannot run: the rules view says why.
	ml, _, errs := rule.LoadPaths(filepath.Join(shared, "corpus", "detection-rules", "rules", "integrations", "gcp", "ml_gcp_rare_method_by_city.toml"))
	if len(errs) > 0 || len(ml) != 1 {
		t.Fatalf("the ML rule: %v", errs)
	}
	rules = append(rules, ml...)
	hs := startServe(t, filepath.Join(dir, "data"), rules)
	postOK(t, hs.URL+"/_bulk", bulkBody(docs))
	postOK(t, hs.URL+"/_bulk", bulkBody(corpus))
	postOK(t, hs.URL+"/_refresh", nil)

	wantIDs, wantTotal := apiAlerts(t, hs.URL, "status=open,acknowledged&size=50")
	if wantTotal < 14 {
		t.Fatalf("the service stored %d alerts; the examples alone raise 13 and the corpus slice more", wantTotal)
	}

	// The list: the same alerts as the API, newest first.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the alerts list", `document.querySelectorAll('#alerts tbody tr').length > 0`)
	gotIDs := eval[[]string](t, ctx, `[...document.querySelectorAll('#alerts tbody tr')].map(r => r.dataset.id)`)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("the list shows %d alerts %v, the API %d %v", len(gotIDs), gotIDs, len(wantIDs), wantIDs)
	}
	if total := eval[string](t, ctx, `document.getElementById('total').textContent`); !strings.HasSuffix(total, fmt.Sprintf("of %d alerts", wantTotal)) {
		t.Errorf("total reads %q, want … of %d alerts", total, wantTotal)
	}
	for _, rule := range []string{"Remote Service Created with sc.exe", "Service Control Manager Spawned a Shell", "Remote Execution Tool Service Installed or Started"} {
		if !eval[bool](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#alerts td.rule')].some(td => td.textContent.startsWith(%q))`, rule)) {
			t.Errorf("the list has no alert of %q", rule)
		}
	}
	screenshot(t, ctx, filepath.Join(dir, "list.png"))

	// Filters: severity high, then host FS02 as well.
	_, highTotal := apiAlerts(t, hs.URL, "status=open,acknowledged&severity=high")
	fill(t, ctx, map[string]string{"f-severity": "high"}, "apply")
	waitFor(t, ctx, "the high alerts", fmt.Sprintf(`document.getElementById('total') && document.getElementById('total').textContent.endsWith('of %d alerts')`, highTotal))
	if sevs := eval[[]string](t, ctx, `[...document.querySelectorAll('#alerts td.severity')].map(td => td.textContent)`); len(sevs) == 0 || slices.ContainsFunc(sevs, func(s string) bool { return s != "high" }) || highTotal >= wantTotal {
		t.Errorf("severity high: the list shows %v (%d of %d)", sevs, highTotal, wantTotal)
	}
	_, fs02Total := apiAlerts(t, hs.URL, "status=open,acknowledged&host=FS02")
	fill(t, ctx, map[string]string{"f-severity": "", "f-host": "FS02"}, "apply")
	waitFor(t, ctx, "the alerts of FS02", fmt.Sprintf(`location.hash.includes('host=FS02') && !location.hash.includes('severity') && document.getElementById('total').textContent.endsWith('of %d alerts')`, fs02Total))
	if hosts := eval[[]string](t, ctx, `[...document.querySelectorAll('#alerts td.host')].map(td => td.textContent)`); len(hosts) == 0 || slices.ContainsFunc(hosts, func(s string) bool { return s != "FS02" }) || fs02Total >= wantTotal {
		t.Errorf("host FS02: the list shows %v (%d of %d)", hosts, fs02Total, wantTotal)
	}

	// A time range: the minute of the first remote sc.exe commands.
	_, rangeTotal := apiAlerts(t, hs.URL, "status=open,acknowledged&from=2026-11-20T09:14:00Z&to=2026-11-20T09:15:00Z")
	fill(t, ctx, map[string]string{"f-host": "", "f-from": "2026-11-20T09:14", "f-to": "2026-11-20T09:15"}, "apply")
	waitFor(t, ctx, "the alerts of one minute", fmt.Sprintf(`location.hash.includes('from=') && document.getElementById('total').textContent.endsWith('of %d alerts')`, rangeTotal))
	if times := eval[[]string](t, ctx, `[...document.querySelectorAll('#alerts td.time')].map(td => td.textContent)`); len(times) == 0 || rangeTotal >= wantTotal ||
		slices.ContainsFunc(times, func(s string) bool { return !strings.HasPrefix(s, "2026-11-20 09:14:") }) {
		t.Errorf("09:14 to 09:15: the list shows %v (%d of %d)", times, rangeTotal, wantTotal)
	}

	// Grouping by rule: the counts add up to the total.
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/alerts?group=rule"))
	waitFor(t, ctx, "the groups", `document.querySelectorAll('#groups button').length > 0`)
	if sum := eval[int](t, ctx, `[...document.querySelectorAll('#groups .count')].reduce((s, c) => s + Number(c.textContent), 0)`); sum != wantTotal {
		t.Errorf("the rule groups count %d alerts, want %d", sum, wantTotal)
	}

	// The seed rule's alert: investigation guide, both events in order.
	seedIDs, _ := apiAlerts(t, hs.URL, "q=sequence%20of%202%20events&size=1")
	if len(seedIDs) == 0 {
		t.Fatal("no sequence alert of the seed rule")
	}
	seed := seedIDs[0]
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/alert/"+seed))
	waitFor(t, ctx, "the alert detail", `document.getElementById('guide') && document.querySelectorAll('#events .stage').length > 0`)
	if h := eval[string](t, ctx, `document.getElementById('rule-name').textContent`); h != "Remote Service Created with sc.exe" {
		t.Errorf("detail of %q", h)
	}
	if g := eval[string](t, ctx, `document.getElementById('guide').innerText`); !strings.Contains(g, "Investigating Remote Service Created with sc.exe") || !strings.Contains(g, "Possible investigation steps") {
		t.Errorf("the investigation guide reads %.200q", g)
	}
	stages := eval[[]string](t, ctx, `[...document.querySelectorAll('#events .stage')].map(s => s.querySelector('tr[data-field="event.category"] td:last-child').textContent)`)
	if !slices.Equal(stages, []string{"process", "network"}) {
		t.Errorf("the sequence's stages show categories %v, want process then network", stages)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#attack a[href^="https://attack.mitre.org/techniques/T1569/002/"]').length`); n != 1 {
		t.Errorf("%d links to T1569.002", n)
	}
	waitFor(t, ctx, "the ancestry and timeline", `document.querySelectorAll('#timeline li').length > 0 && document.querySelectorAll('#ancestry h4').length > 0`)
	// The sequence's process: its parent's fields, and its two retained
	// events (start and connection) under "This process".
	if got := eval[string](t, ctx, `document.querySelector('#ancestry tr[data-parent="name"] td:last-child').textContent + ' ' + document.querySelectorAll('#ancestry [data-depth="0"] .ancestor-event').length + ' ' + document.querySelectorAll('#ancestry [data-depth="1"]').length`); got != "cmd.exe 2 1" {
		t.Errorf("ancestry: parent name, the process's events, parent generations: %q, want cmd.exe 2 1", got)
	}
	screenshot(t, ctx, filepath.Join(dir, "detail.png"))

	// Markup in an event field is text.
	injIDs, _ := apiAlerts(t, hs.URL, "q=__pwned&size=1")
	if len(injIDs) == 0 {
		t.Fatal("the alert of the event with markup in its message was not stored")
	}
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/alert/"+injIDs[0]))
	waitFor(t, ctx, "the alert with markup", `document.querySelector('#events tr[data-field="message"]')`)
	if txt := eval[string](t, ctx, `document.querySelector('#events tr[data-field="message"] td:last-child').textContent`); !strings.HasPrefix(txt, "<script>window.__pwned=1</script>") {
		t.Errorf("the message field shows %q", txt)
	}
	if eval[bool](t, ctx, `window.__pwned !== undefined || document.querySelectorAll('#main script, #main img').length > 0`) {
		t.Error("markup from an event field became elements of the page")
	}

	// Close with a reason; it persists across a reload, with who and when.
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/alert/"+seed))
	waitFor(t, ctx, "the workflow buttons", `document.getElementById('close') && document.getElementById('rule-name').textContent === 'Remote Service Created with sc.exe' && document.querySelectorAll('#timeline li').length > 0`)
	fill(t, ctx, map[string]string{"close-reason": "true_positive"}, "close")
	waitFor(t, ctx, "the closed status", `document.getElementById('status-reason')`)
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the alert after a reload", `document.getElementById('rule-name')`)
	if st := eval[string](t, ctx, `document.querySelector('#detail .status').textContent + ' ' + document.getElementById('status-reason').textContent + ' | ' + document.getElementById('history').textContent`); !strings.HasPrefix(st, "closed reason: true_positive | closed (true_positive) by anonymous at ") {
		t.Errorf("after a reload the alert reads %q", st)
	}
	_, openTotal := apiAlerts(t, hs.URL, "status=open,acknowledged")
	if openTotal != wantTotal-1 {
		t.Errorf("after closing one, %d alerts are open, want %d", openTotal, wantTotal-1)
	}

	// Bulk: acknowledge the first two of the list.
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/alerts"))
	waitFor(t, ctx, "the list", `document.querySelectorAll('#alerts tbody tr input').length > 1`)
	eval[bool](t, ctx, `[...document.querySelectorAll('#alerts tbody tr input')].slice(0, 2).forEach(c => c.checked = true), true`)
	do(t, ctx, chromedp.Click(chromedp.ID("bulk-ack")))
	waitFor(t, ctx, "two acknowledged alerts", `[...document.querySelectorAll('#alerts .status')].filter(s => s.textContent === 'acknowledged').length === 2`)

	// Live update: an alert raised while the list is open appears.
	var psexec corpusDoc
	for _, d := range docs {
		if bytes.Contains(d.line, []byte(`"id":"ev-0017"`)) {
			psexec = d
		}
	}
	live := strings.Replace(string(psexec.line), `"ev-0017"`, `"ev-0099"`, 1)
	live = strings.Replace(live, `"name":"FS02"`, `"name":"FS03"`, 1)
	live = strings.Replace(live, `"@timestamp":"2026-11-20T09:16:41.322Z"`, `"@timestamp":"2026-11-20T09:30:00Z"`, 1)
	postOK(t, hs.URL+"/_bulk", bulkBody([]corpusDoc{{index: psexec.index, line: []byte(live)}}))
	postOK(t, hs.URL+"/_refresh", nil)
	waitFor(t, ctx, "the new alert without a reload", fmt.Sprintf(`document.getElementById('total').textContent.endsWith('of %d alerts') && [...document.querySelectorAll('#alerts td.host')].some(td => td.textContent === 'FS03')`, openTotal+1))

	// Coverage and rules.
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/coverage"))
	waitFor(t, ctx, "the coverage matrix", `document.querySelectorAll('#matrix .cell').length > 0`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#matrix .cell[data-technique="T1569.002"]').length`); n == 0 {
		t.Error("the heat map has no T1569.002 cell")
	}
	do(t, ctx, chromedp.Navigate(hs.URL+"/#/rules"))
	waitFor(t, ctx, "the rules table", `document.querySelectorAll('#rules tbody tr').length > 0`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#rules tbody tr').length`); n != len(rules) {
		t.Errorf("the rules view lists %d rules, %d were loaded", n, len(rules))
	}
	fill(t, ctx, map[string]string{"rule-state": "unsupported"}, "")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#rules tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ')).join(' | ')`); !strings.Contains(got, "GCP") || !strings.Contains(got, "unsupported") || strings.Count(got, " | ") != 0 {
		t.Errorf("the unsupported rules read %q", got)
	}

	// The hunt's report of the same input shows the same alerts.
	report := filepath.Join(dir, "report.html")
	if _, errOut, err := runHunt(t, append([]string{"--quiet", "--progress", "never", "--format", "jsonl", "--output", filepath.Join(dir, "out.jsonl"), "--html", report, exFile}, files...)...); err != nil {
		t.Fatalf("hunt --html: %v\n%s", err, errOut)
	}
	wantAll, allTotal := apiAlerts(t, hs.URL, "status=open,acknowledged,closed&size=50&to=2026-11-20T09:16:42Z")
	do(t, ctx, chromedp.Navigate("file://"+report+"#/alerts?status=any"))
	waitFor(t, ctx, "the report's list", `document.querySelectorAll('#alerts tbody tr').length > 0`)
	gotAll := eval[[]string](t, ctx, `[...document.querySelectorAll('#alerts tbody tr')].map(r => r.dataset.id)`)
	if total := eval[string](t, ctx, `document.getElementById('total').textContent`); !strings.HasSuffix(total, fmt.Sprintf("of %d alerts", allTotal)) || !slices.Equal(gotAll, wantAll) {
		t.Errorf("the report shows %q: %v; the service %d: %v", total, gotAll, allTotal, wantAll)
	}
	do(t, ctx, chromedp.Navigate("file://"+report+"#/alert/"+seed))
	waitFor(t, ctx, "the report's detail", `document.querySelectorAll('#events .stage').length === 2 && document.getElementById('guide').innerText.includes('Possible investigation steps')`)

	if path := os.Getenv("VIGIL_PAGE_SCREENSHOT"); path != "" {
		writeDocScreenshot(t, hs.URL, path)
	}
}

// writeDocScreenshot writes the README's picture of the page: the list,
// at a size that keeps the file small.
func writeDocScreenshot(t *testing.T, base, path string) {
	ctx := browser(t, 1200, 700)
	do(t, ctx, chromedp.EmulateViewport(1200, 600), chromedp.Navigate(base+"/#/alerts?status=any"))
	waitFor(t, ctx, "the list", `document.querySelectorAll('#alerts tbody tr').length > 0`)
	buf := screenshot(t, ctx, path)
	img, _ := png.Decode(bytes.NewReader(buf))
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	enc.Encode(&out, img.(image.Image))
	if out.Len() < len(buf) {
		os.WriteFile(path, out.Bytes(), 0o644)
	}
}

// TestPageFirstRender100k measures, in the browser, how long the list
// takes to show its first page with 100,000 alerts in the store. It
// reports the time; it does not assert it.
func TestPageFirstRender100k(t *testing.T) {
	testenv.Shared(t)
	ctx := browser(t, 1280, 800)
	dir := t.TempDir()
	rules, _, errs := builtin.Load()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	// Alerts go straight into the store: a compact document each, the
	// hosts, rules and severities varied.
	st, err := store.OpenAlerts(filepath.Join(dir, "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	start := time.Now()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	sevs := []string{"low", "medium", "high", "critical"}
	batch := make([]store.Alert, 0, 10_000)
	for i := range n {
		r := rules[i%len(rules)]
		tm := base.Add(time.Duration(i) * time.Second)
		host := fmt.Sprintf("HOST-%03d", i%500)
		id := fmt.Sprintf("%064x", i)
		doc := fmt.Sprintf(`{"@timestamp":%q,"kibana.alert.uuid":%q,"kibana.alert.original_time":%q,"kibana.alert.rule.name":%q,"kibana.alert.rule.rule_id":%q,"kibana.alert.severity":%q,"kibana.alert.risk_score":%d,"kibana.alert.reason":"process event on %s","host":{"name":%q},"user":{"name":"alice"},"process":{"name":"sc.exe"}}`,
			tm.Format(time.RFC3339Nano), id, tm.Format(time.RFC3339Nano), r.Name, r.ID, sevs[i%4], 21+i%80, host, host)
		batch = append(batch, store.Alert{ID: id, Time: tm, Raised: tm, RuleID: r.ID, RuleName: r.Name, Severity: sevs[i%4],
			RiskScore: 21 + i%80, Host: host, User: "alice", Reason: "process event on " + host, Doc: []byte(doc)})
		if len(batch) == cap(batch) {
			if _, err := st.Put(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	st.Close()
	t.Logf("stored %d alerts in %v", n, time.Since(start).Round(time.Millisecond))

	hs := startServe(t, dir, rules)
	for _, q := range []string{"status=open,acknowledged&size=50", "size=50", "status=open,acknowledged&size=50&severity=high&host=HOST-007"} {
		start := time.Now()
		_, total := apiAlerts(t, hs.URL, q)
		t.Logf("GET /api/alerts?%s: %d alerts, %v", q, total, time.Since(start).Round(time.Millisecond))
	}
	for _, round := range []string{"cold", "warm"} {
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/?"+round)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the first page", `document.querySelectorAll('#alerts tbody tr').length === 50`)
		took := time.Since(start)
		total := eval[string](t, ctx, `document.getElementById('total').textContent`)
		fetchMs := eval[float64](t, ctx, `window.vigilRenderMs || 0`)
		firstMs := eval[float64](t, ctx, `window.vigilFirstRowsMs || 0`)
		t.Logf("first page with %d stored alerts (%s): 50 rows shown %.0f ms after navigation started (the browser's clock), %.0f ms of it the API call and rendering; %v as the test driver saw it; %s",
			n, round, firstMs, fetchMs, took.Round(time.Millisecond), total)
		if !strings.HasSuffix(total, fmt.Sprintf("of %d alerts", n)) {
			t.Errorf("total reads %q", total)
		}
	}
}

// TestPageGuideMarkdownIsSafe renders an investigation guide written to
// attack the page (markup, script links, markup inside code) in a report
// opened in the browser: the Markdown becomes elements, the rest text.
func TestPageGuideMarkdownIsSafe(t *testing.T) {
	testenv.Shared(t)
	ctx := browser(t, 1280, 800)
	note := "## Triage <img src=x onerror=\"window.__pwned=1\">\n\n" +
		"Read **the command line** and `<script>window.__pwned=2</script>`.\n\n" +
		"- [ATT&CK](https://attack.mitre.org/techniques/T1569/002/)\n" +
		"- [click](javascript:window.__pwned=3)\n" +
		"- <a href=\"javascript:window.__pwned=4\">raw link</a>\n\n" +
		"```\n<iframe src=\"javascript:window.__pwned=5\"></iframe>\n```\n"
	doc, _ := json.Marshal(map[string]any{
		"kibana.alert.uuid": "guide-test", "@timestamp": "2026-11-20T09:00:00Z", "kibana.alert.original_time": "2026-11-20T09:00:00Z",
		"kibana.alert.rule.name": "Guide test", "kibana.alert.severity": "high", "kibana.alert.rule.note": note,
		"kibana.alert.rule.description": "<b>not bold</b>", "host": map[string]any{"name": "H1"},
		"kibana.alert.rule.parameters": map[string]any{"investigation_fields": map[string]any{"field_names": []string{"host.name"}}},
	})
	var b bytes.Buffer
	if err := web.WriteReport(&b, &web.Report{Title: "guide", Alerts: []json.RawMessage{doc}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "guide.html")
	os.WriteFile(path, b.Bytes(), 0o644)
	do(t, ctx, chromedp.Navigate("file://"+path+"#/alert/guide-test"))
	waitFor(t, ctx, "the guide", `document.querySelector('#guide .guide')`)
	checks := []struct{ expr, want string }{
		{`document.querySelector('#guide h3 + .guide h3').textContent`, `Triage <img src=x onerror="window.__pwned=1">`},
		{`document.querySelector('#guide strong').textContent`, "the command line"},
		{`document.querySelector('#guide p code').textContent`, "<script>window.__pwned=2</script>"},
		{`[...document.querySelectorAll('#guide a')].map(a => a.getAttribute('href')).join(' ')`, "https://attack.mitre.org/techniques/T1569/002/"},
		{`document.querySelectorAll('#guide li')[1].textContent`, "click"},
		{`document.querySelectorAll('#guide li')[2].textContent`, `<a href="javascript:window.__pwned=4">raw link</a>`},
		{`document.querySelector('#guide pre').textContent`, `<iframe src="javascript:window.__pwned=5"></iframe>`},
		{`document.getElementById('description').textContent`, "<b>not bold</b>"},
		{`String(window.__pwned) + ' ' + document.querySelectorAll('#main img, #main script, #main iframe, #main b').length`, "undefined 0"},
		{`document.querySelector('#investigation-fields tr.hl').textContent`, "host.nameH1"},
		{`[...document.querySelectorAll('#events tr.hl')].map(r => r.dataset.field).join()`, "host.name"},
	}
	for _, c := range checks {
		if got := eval[string](t, ctx, c.expr); got != c.want {
			t.Errorf("%s = %q, want %q", c.expr, got, c.want)
		}
	}
}
