package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
	"github.com/vigilsec/vigil/store"
)

// fakeKafka starts an in-process broker (kfake) with an events topic of
// partitions partitions and a one-partition alerts topic.
func fakeKafka(t testing.TB, partitions int32, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, "events"), kfake.SeedTopics(1, "alerts"),
		kfake.GroupMinSessionTimeout(500 * time.Millisecond)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// produce writes docs to the events topic keyed by host name, as a
// shipper's Kafka output keyed by host does, and returns how many records
// each partition got.
func produce(t testing.TB, brokers []string, docs []doc) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic("events"), kgo.ProducerBatchMaxBytes(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	counts := map[int32]int64{}
	var recs []*kgo.Record
	for _, d := range docs {
		var m struct {
			Host struct{ Name string } `json:"host"`
		}
		json.Unmarshal(d.source, &m)
		recs = append(recs, &kgo.Record{Key: []byte(m.Host.Name), Value: d.source})
	}
	for _, r := range cl.ProduceSync(context.Background(), recs...) {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		counts[r.Record.Partition]++
	}
	return counts
}

// kafkaInstance starts a server consuming the events topic.
func kafkaInstance(t testing.TB, brokers []string, mod func(*Config)) *testServer {
	t.Helper()
	cfg := Config{IdleTimeout: time.Second, Kafka: KafkaConfig{Brokers: brokers, Topic: "events", AlertsTopic: "alerts",
		SessionTimeout: 2 * time.Second, CommitInterval: 100 * time.Millisecond}}
	if mod != nil {
		mod(&cfg)
	}
	return start(t, cfg, builtinRules(t))
}

