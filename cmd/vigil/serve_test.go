package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
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
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/server"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/winlog"
)

// corpusDoc is one raw winlog record and the index a hunt gives it.
type corpusDoc struct {
	t     int64
	index string
	line  []byte
}

// readCorpus reads raw winlog files in time order across files (stable:
// file order, then line order, for equal times), with the index the
// normaliser assigns each record, as a hunt and Elastic Agent would.
func readCorpus(t *testing.T, files []string) []corpusDoc {
	t.Helper()
	var out []corpusDoc
	norm := winlog.NewNormalizer()
	var rec winlog.Record
	var doc event.Doc
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			line := bytes.Clone(sc.Bytes())
			if err := winlog.DecodeJSON(line, &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			doc.Reset()
			index, err := norm.Normalize(&rec, &doc)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var ts struct {
				T time.Time `json:"@timestamp"`
			}
			json.Unmarshal(line, &ts)
			out = append(out, corpusDoc{t: ts.T.UnixNano(), index: index, line: line})
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].t < out[j].t })
	return out
}

// TestServeMatchesHunt sends raw winlog recordings through _bulk in random
// batch sizes, in time order, and compares the stored alerts with a hunt
// over the same files with the same rules (every Windows rule of Elastic's
// corpus). A last event a day after the others lets the service's
// watermark close what a hunt closes at the end of its input.
func TestServeMatchesHunt(t *testing.T) {
	shared := testenv.Shared(t)
	pattern := filepath.Join(shared, "data", "winlog", "security-datasets", "*", "*.ndjson.gz")
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	docs := readCorpus(t, files)
	last := time.Unix(0, docs[len(docs)-1].t).UTC()
	sentinel := filepath.Join(t.TempDir(), "end.ndjson")
	endDoc := fmt.Sprintf(`{"@timestamp":%q,"_index":"logs-vigil.end-default","message":"end of the recordings"}`, last.Add(24*time.Hour).Format(time.RFC3339Nano))
	os.WriteFile(sentinel, []byte(endDoc+"\n"), 0o644)

	dirs := testenv.DetectionRules(t)
	args := []string{"--progress", "never", "--quiet", "--format", "jsonl", "--tag", "OS: Windows"}
	for _, d := range dirs {
		args = append(args, "--rules", d)
	}
	start := time.Now()
	out, _, err := runHunt(t, append(args, append(files, sentinel)...)...)
	if err != nil {
		t.Fatal(err)
	}
	huntTook := time.Since(start)
	var want []string
	huntDocs := map[string]map[string]any{}
	for _, a := range alertDocs(t, out) {
		id := a["kibana.alert.uuid"].(string)
		want = append(want, id)
		huntDocs[id] = a
	}
	slices.Sort(want)

	// The same rules as the hunt selected.
	rules, _, errs := rule.LoadPaths(dirs...)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	rules = slices.DeleteFunc(rules, func(r *rule.Rule) bool { return !slices.Contains(r.Tags, "OS: Windows") })
	rules, _ = rule.SplitEnabled(rules, false)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(server.Config{DataDir: t.TempDir(), Durability: store.Async}, rules, engine.Options{Aliases: winlog.Aliases}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	start = time.Now()
	batches := 0
	for i := 0; i < len(docs); {
		n := min(1+rng.IntN(500), len(docs)-i)
		var body bytes.Buffer
		for _, d := range docs[i : i+n] {
			fmt.Fprintf(&body, "{\"create\":{\"_index\":%q}}\n%s\n", d.index, d.line)
		}
		postOK(t, hs.URL+"/_bulk", &body)
		i += n
		batches++
	}
	postOK(t, hs.URL+"/logs-vigil.end-default/_doc", strings.NewReader(endDoc))
	postOK(t, hs.URL+"/_refresh", nil)
	serveTook := time.Since(start)
	var got []string
	serveDocs := map[string]map[string]any{}
	for _, a := range storedAlerts(t, hs.URL) {
		id := a["kibana.alert.uuid"].(string)
		got = append(got, id)
		serveDocs[id] = a
	}
	slices.Sort(got)
	missing, extra := 0, 0
	describe := func(a map[string]any) string {
		return fmt.Sprintf("%v at %v (%v)", a["kibana.alert.rule.name"], a["kibana.alert.original_time"], a["kibana.alert.reason"])
	}
	for _, id := range want {
		if _, ok := slices.BinarySearch(got, id); !ok {
			missing++
			t.Logf("only in the hunt: %s", describe(huntDocs[id]))
		}
	}
	for _, id := range got {
		if _, ok := slices.BinarySearch(want, id); !ok {
			extra++
			t.Logf("only in serve: %s", describe(serveDocs[id]))
		}
	}
	t.Logf("hunt/serve comparison: files %d, documents %d, batches %d, rules %d, hunt alerts %d (%v), serve alerts %d (%v), missing %d, extra %d",
		len(files), len(docs), batches, len(rules), len(want), huntTook.Round(time.Millisecond), len(got), serveTook.Round(time.Millisecond), missing, extra)
	if len(want) == 0 {
		t.Fatal("the hunt raised nothing: the comparison proves nothing")
	}
	if missing > 0 || extra > 0 {
		t.Errorf("serve and hunt differ: %d alerts missing from serve, %d extra", missing, extra)
	}
}

// postOK posts a request and fails the test unless every document was
// taken; while the service answers 429 with Retry-After (its engine is
// behind), it sends the request again after a pause, as shippers do.
func postOK(t *testing.T, url string, body io.Reader) {
	t.Helper()
	ct := "application/x-ndjson"
	if strings.HasSuffix(url, "/_doc") {
		ct = "application/json"
	}
	var data []byte
	if body != nil {
		data, _ = io.ReadAll(body)
	}
	for range 3000 {
		resp, err := http.Post(url, ct, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var res struct{ Errors bool }
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		json.Unmarshal(b, &res)
		if resp.StatusCode < 300 && !res.Errors {
			return
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Fatalf("POST %s: %d %.300s", url, resp.StatusCode, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("POST %s: still refused after 60 s of retries", url)
}

// storedAlerts pages through a server's GET /api/alerts.
func storedAlerts(t *testing.T, url string) []map[string]any {
	t.Helper()
	var all []map[string]any
	after := ""
	for {
		var page struct {
			Alerts []map[string]any
			Next   string
		}
		u := url + "/api/alerts?size=1000"
		if after != "" {
			u += "&after=" + after
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		all = append(all, page.Alerts...)
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
}
