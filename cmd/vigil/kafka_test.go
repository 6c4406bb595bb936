//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/server"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/winlog"
)

// kafkaPartitions is the events topic's partition count in the tests.
const kafkaPartitions = 12

// syntheticRule joins a logon on one host to a process of the same user
// on another host: a rule whose state spans hosts (engine.Split puts it
// with the shared rules), which the instances run through the shared
// topic.
const syntheticRule = `[metadata]
creation_date = "2026/12/06"
maturity = "production"
updated_date = "2026/12/06"

[rule]
author = ["vigil"]
description = "Test rule: a logon on one host, then a process started by the same user on another."
from = "now-9m"
index = ["logs-vigil.synthetic-*"]
language = "eql"
license = "Apache-2.0"
name = "Synthetic cross-host logon then process"
risk_score = 47
rule_id = "6f1d3c2e-9a43-4c55-8d0e-4b7f0c1e2a10"
severity = "medium"
tags = ["OS: Windows"]
type = "eql"
query = '''
sequence by user.name with maxspan = 1m
  [authentication where event.outcome == "success" and host.name : "syn-a-*"]
  [process where event.type == "start" and host.name : "syn-b-*"]
'''
`

// syntheticDocs are cross-host sequences for syntheticRule (n users, each
// a logon on syn-a-i then a process on syn-b-i 20 s later), some second
// events written before their first: out of order across partitions, and
// within a host out of order by less than the lateness.
func syntheticDocs(base time.Time, n int) []corpusDoc {
	var out []corpusDoc
	doc := func(t time.Time, host, user, category, typ, outcome string) corpusDoc {
		line := fmt.Sprintf(`{"@timestamp":%q,"data_stream":{"type":"logs","dataset":"vigil.synthetic","namespace":"default"},`+
			`"event":{"id":"syn-%s-%s-%d","category":[%q],"type":[%q],"outcome":%q},"host":{"name":%q,"os":{"type":"windows"}},"user":{"name":%q}}`,
			t.Format(time.RFC3339Nano), host, user, t.UnixNano(), category, typ, outcome, host, user)
		return corpusDoc{t: t.UnixNano(), index: "logs-vigil.synthetic-default", line: []byte(line)}
	}
	for i := range n {
		t := base.Add(time.Duration(i) * 2 * time.Minute)
		user := fmt.Sprintf("u%d", i)
		a := doc(t, fmt.Sprintf("syn-a-%d", i%5), user, "authentication", "start", "success")
		b := doc(t.Add(20*time.Second), fmt.Sprintf("syn-b-%d", i%7), user, "process", "start", "success")
		noise := doc(t.Add(2*time.Second), fmt.Sprintf("syn-a-%d", i%5), user, "process", "start", "success")
		if i%3 == 0 {
			out = append(out, b, noise, a) // a after its own host's later event, b before a
		} else {
			out = append(out, a, noise, b)
		}
	}
	return out
}

// kafkaCorpus is the corpus slice the scale-out test sends: the smallest
// files of the winlog corpus up to about maxBytes compressed.
func kafkaCorpus(t *testing.T, maxBytes int64) []string {
	pattern := filepath.Join(testenv.Shared(t), "data", "winlog", "security-datasets", "*", "*.ndjson.gz")
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	size := map[string]int64{}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		size[f] = st.Size()
	}
	sort.Slice(files, func(i, j int) bool { return size[files[i]] < size[files[j]] })
	var out []string
	total := int64(0)
	for _, f := range files {
		if total+size[f] > maxBytes {
			break
		}
		total += size[f]
		out = append(out, f)
	}
	return out
}

// hostOf is the partition key of a document: its host.name (raw winlog
// records carry it as well).
func hostOf(line []byte) string {
	var m struct {
		Host struct{ Name string } `json:"host"`
	}
	json.Unmarshal(line, &m)
	return m.Host.Name
}

// instance is one vigil serve in the group: in this process (srv set) or
// a child process.
type instance struct {
	name string
	url  string
	srv  *server.Server
	hs   *httptest.Server
	cmd  *exec.Cmd
}

func (in *instance) stop() {
	switch {
	case in.srv != nil:
		in.hs.Close()
		in.srv.Close()
		in.srv = nil
	case in.cmd != nil:
		in.cmd.Process.Signal(syscall.SIGKILL)
		in.cmd.Wait()
		in.cmd = nil
	}
}

// kafkaStats is what the test reads of /api/stats.
type kafkaStats struct {
	Kafka struct {
		Assignment []struct {
			Partition int32 `json:"partition"`
			Next      int64 `json:"next_offset"`
		}
		Counters map[string]int64
	}
	KafkaShared struct {
		Owner       bool
		WatermarkNS int64 `json:"watermark_ns"`
		Counters    map[string]int64
	} `json:"kafka_shared"`
}