// waitConsumed waits until the instances together have taken every
// record of every partition (want: records per partition).
func waitConsumed(t testing.TB, want map[int32]int64, instances ...*testServer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		got := map[int32]int64{}
		for _, in := range instances {
			for _, p := range in.KafkaPartitions() {
				got[p.Partition] = p.Next
			}
		}
		done := true
		for p, n := range want {
			if got[p] < n {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not consumed after 10 minutes: taken %v, want %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKafkaTwoInstances: two servers share a topic of the example scenario
// in many copies, keyed by host; together they store exactly the alerts
// one engine raises over all events.
func TestKafkaTwoInstances(t *testing.T) {
	c := fakeKafka(t, 12)
	docs := copies(t, 40)
	want := expected(t, builtinRules(t), docs)
	counts := produce(t, c.ListenAddrs(), docs)
	a := kafkaInstance(t, c.ListenAddrs(), nil)
	b := kafkaInstance(t, c.ListenAddrs(), nil)
	waitConsumed(t, counts, a, b)
	ctx := context.Background()
	var got []string
	for _, in := range []*testServer{a, b} {
		if !in.KafkaRefresh(ctx) {
			t.Fatal("refresh failed")
		}
		ids := in.alertIDs(t, "")
		var st struct {
			RecentEvents map[string]int64 `json:"recent_events"`
		}
		in.call(t, "GET", "/api/stats", nil, nil, &st)
		t.Logf("instance: partitions %v, alerts %d, the page's window: %d hosts", partitionsOf(in), len(ids), st.RecentEvents["hosts"])
		if st.RecentEvents["hosts"] == 0 {
			t.Error("the Kafka events did not reach the page's recent-event window")
		}
		got = append(got, ids...)
	}
	slices.Sort(got)
	missing, extra := diff(want, got)
	dups := len(got) - len(slices.Compact(slices.Clone(got)))
	t.Logf("events %d, alerts %d, missing %d, extra %d; raised again by a partition's new owner (same id, one per store) %d", len(docs), len(want), len(missing), len(extra), dups)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("missing %v\nextra %v", missing, extra)
	}
}

func partitionsOf(ts *testServer) string {
	var ps []string
	for _, p := range ts.KafkaPartitions() {
		ps = append(ps, fmt.Sprint(p.Partition))
	}
	return strings.Join(ps, ",")
}

// TestKafkaPoison: a record that is not JSON and one of 100 MB sit between
// documents of one partition; both are counted and skipped, and the
// documents after them are evaluated: the alerts are those of the clean
// stream.
func TestKafkaPoison(t *testing.T) {
	if testing.Short() {
		t.Skip("moves a 100 MB record")
	}
	c := fakeKafka(t, 1, kfake.BrokerConfigs(map[string]string{"message.max.bytes": "209715200"}))
	docs := copies(t, 2)
	want := expected(t, builtinRules(t), docs)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("events"),
		kgo.ProducerBatchMaxBytes(200<<20), kgo.BrokerMaxWriteBytes(256<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	huge := make([]byte, 100_000_000)
	for i := range huge {
		huge[i] = 'x'
	}
	var recs []*kgo.Record
	for i, d := range docs {
		recs = append(recs, &kgo.Record{Value: d.source})
		switch i {
		case 3:
			recs = append(recs, &kgo.Record{Value: []byte("not json {")})
		case len(docs) / 2:
			recs = append(recs, &kgo.Record{Value: huge})
		}
	}
	for _, r := range recs {
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	huge = nil
	in := kafkaInstance(t, c.ListenAddrs(), func(cfg *Config) { cfg.Kafka.SessionTimeout = 10 * time.Second })
	waitConsumed(t, map[int32]int64{0: int64(len(recs))}, in)
	if !in.KafkaRefresh(context.Background()) {
		t.Fatal("refresh failed")
	}
	got := in.alertIDs(t, "")
	missing, extra := diff(want, got)
	var st struct {
		Kafka struct{ Counters map[string]int64 }
	}
	in.call(t, "GET", "/api/stats", nil, nil, &st)
	t.Logf("records %d, poison %d, alerts %d, missing %d, extra %d", st.Kafka.Counters["records"], st.Kafka.Counters["poison"], len(got), len(missing), len(extra))
	// A loaded machine may make the group rebalance (the member misses
	// heartbeats while it reads 100 MB): the partition is then taken
	// again from the commit, poison and all.
	if st.Kafka.Counters["poison"] < 2 || st.Kafka.Counters["records"] < int64(len(recs)) ||
		st.Kafka.Counters["records"] == int64(len(recs)) && st.Kafka.Counters["poison"] != 2 {
		t.Errorf("poison %d of records %d, want 2 of %d", st.Kafka.Counters["poison"], st.Kafka.Counters["records"], len(recs))
	}
	if len(missing) > 0 || len(extra) > 0 || len(want) == 0 {
		t.Errorf("want %d alerts: missing %v, extra %v", len(want), missing, extra)
	}
}

// TestKafkaKcat: Debian's kcat (librdkafka, the C client most shippers
// are built on) produces the example scenario into the broker over TCP,
// keyed by host; vigil consumes it and stores a hunt's alerts; kcat then
// reads the alerts topic, each record keyed by its alert id. .ci/run
// installs kcat; without VIGIL_SHARED its absence skips the test, with
// it (CI) it fails it.
func TestKafkaKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("VIGIL_SHARED") == "" {
			t.Skip("kcat not installed")
		}
		t.Fatal("kcat not installed (.ci/run installs it)")
	}
	c := fakeKafka(t, 12)
	broker := c.ListenAddrs()[0]
	docs := copies(t, 5)
	var in bytes.Buffer
	for _, d := range docs {
		var m struct {
			Host struct{ Name string } `json:"host"`
		}
		json.Unmarshal(d.source, &m)
		fmt.Fprintf(&in, "%s\t%s\n", m.Host.Name, d.source)
	}
	cmd := exec.Command(kcat, "-P", "-b", broker, "-t", "events", "-K", "\t", "-z", "snappy")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v\n%s", err, out)
	}
	// What kcat wrote, as the broker holds it.
	counts := map[int32]int64{}
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for n := 0; n < len(docs); {
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records kcat wrote", n, len(docs))
		}
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { counts[r.Partition]++; n++ })
	}
	if len(counts) < 2 {
		t.Errorf("kcat's records went to %d partitions; keyed by host they should spread", len(counts))
	}
	want := expected(t, builtinRules(t), docs)
	ts := kafkaInstance(t, c.ListenAddrs(), nil)
	waitConsumed(t, counts, ts)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	got := ts.alertIDs(t, "")
	if !slices.Equal(got, want) {
		missing, extra := diff(want, got)
		t.Errorf("missing %v\nextra %v", missing, extra)
	}
	out, err := exec.Command(kcat, "-C", "-b", broker, "-t", "alerts", "-e", "-q", "-f", "%k\n").Output()
	if err != nil {
		t.Fatalf("kcat -C: %v", err)
	}
	keys := strings.Fields(string(out))
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("the alerts topic holds %d alert ids, want %d", len(keys), len(want))
	}
	t.Logf("kcat: %d records over %d partitions, %d alerts stored, %d alert ids read back from the alerts topic", len(docs), len(counts), len(got), len(keys))
}

