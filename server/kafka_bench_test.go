package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
)

// BenchmarkKafka compares the ways events reach the engine, over the whole
// winlog corpus (200,806 raw records) and every Windows rule of Elastic's
// corpus: one instance consuming a 12-partition topic from kfake (over
// loopback TCP), two instances in one group on the same machine, and one
// instance taking the same events through _bulk (batches of 500, the log
// in async mode). Each run ends when every event is evaluated and the
// alerts are stored. Run once:
//
//	VIGIL_SHARED=../shared go test ./server -run '^$' -bench BenchmarkKafka -benchtime 1x
func BenchmarkKafka(b *testing.B) {
	shared := testenv.Shared(b)
	files, _ := filepath.Glob(filepath.Join(shared, "data", "winlog", "security-datasets", "*", "*.ndjson.gz"))
	var lines [][]byte
	var hosts []string
	bytesIn := int64(0)
	for _, f := range files {
		testenv.EachLine(b, f, func(line []byte, _ int) {
			l := bytes.Clone(line)
			var m struct {
				Host struct{ Name string } `json:"host"`
			}
			json.Unmarshal(l, &m)
			lines, hosts = append(lines, l), append(hosts, m.Host.Name)
			bytesIn += int64(len(l))
		})
	}
	dir := testenv.Path(b, "corpus", "detection-rules")
	all, _, _ := rule.LoadPaths(dir+"/rules", dir+"/rules_building_block")
	var win []*rule.Rule
	for _, r := range all {
		for _, t := range r.Tags {
			if t == "OS: Windows" {
				win = append(win, r)
				break
			}
		}
	}
	c := fakeKafka(b, 12)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("events"), kgo.ProducerBatchMaxBytes(8<<20))
	if err != nil {
		b.Fatal(err)
	}
	counts := map[int32]int64{}
	for i := 0; i < len(lines); i += 5000 {
		var recs []*kgo.Record
		for j := i; j < min(i+5000, len(lines)); j++ {
			recs = append(recs, &kgo.Record{Key: []byte(hosts[j]), Value: lines[j]})
		}
		for _, r := range cl.ProduceSync(context.Background(), recs...) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			counts[r.Record.Partition]++
		}
	}
	cl.Close()
	// The machine may be shared: events per CPU-second of this process
	// (vigil and the in-process broker) is the steadier figure.
	var cpu time.Duration
	cpuNow := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	report := func(b *testing.B) {
		b.SetBytes(bytesIn)
		b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(len(lines))*float64(b.N)/cpu.Seconds(), "events/cpu-s")
	}
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("kafka-instances-%d", n), func(b *testing.B) {
			cpu = 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				group := fmt.Sprintf("bench-%d-%d-%d", n, i, time.Now().UnixNano())
				var ins []*testServer
				for range n {
					cfg := Config{Durability: store.Async, Kafka: KafkaConfig{Brokers: c.ListenAddrs(), Topic: "events", Group: group,
						SessionTimeout: 3 * time.Second}}
					ins = append(ins, start(b, cfg, win))
				}
				b.StartTimer()
				c0 := cpuNow()
				waitConsumed(b, counts, ins...)
				for _, in := range ins {
					in.KafkaRefresh(context.Background())
				}
				cpu += cpuNow() - c0
				b.StopTimer()
				for _, in := range ins {
					in.http.Close()
					in.Close()
				}
				b.StartTimer()
			}
			report(b)
		})
	}
	b.Run("bulk", func(b *testing.B) {
		cpu = 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ts := start(b, Config{Durability: store.Async}, win)
			b.StartTimer()
			c0 := cpuNow()
			for j := 0; j < len(lines); j += 500 {
				var body bytes.Buffer
				for _, l := range lines[j:min(j+500, len(lines))] {
					body.WriteString(`{"create":{"_index":"winlogbeat-8.17.0"}}` + "\n")
					body.Write(l)
					body.WriteByte('\n')
				}
				postBulk(b, ts.url+"/_bulk", body.Bytes())
			}
			postBulk(b, ts.url+"/_refresh", nil)
			cpu += cpuNow() - c0
			b.StopTimer()
			ts.http.Close()
			ts.Close()
			b.StartTimer()
		}
		report(b)
	})
}

// postBulk posts a body, again while the server answers 429.
func postBulk(b *testing.B, url string, body []byte) {
	for {
		resp, err := http.Post(url, "application/x-ndjson", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
