package server

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// kafkaCollector exports the assigned partitions' progress per partition
// (from the stats the consumer publishes every second) and the
// consumer's counters.
type kafkaCollector struct {
	k     *kafkaConsumer
	descs map[string]*prometheus.Desc
}

// kafkaPartitionMetrics are the per-partition series: name, help, value.
var kafkaPartitionMetrics = []struct {
	name, help string
	counter    bool
	value      func(*KafkaPartitionStat) float64
}{
	{"kafka_partition_lag_records", "Records of the partition not taken yet.", false, func(p *KafkaPartitionStat) float64 { return float64(p.Lag) }},
	{"kafka_partition_watermark_seconds", "Event time up to which the partition's events are evaluated.", false, func(p *KafkaPartitionStat) float64 { return float64(p.WatermarkNS) / 1e9 }},
	{"kafka_partition_committed_offset", "The offset this instance last committed for the partition.", false, func(p *KafkaPartitionStat) float64 { return float64(p.Committed) }},
	{"kafka_partition_buffered_events", "Events waiting for the partition's watermark.", false, func(p *KafkaPartitionStat) float64 { return float64(p.Buffered) }},
	{"kafka_partition_partial_sequences", "Partial sequences in flight in the partition's engine.", false, func(p *KafkaPartitionStat) float64 { return float64(p.Partials) }},
	{"kafka_partition_state_bytes", "Estimated bytes of the partition's sequence state.", false, func(p *KafkaPartitionStat) float64 { return float64(p.StateBytes) }},
	{"kafka_partition_records_total", "Records taken from the partition since it was assigned.", true, func(p *KafkaPartitionStat) float64 { return float64(p.Records) }},
	{"kafka_partition_replayed_records_total", "Records a previous owner had taken, taken again to rebuild state.", true, func(p *KafkaPartitionStat) float64 { return float64(p.Replayed) }},
	{"kafka_partition_poison_records_total", "Records skipped: not a document, or too large.", true, func(p *KafkaPartitionStat) float64 { return float64(p.Poison) }},
}

func newKafkaCollector(k *kafkaConsumer) *kafkaCollector {
	c := &kafkaCollector{k: k, descs: map[string]*prometheus.Desc{}}
	for _, m := range kafkaPartitionMetrics {
		c.descs[m.name] = prometheus.NewDesc("vigil_"+m.name, m.help, []string{"topic", "partition"}, nil)
	}
	return c
}

func (c *kafkaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *kafkaCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.k.partitions() {
		part := strconv.Itoa(int(p.Partition))
		for _, m := range kafkaPartitionMetrics {
			kind := prometheus.GaugeValue
			if m.counter {
				kind = prometheus.CounterValue
			}
			ch <- prometheus.MustNewConstMetric(c.descs[m.name], kind, m.value(&p), p.Topic, part)
		}
	}
}

// registerKafkaMetrics adds the consumer's series to the registry.
func registerKafkaMetrics(reg *prometheus.Registry, k *kafkaConsumer) {
	reg.MustRegister(newKafkaCollector(k))
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "vigil", Name: name, Help: help}, f))
	}
	st := &k.st
	counter("kafka_records_total", "Kafka records taken (replays included).", func() float64 { return float64(st.records.Load()) })
	counter("kafka_poison_records_total", "Kafka records skipped: not a document, or too large.", func() float64 { return float64(st.poison.Load()) })
	counter("kafka_replays_total", "Partitions taken over with records a previous owner had taken (state rebuilt by replay).", func() float64 { return float64(st.replays.Load()) })
	counter("kafka_partitions_assigned_total", "Partitions assigned to this instance.", func() float64 { return float64(st.assigned.Load()) })
	counter("kafka_partitions_revoked_total", "Partitions revoked from this instance.", func() float64 { return float64(st.revoked.Load()) })
	counter("kafka_partitions_lost_total", "Partitions lost (the group moved on without this instance).", func() float64 { return float64(st.lost.Load()) })
	counter("kafka_commits_total", "Offset commits.", func() float64 { return float64(st.commits.Load()) })
	counter("kafka_commit_errors_total", "Failed offset commits.", func() float64 { return float64(st.commitErrors.Load()) })
	counter("kafka_alerts_produced_total", "Alerts sent to the alerts topic.", func() float64 { return float64(st.produced.Load()) })
	counter("kafka_alerts_produce_errors_total", "Alerts the alerts topic did not take.", func() float64 { return float64(st.produceErrors.Load()) })
}
