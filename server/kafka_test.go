package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
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
	deadline := time.Now().Add(60 * time.Second)
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
			t.Fatalf("not consumed after 60 s: taken %v, want %v", got, want)
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
		t.Logf("instance: partitions %v, alerts %d", partitionsOf(in), len(ids))
		got = append(got, ids...)
	}
	slices.Sort(got)
	missing, extra := diff(want, got)
	dups := len(got) - len(slices.Compact(slices.Clone(got)))
	t.Logf("events %d, alerts %d, missing %d, extra %d, duplicated %d", len(docs), len(want), len(missing), len(extra), dups)
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