// TestKafkaReload: a reload reaches the partitions' engines. The instance
// starts without one rule of the pack; after the reload adds it, the
// events that come next raise its alerts too.
func TestKafkaReload(t *testing.T) {
	c := fakeKafka(t, 12)
	rules := builtinRules(t)
	docs := copies(t, 20)
	before, after := docs[:len(docs)/2], docs[len(docs)/2:]
	i := slices.IndexFunc(rules, func(r *rule.Rule) bool { return r.Name == "Service Control Manager Spawned a Shell" })
	if i < 0 {
		t.Fatal("the pack lacks the rule the test leaves out")
	}
	fewer := slices.Delete(slices.Clone(rules), i, i+1)
	want := append(expected(t, fewer, before), expected(t, rules, after)...)
	slices.Sort(want)
	if slices.Equal(expected(t, fewer, after), expected(t, rules, after)) {
		t.Fatal("the rule left out raises nothing: the test proves nothing")
	}
	cfg := Config{IdleTimeout: time.Second, Kafka: KafkaConfig{Brokers: c.ListenAddrs(), Topic: "events", SessionTimeout: 2 * time.Second}}
	ts := start(t, cfg, fewer)
	ts.SetLoader(func() ([]*rule.Rule, *exception.Store, error) { return rules, nil, nil })
	got, res := shipAroundReload(t, ts, c.ListenAddrs(), before, after, nil)
	if missing, extra := diff(want, got); len(missing) > 0 || len(extra) > 0 {
		t.Errorf("missing %v\nextra %v", missing, extra)
	}
	t.Logf("alerts %d (reload: %v)", len(got), res)
}

// shipAroundReload sends before to the events topic and waits until ts
// has evaluated it, reloads ts's rules, calls between (if not nil), then
// does the same with after. It returns the ids of the alerts ts stored
// and the reload's answer.
func shipAroundReload(t *testing.T, ts *testServer, brokers []string, before, after []doc, between func()) ([]string, map[string]any) {
	t.Helper()
	counts := produce(t, brokers, before)
	waitConsumed(t, counts, ts)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	var res map[string]any
	if st := ts.call(t, "POST", "/api/rules/_reload", nil, nil, &res); st != http.StatusOK {
		t.Fatalf("reload: %d %v", st, res)
	}
	if between != nil {
		between()
	}
	for p, n := range produce(t, brokers, after) {
		counts[p] += n
	}
	waitConsumed(t, counts, ts)
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	return ts.alertIDs(t, ""), res
}