func (in *instance) stats(t *testing.T) kafkaStats {
	t.Helper()
	var st kafkaStats
	resp, err := http.Get(in.url + "/api/stats")
	if err != nil {
		t.Fatalf("%s: %v", in.name, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("%s: %v", in.name, err)
	}
	return st
}

// scaleOut is the scale-out test's world: a broker, the rules, the data
// directories of the instances.
type scaleOut struct {
	t       *testing.T
	brokers []string
	rules   []string // --rules paths
	loaded  []*rule.Rule
	dirs    map[string]string
}

func (so *scaleOut) kafkaConfig() server.KafkaConfig {
	return server.KafkaConfig{Brokers: so.brokers, Topic: "events", AlertsTopic: "alerts",
		SessionTimeout: 2 * time.Second, CommitInterval: 200 * time.Millisecond}
}

func (so *scaleOut) dir(name string) string {
	if so.dirs[name] == "" {
		so.dirs[name] = so.t.TempDir()
	}
	return so.dirs[name]
}

// startInProcess starts a member of the group in this process.
func (so *scaleOut) startInProcess(name string, mod func(*server.Config)) *instance {
	t := so.t
	cfg := server.Config{DataDir: so.dir(name), Durability: store.Async, Kafka: so.kafkaConfig()}
	if mod != nil {
		mod(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil)).With("instance", name)
	}
	srv, err := server.New(cfg, so.loaded, engine.Options{Aliases: winlog.Aliases}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	return &instance{name: name, url: hs.URL, srv: srv, hs: hs}
}

// startProcess starts a member of the group as `vigil serve` in a child
// process, and waits until it listens.
func (so *scaleOut) startProcess(name string) *instance {
	t := so.t
	args := []string{"serve", "--data", so.dir(name), "--listen", "127.0.0.1:0", "--durability", "async",
		"--kafka-brokers", strings.Join(so.brokers, ","), "--kafka-topic", "events", "--kafka-alerts-topic", "alerts",
		"--kafka-session-timeout", "2s"}
	for _, r := range so.rules {
		args = append(args, "--rules", r)
	}
	cmd := vigilProcess(t, args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if testing.Verbose() {
				fmt.Fprintf(os.Stderr, "[%s] %s\n", name, line)
			}
			if _, a, ok := strings.Cut(line, "msg=listening address="); ok {
				a, _, _ = strings.Cut(a, " ")
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return &instance{name: name, url: "http://" + a, cmd: cmd}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s did not start listening", name)
		return nil
	}
}

// produce writes documents to the events topic keyed by host, as a
// shipper's Kafka output keyed by host does; with partition >= 0 to that
// partition. It returns the records per partition.
func produceDocs(t *testing.T, brokers []string, docs []corpusDoc, counts map[int32]int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic("events"), kgo.ProducerBatchMaxBytes(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(docs))
	for i, d := range docs {
		recs[i] = &kgo.Record{Key: []byte(hostOf(d.line)), Value: d.line}
	}
	for _, r := range cl.ProduceSync(context.Background(), recs...) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		counts[r.Record.Partition]++
	}
}

// waitTaken waits until the instances together have taken every record
// produced, partition by partition.
func waitTaken(t *testing.T, counts map[int32]int64, ins ...*instance) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got := map[int32]int64{}
		for _, in := range ins {
			for _, p := range in.stats(t).Kafka.Assignment {
				got[p.Partition] = max(got[p.Partition], p.Next)
			}
		}
		done := true
		for p, n := range counts {
			if got[p] < n {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not consumed after 5 minutes: taken %v, produced %v", got, counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRecords waits until an instance has taken at least n records.
func waitRecords(t *testing.T, in *instance, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for in.stats(t).Kafka.Counters["records"] < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s took fewer than %d records in 5 minutes", in.name, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitMore waits until an instance has taken more than n records, or a
// minute: events are keyed by host, so its partitions may get few of what
// comes next (the test then stops it all the same, the stream unfinished).
func waitMore(t *testing.T, in *instance, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for in.stats(t).Kafka.Counters["records"] <= n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKafkaScaleOut runs vigil serve instances in one consumer group over
// a 12-partition topic carrying a slice of the winlog corpus keyed by host
// plus synthetic cross-host sequences, and compares the merged alerts with
// vigil hunt over the same events. Three instances start (one a child
// process); the child is killed with SIGKILL mid-stream, one in-process
// instance is stopped (context cancel) mid-stream, the group rebalances
// each time; then every instance is restarted and the rest of the stream
// consumed. A fourth server consumes the alerts topic: the merged view.
func TestKafkaScaleOut(t *testing.T) {
	maxBytes := int64(1_500_000)
	if testing.Short() {
		maxBytes = 300_000
	}
	files := kafkaCorpus(t, maxBytes)
	docs := readCorpus(t, files)
	first := time.Unix(0, docs[0].t).UTC()
	last := time.Unix(0, docs[len(docs)-1].t)
	// The topic gets the synthetic sequences (two hours before the
	// corpus, some out of order), then the corpus in time order, each
	// record keyed by its host; the hunt reads the same events sorted.
	docs = append(syntheticDocs(first.Add(-2*time.Hour), 30), docs...)
	sorted := slices.Clone(docs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].t < sorted[j].t })
	dir := t.TempDir()
	ruleDir := filepath.Join(dir, "rules")
	os.Mkdir(ruleDir, 0o755)
	os.WriteFile(filepath.Join(ruleDir, "synthetic.toml"), []byte(syntheticRule), 0o644)
	rules := []string{filepath.Join(testenv.Shared(t), "corpus", "detection-rules", "rules", "windows"), ruleDir}

	// One sentinel per partition a day after the last event, written to
	// that partition: every partition's event time passes the end.
	var sentinels []string
	for p := range kafkaPartitions {
		sentinels = append(sentinels, fmt.Sprintf(`{"@timestamp":%q,"_index":"logs-vigil.end-default","host":{"name":"vigil-end-%d"},"message":"end"}`,
			last.Add(24*time.Hour).UTC().Format(time.RFC3339Nano), p))
	}
	var all strings.Builder
	for _, d := range sorted {
		all.Write(d.line)
		all.WriteByte('\n')
	}
	for _, s := range sentinels {
		all.WriteString(s + "\n")
	}
	allFile := filepath.Join(dir, "events.ndjson")
	os.WriteFile(allFile, []byte(all.String()), 0o644)
	args := []string{"--progress", "never", "--quiet", "--format", "jsonl"}
	for _, r := range rules {
		args = append(args, "--rules", r)
	}
	out, errOut, err := runHunt(t, append(args, allFile)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var want []string
	synthetic := 0
	for _, a := range alertDocs(t, out) {
		want = append(want, a["kibana.alert.uuid"].(string))
		if a["kibana.alert.rule.rule_id"] == "6f1d3c2e-9a43-4c55-8d0e-4b7f0c1e2a10" {
			synthetic++
		}
	}
	slices.Sort(want)
	if synthetic == 0 {
		t.Fatal("the hunt raised no synthetic cross-host alert: the test proves nothing about shared rules")
	}

	loaded, _, errs := rule.LoadPaths(rules...)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	loaded, _ = rule.SplitEnabled(loaded, false)
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("instances-%d", n), func(t *testing.T) {
			t.Parallel() // most of a run is waiting: for the group, for the session timeout of the killed child
			scaleOutRun(t, n, scaleOutCase{files: len(files), docs: docs, sentinels: sentinels, last: last,
				rules: rules, loaded: loaded, want: want, synthetic: synthetic})
		})
	}
}

// scaleOutCase is what every run of the scale-out test shares: the
// events, the rules and the hunt's alerts.
type scaleOutCase struct {
	files     int
	docs      []corpusDoc
	sentinels []string
	last      time.Time
	rules     []string
	loaded    []*rule.Rule
	want      []string
	synthetic int
}

// scaleOutRun runs n instances (one a child process) over the case's
// events: the child is killed with SIGKILL mid-stream; with three, one
// in-process instance is then stopped mid-stream; then every instance
// restarts and the rest comes.
func scaleOutRun(t *testing.T, n int, sc scaleOutCase) {
	docs, sentinels, last, rules, loaded, want, synthetic := sc.docs, sc.sentinels, sc.last, sc.rules, sc.loaded, sc.want, sc.synthetic
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(kafkaPartitions, "events"),
		kfake.SeedTopics(1, "alerts"), kfake.GroupMinSessionTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	so := &scaleOut{t: t, brokers: c.ListenAddrs(), rules: rules, loaded: loaded, dirs: map[string]string{}}

	// The merged view: the alerts topic into one store.
	view := so.startInProcess("view", func(cfg *server.Config) {
		cfg.Kafka.Topic, cfg.Kafka.AlertsConsume = "", true
	})
	defer view.stop()

	counts := map[int32]int64{}
	third := len(docs) / 3
	produceDocs(t, so.brokers, docs[:third], counts)
	a := so.startInProcess("a", nil)
	var b *instance
	child := so.startProcess("c")
	running := []*instance{a, child}
	if n == 3 {
		b = so.startInProcess("b", nil)
		running = append(running, b)
	}
	defer func() {
		for _, in := range running {
			in.stop()
		}
	}()
	began := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(began).Seconds(), what) }
	// Phase 1: n instances; the child is killed mid-stream.
	waitRecords(t, child, 1)
	taken := child.stats(t).Kafka.Counters["records"]
	produceDocs(t, so.brokers, docs[third:2*third], counts)
	waitMore(t, child, taken)
	child.stop()
	phase("child killed (SIGKILL)")
	kills := 1
	// Phase 2: the group rebalances to n-1; with three, one of them is
	// stopped mid-stream (its context cancelled).
	cancels := 0
	if n == 3 {
		waitMore(t, b, b.stats(t).Kafka.Counters["records"])
		b.stop()
		phase("b stopped")
		cancels++
	}
	waitTaken(t, counts, a)
	phase("two thirds taken")
	// Phase 3: every instance restarts (the same data directories); the
	// rest of the stream and the sentinels come.
	a.stop()
	a = so.startInProcess("a", nil)
	child = so.startProcess("c")
	running = []*instance{a, child}
	if n == 3 {
		b = so.startInProcess("b", nil)
		running = append(running, b)
	}
	restarts := len(running)
	produceDocs(t, so.brokers, docs[2*third:], counts)
	var sentinelDocs []corpusDoc
	for _, s := range sentinels {
		sentinelDocs = append(sentinelDocs, corpusDoc{line: []byte(s)})
	}
	produceSentinels(t, so.brokers, sentinelDocs, counts)
	waitTaken(t, counts, running...)
	phase("everything taken after the restart")
	for _, in := range running {
		resp, err := http.Post(in.url+"/_refresh", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The shared rules' owner has passed the end.
	end := last.Add(24 * time.Hour).UnixNano()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		passed := false
		for _, in := range running {
			if st := in.stats(t).KafkaShared; st.Owner && st.WatermarkNS >= end {
				passed = true
			}
		}
		if passed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shared rules' owner did not pass the end in 5 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	phase("the shared owner passed the end")
	// Every instance's alerts; the view holds them all once sent.
	union := map[string]int{}
	raised := 0
	for _, in := range running {
		ids := apiAlertIDs(t, in.url)
		raised += len(ids)
		for _, id := range ids {
			union[id]++
		}
	}
	var got []string
	deadline = time.Now().Add(time.Minute)
	for {
		got = apiAlertIDs(t, view.url)
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	got = apiAlertIDs(t, view.url)
	missing, extra := diffIDs(want, got)
	dups := len(got) - len(slices.Compact(slices.Clone(got)))
	var replays, dropped int64
	for _, in := range running {
		st := in.stats(t)
		replays += st.Kafka.Counters["replays"]
		dropped += st.KafkaShared.Counters["duplicates_dropped"]
	}
	t.Logf("kafka scale-out: instances %d, events %d, alerts %d, missing %d, duplicated %d", n, len(docs), len(got), len(missing), len(extra)+dups)
	t.Logf("files %d, partitions %d, hunt alerts %d (synthetic cross-host %d), kills: SIGKILL %d, context cancel %d, restarts %d; "+
		"alerts stored by the last instances %d (%d distinct), partitions replayed after the restart %d, forwarded events dropped as replays %d",
		sc.files, kafkaPartitions, len(want), synthetic, kills, cancels, restarts, raised, len(union), replays, dropped)
	if len(missing) > 0 || len(extra) > 0 || dups > 0 {
		t.Errorf("missing %d %v\nextra %d %v", len(missing), head(missing), len(extra), head(extra))
	}
}

// produceSentinels writes sentinel i to partition i.
func produceSentinels(t *testing.T, brokers []string, docs []corpusDoc, counts map[int32]int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic("events"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i, d := range docs {
		r := &kgo.Record{Partition: int32(i), Value: d.line}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
		counts[int32(i)]++
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 10)] }

// apiAlertIDs returns the ids of every alert a server stores, sorted.
func apiAlertIDs(t *testing.T, url string) []string {
	t.Helper()
	var ids []string
	for _, a := range storedAlerts(t, url) {
		ids = append(ids, a["kibana.alert.uuid"].(string))
	}
	slices.Sort(ids)
	return ids
}

func diffIDs(want, got []string) (missing, extra []string) {
	for _, id := range want {
		if _, ok := slices.BinarySearch(got, id); !ok {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		if _, ok := slices.BinarySearch(want, id); !ok {
			extra = append(extra, id)
		}
	}
	return missing, extra
}