// TestKafkaReloadSigma: a reload that brings the first Sigma rule to a
// Kafka consumer switches its partitions' decoders to keeping Windows
// records' event data whole, as the _bulk decoders do, and the Sigma
// rule raises on the records that come next what a hunt raises.
func TestKafkaReloadSigma(t *testing.T) {
	src, data := sigmaSample(t)
	sr, _, err := sigma.Load(filepath.Join(t.TempDir(), "r.yml"), src)
	if err != nil {
		t.Fatal(err)
	}
	pack := builtinRules(t)
	withSigma := append(slices.Clone(pack), sr...)
	docs := winlogDocs(t, data, 400)
	for i := range docs {
		docs[i].index = "" // as a Kafka record names none: the record's channel chooses it
	}
	before, after := docs[:200], docs[200:]
	want := append(expected(t, pack, before), expected(t, withSigma, after)...)
	slices.Sort(want)
	if slices.Equal(expected(t, pack, after), expected(t, withSigma, after)) {
		t.Fatal("the Sigma rule raises nothing on the records after the reload: the test proves nothing")
	}

	c := fakeKafka(t, 4)
	cfg := Config{IdleTimeout: time.Second, Kafka: KafkaConfig{Brokers: c.ListenAddrs(), Topic: "events", SessionTimeout: 2 * time.Second}}
	ts := start(t, cfg, pack)
	ts.SetLoader(func() ([]*rule.Rule, *exception.Store, error) { return withSigma, nil, nil })
	if ts.kafka.opener.Options().KeepEventData {
		t.Fatal("without Sigma rules the decoders keep Windows event data")
	}
	got, _ := shipAroundReload(t, ts, c.ListenAddrs(), before, after, func() {
		// The reload has returned: the consumer's goroutine switched
		// the decoders before answering.
		if !ts.kafka.opener.Options().KeepEventData {
			t.Error("after the reload the opener does not keep Windows event data")
		}
		for id, p := range ts.kafka.own.parts {
			if p.dec.Opener() != ts.kafka.opener {
				t.Errorf("partition %d decodes with the opener from before the reload", id)
			}
		}
	})
	if missing, extra := diff(want, got); len(missing) > 0 || len(extra) > 0 {
		t.Errorf("missing %v\nextra %v", missing, extra)
	}
	t.Logf("alerts %d", len(got))
}

// TestKafkaConfigCheck: the Kafka settings the server refuses.
func TestKafkaConfigCheck(t *testing.T) {
	b := []string{"k1:9092"}
	tests := []struct {
		name string
		kc   KafkaConfig
		want string
	}{
		{"no Kafka", KafkaConfig{}, ""},
		{"events", KafkaConfig{Brokers: b, Topic: "events"}, ""},
		{"merged view only", KafkaConfig{Brokers: b, AlertsTopic: "alerts", AlertsConsume: true}, ""},
		{"topic without brokers", KafkaConfig{Topic: "events"}, "kafka: a topic is configured but no broker (--kafka-brokers)"},
		{"brokers without topic", KafkaConfig{Brokers: b}, "kafka: brokers are configured but no topic (--kafka-topic)"},
		{"view without alerts topic", KafkaConfig{Brokers: b, Topic: "events", AlertsConsume: true}, "kafka: --kafka-alerts-consume needs --kafka-alerts-topic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Kafka: tc.kc}
			cfg.Defaults()
			got := ""
			if err := cfg.Check(); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAlertRecord: an alerts-topic record reads back as the stored alert;
// records that are not vigil alerts are refused.
func TestAlertRecord(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 5, time.UTC)
	a := store.Alert{ID: "abc", Time: at, Raised: at.Add(time.Second), RuleID: "r1", RuleName: "Rule One", Severity: "high",
		RiskScore: 73, Host: "h1", User: "u1", Reason: "why", Doc: []byte(`{"kibana.alert.uuid":"abc"}`), Status: store.Open}
	got, err := alertFromRecord(alertRecord(&a, "alerts"))
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("round trip: %+v, %v; want %+v", got, err, a)
	}
	for name, r := range map[string]*kgo.Record{
		"no key":      {Value: a.Doc, Headers: alertRecord(&a, "").Headers},
		"not JSON":    {Key: []byte("abc"), Value: []byte("x"), Headers: alertRecord(&a, "").Headers},
		"no headers":  {Key: []byte("abc"), Value: a.Doc},
		"empty value": {Key: []byte("abc"), Headers: alertRecord(&a, "").Headers},
	} {
		if _, err := alertFromRecord(r); err != errAlertRecord {
			t.Errorf("%s: %v, want %v", name, err, errAlertRecord)
		}
	}
}
