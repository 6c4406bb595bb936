package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
)

// KafkaConfig makes the server consume events from a Kafka topic, one
// member of a consumer group: several servers in one group split the
// topic's partitions, and with events keyed by host each host's rule
// state lives with its partition (see docs/design.md).
type KafkaConfig struct {
	Brokers []string // host:port of the seed brokers; none: no Kafka
	Topic   string   // the events topic
	Group   string   // the consumer group ("vigil")
	// Index is the index of documents that name none (no _index, no
	// data_stream fields, not a raw Windows record).
	Index string
	// AlertsTopic receives every alert raised, keyed by alert id, as a
	// Kibana alert document with the store's columns in headers.
	AlertsTopic string
	// AlertsConsume makes this server store every alert of the alerts
	// topic too: the merged view of all instances (group AlertsGroup,
	// default Group + "-alerts-view"; each view needs a group of its own).
	AlertsConsume bool
	AlertsGroup   string
	// MaxRecordBytes: larger records are skipped and counted (8 MiB).
	MaxRecordBytes int
	// SessionTimeout is how long the group waits for a silent member
	// before giving its partitions to others (45s, Kafka's default).
	SessionTimeout time.Duration
	// CommitInterval is how often offsets are committed (1s).
	CommitInterval time.Duration
	// SharedTopic takes the events of rules whose state spans hosts
	// (Topic + "-shared", created with one partition if missing; with
	// more, all its records still go to one: they share a key).
	SharedTopic string
	// ClientID names this member to the brokers ("vigil").
	ClientID string
}

// enabled reports whether the server consumes from Kafka at all.
func (c *KafkaConfig) enabled() bool { return len(c.Brokers) > 0 }

func (c *KafkaConfig) defaults() {
	if c.Group == "" {
		c.Group = "vigil"
	}
	if c.Index == "" {
		c.Index = "logs-kafka-default"
	}
	if c.AlertsGroup == "" {
		c.AlertsGroup = c.Group + "-alerts-view"
	}
	if c.MaxRecordBytes <= 0 {
		c.MaxRecordBytes = 8 << 20
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 45 * time.Second
	}
	if c.CommitInterval <= 0 {
		c.CommitInterval = time.Second
	}
	if c.SharedTopic == "" && c.Topic != "" {
		c.SharedTopic = c.Topic + "-shared"
	}
	if c.ClientID == "" {
		c.ClientID = "vigil"
	}
}

func (c *KafkaConfig) check() error {
	if !c.enabled() {
		if c.Topic != "" || c.AlertsTopic != "" || c.AlertsConsume {
			return errors.New("kafka: a topic is configured but no broker (--kafka-brokers)")
		}
		return nil
	}
	if c.Topic == "" && !c.AlertsConsume {
		return errors.New("kafka: brokers are configured but no topic (--kafka-topic)")
	}
	if c.AlertsConsume && c.AlertsTopic == "" {
		return errors.New("kafka: --kafka-alerts-consume needs --kafka-alerts-topic")
	}
	return nil
}

// kafkaConsumer evaluates the partitions of the events topic this member
// is assigned. One goroutine (run) polls, evaluates every assigned
// partition with its own engine, stores the alerts, sends them to the
// alerts topic and commits offsets; with BlockRebalanceOnPoll the group's
// assignment callbacks run between its polls, never during one.
type kafkaConsumer struct {
	cfg    *Config
	log    *slog.Logger
	alerts *store.Alerts
	rs     *engine.RuleSet // compiled for the consumer alone: its schema is the consumer goroutine's
	local  *engine.RuleSet // host-local rules: one engine per partition
	shared *engine.RuleSet // rules across hosts (nil for none): forwarded to the shared topic
	// sharedTopic is where events the shared rules want go ("" without
	// shared rules); numParts the events topic's partition count.
	sharedTopic string
	numParts    int
	// recent is the service's window of each host's latest events (for
	// the page), nil for none; hostSlot is host.name in the consumer's
	// schema.
	recent   *recentEvents
	hostSlot int
	opener   *input.Opener
	cl       *kgo.Client

	// own holds the assigned partitions; its mu also guards replayTo
	// (the group's callbacks run on the client's goroutines).
	own      *partOwner[*kpart]
	replayTo map[int32]int64 // per partition, the offset the last owner had taken (commit metadata)

	out        *alertOut
	lastCommit time.Time
	lastStats  time.Time

	refreshReq chan chan struct{}
	reloadReq  chan kafkaReload
	sharedR    *sharedRunner // the shared rules' member in this instance, nil for none
	statsPtr   atomic.Pointer[[]KafkaPartitionStat]

	st kafkaStats
}

// kafkaStats are the consumer's counters over all partitions it ever had.
type kafkaStats struct {
	records, poison, late, evaluated atomic.Int64
	alerts, stored, produced         atomic.Int64
	produceErrors, storeErrors       atomic.Int64
	forwarded, forwardErrors         atomic.Int64 // events sent to the shared topic
	commits, commitErrors            atomic.Int64
	assigned, revoked, lost          atomic.Int64 // partitions
	replays                          atomic.Int64 // partitions taken over with records a previous owner had taken
	fetchErrors                      atomic.Int64
}

// kafkaOpener makes the decoders of records whose events rs judges: with
// Sigma rules among them, Windows records keep their event data whole
// (input.Options.KeepEventData), as the _bulk decoders do.
func kafkaOpener(kc *KafkaConfig, rs *engine.RuleSet) *input.Opener {
	return input.NewOpener(input.Options{Schema: rs.Schema(), Index: kc.Index, MaxRecord: kc.MaxRecordBytes, KeepEventData: rs.HasSigma()})
}

// newKafkaConsumer compiles the rules for the consumer and joins the
// group.
func newKafkaConsumer(cfg *Config, rules []*rule.Rule, opt engine.Options, alerts *store.Alerts, log *slog.Logger) (*kafkaConsumer, error) {
	opt.Schema = nil
	rs, _ := engine.Compile(rules, opt)
	k := &kafkaConsumer{cfg: cfg, log: log.With("kafka", cfg.Kafka.Topic), alerts: alerts, rs: rs,
		replayTo: map[int32]int64{}, refreshReq: make(chan chan struct{}),
		reloadReq: make(chan kafkaReload)}
	k.local, k.shared = rs.Split()
	k.opener = kafkaOpener(&cfg.Kafka, k.local)
	if k.shared.Len() == 0 {
		k.shared = nil
	} else {
		k.sharedTopic = cfg.Kafka.SharedTopic
	}
	k.own = newPartOwner(cfg.Kafka.Topic, k.log, &k.st, func(id int32) *kpart { return newKPart(k, cfg.Kafka.Topic, id) })
	k.own.changed = func() { k.publish(time.Now()) }
	k.own.horizon = stateHorizon(k.local, cfg)
	kc := &cfg.Kafka
	opts := append(memberOpts(kc, kc.ClientID, kc.Group, kc.Topic, k.own.assigned, k.own.revoked, k.own.lost),
		kgo.OnOffsetsFetched(k.offsetsFetched))
	if kc.AlertsTopic != "" {
		opts = append(opts, kgo.DefaultProduceTopic(kc.AlertsTopic))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	k.cl, k.own.cl = cl, cl
	if k.sharedTopic != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		k.numParts, err = partitionCount(ctx, cl, kc.Topic)
		if err == nil {
			err = ensureTopic(ctx, cl, k.sharedTopic)
		}
		cancel()
		if err != nil {
			cl.Close()
			return nil, fmt.Errorf("kafka: %w", err)
		}
	}
	k.out = &alertOut{cl: cl, topic: kc.AlertsTopic, alerts: alerts, fields: rs.Fields(), st: &k.st, log: k.log}
	k.own.out = k.out
	return k, nil
}

// stateHorizon is how far behind the watermark (ns of event time) the
// rules' state may need events: the rule set's horizon, capped by
// Config.StateHorizon, plus the lateness.
func stateHorizon(rs *engine.RuleSet, cfg *Config) int64 {
	h, unbounded := rs.Horizon()
	if unbounded || h > cfg.StateHorizon {
		h = cfg.StateHorizon
	}
	return int64(h + cfg.Lateness)
}

// memberOpts are the options of a client that is a member of group,
// consuming topic with manual commits and the rebalance callbacks run
// between polls, and producing alerts or forwarded events.
func memberOpts(kc *KafkaConfig, client, group, topic string, assigned, revoked, lost func(context.Context, *kgo.Client, map[string][]int32)) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(kc.Brokers...),
		kgo.ClientID(client),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(kc.SessionTimeout),
		kgo.HeartbeatInterval(min(3*time.Second, kc.SessionTimeout/4)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
		// The broker returns a record larger than the fetch limits
		// anyway (it must, or the partition would stop): read up to
		// 256 MiB so that such a record is skipped, not a stuck fetch.
		kgo.BrokerMaxReadBytes(256 << 20),
		kgo.OnPartitionsAssigned(assigned),
		kgo.OnPartitionsRevoked(revoked),
		kgo.OnPartitionsLost(lost),
		kgo.ProducerBatchMaxBytes(16 << 20),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
	}
}

// run consumes until ctx ends; then it stores what was raised, commits
// and leaves the group, so that the others take its partitions at once.
func (k *kafkaConsumer) run(ctx context.Context, done *sync.WaitGroup) {
	defer done.Done()
	defer k.cl.CloseAllowingRebalance()
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		fetches := k.cl.PollRecords(pctx, 20_000)
		cancel()
		now := time.Now()
		k.own.mu.Lock()
		fetches.EachError(func(topic string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			k.st.fetchErrors.Add(1)
			k.log.Error("kafka fetch", "partition", p, "err", err)
		})
		fetches.EachPartition(func(f kgo.FetchTopicPartition) {
			p := k.own.parts[f.Partition]
			if p == nil {
				return // revoked meanwhile
			}
			p.hw = f.HighWatermark
			if len(f.Records) > 0 && p.next < 0 {
				// The commit metadata is read after the assignment.
				if off, ok := k.replayTo[p.id]; ok {
					p.replayTo = off
				}
				if f.Records[0].Offset < p.replayTo {
					k.st.replays.Add(1)
				}
			}
			records, poison := p.records, p.poison
			p.take(k, f.Records, now)
			k.st.records.Add(p.records - records)
			k.st.poison.Add(p.poison - poison)
		})
		for _, p := range k.own.parts {
			p.release(now)
			p.idle(now, k.cfg.IdleTimeout)
		}
		k.markWatermarks(now)
		select {
		case c := <-k.refreshReq:
			for _, p := range k.own.parts {
				p.refresh()
			}
			k.out.send()
			k.own.commit(context.Background(), k.own.list(), true)
			k.publish(now)
			close(c)
		case req := <-k.reloadReq:
			req.done <- k.applyReload(ctx, req.job)
		default:
		}
		k.out.send()
		if now.Sub(k.lastCommit) >= k.cfg.Kafka.CommitInterval {
			k.own.commit(ctx, k.own.list(), false)
			k.lastCommit = now
		}
		if now.Sub(k.lastStats) >= time.Second {
			k.publish(now)
		}
		k.own.mu.Unlock()
		k.cl.AllowRebalance()
	}
	k.own.mu.Lock()
	k.out.send()
	k.own.commit(context.Background(), k.own.list(), true)
	k.publish(time.Now())
	k.own.mu.Unlock()
}

// refresh evaluates every event taken so far as if no later one could
// come (as _refresh does for _bulk) and returns when the alerts are
// stored; false if ctx ended first.
func (k *kafkaConsumer) refresh(ctx context.Context) bool {
	c := make(chan struct{})
	select {
	case k.refreshReq <- c:
	case <-ctx.Done():
		return false
	}
	select {
	case <-c:
		return true
	case <-ctx.Done():
		return false
	}
}

// offsetsFetched reads how far each partition's last owner had taken it,
// to count what this member takes again as a replay.
func (k *kafkaConsumer) offsetsFetched(_ context.Context, _ *kgo.Client, resp *kmsg.OffsetFetchResponse) error {
	k.own.mu.Lock()
	defer k.own.mu.Unlock()
	read := func(topic string, p int32, meta *string) {
		if topic != k.cfg.Kafka.Topic || meta == nil || !strings.HasPrefix(*meta, commitMeta) {
			return
		}
		if off, err := strconv.ParseInt(strings.TrimPrefix(*meta, commitMeta), 10, 64); err == nil {
			k.replayTo[p] = off
		}
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			read(t.Topic, p.Partition, p.Metadata)
		}
	}
	for _, g := range resp.Groups {
		for _, t := range g.Topics {
			for _, p := range t.Partitions {
				read(t.Topic, p.Partition, p.Metadata)
			}
		}
	}
	return nil
}

// publish makes the partitions' progress readable by the API.
func (k *kafkaConsumer) publish(now time.Time) {
	k.lastStats = now
	st := make([]KafkaPartitionStat, 0, len(k.own.parts))
	for _, p := range k.own.list() {
		st = append(st, p.stat(now))
	}
	k.statsPtr.Store(&st)
}

// partitions returns the assigned partitions' progress, as last published.
func (k *kafkaConsumer) partitions() []KafkaPartitionStat {
	if p := k.statsPtr.Load(); p != nil {
		return *p
	}
	return nil
}

// statsJSON is the consumer's section of /api/stats.
func (k *kafkaConsumer) statsJSON() map[string]any {
	member, gen := k.cl.GroupMetadata()
	return map[string]any{
		"topic": k.cfg.Kafka.Topic, "group": k.cfg.Kafka.Group, "member": member, "generation": gen,
		"assignment": k.partitions(),
		"counters": map[string]int64{
			"records": k.st.records.Load(), "poison": k.st.poison.Load(), "forwarded": k.st.forwarded.Load(), "forward_errors": k.st.forwardErrors.Load(),
			"alerts_raised": k.st.alerts.Load(), "alerts_stored": k.st.stored.Load(), "alerts_produced": k.st.produced.Load(),
			"produce_errors": k.st.produceErrors.Load(), "store_errors": k.st.storeErrors.Load(),
			"commits": k.st.commits.Load(), "commit_errors": k.st.commitErrors.Load(),
			"partitions_assigned": k.st.assigned.Load(), "partitions_revoked": k.st.revoked.Load(), "partitions_lost": k.st.lost.Load(),
			"replays": k.st.replays.Load(), "fetch_errors": k.st.fetchErrors.Load(),
		},
	}
}

// startKafka joins the consumer groups Config.Kafka asks for (runKafka
// then starts consuming).
func (s *Server) startKafka(rules []*rule.Rule, opt engine.Options) error {
	kc := &s.cfg.Kafka
	if !kc.enabled() {
		return nil
	}
	if kc.Topic != "" {
		k, err := newKafkaConsumer(&s.cfg, rules, opt, s.alerts, s.log)
		if err != nil {
			return err
		}
		s.kafka = k
		if s.pipe.recent != nil {
			k.recent, k.hostSlot = s.pipe.recent, k.rs.Schema().Slot("host.name")
		}
		if k.shared != nil {
			r, err := newSharedRunner(&s.cfg, k.shared, k.out, s.log)
			if err != nil {
				k.cl.Close()
				return err
			}
			s.shared = r
			k.sharedR = r
		}
	}
	if kc.AlertsConsume {
		v, err := newAlertsView(kc, s.alerts, s.log)
		if err != nil {
			if s.kafka != nil {
				s.kafka.cl.Close()
			}
			return err
		}
		s.view = v
	}
	return nil
}

func (s *Server) runKafka(ctx context.Context) {
	if s.kafka != nil {
		s.done.Add(1)
		go s.kafka.run(ctx, &s.done)
	}
	if s.shared != nil {
		s.done.Add(1)
		go s.shared.run(ctx, &s.done)
	}
	if s.view != nil {
		s.done.Add(1)
		go s.view.run(ctx, &s.done)
	}
}

// KafkaPartitions returns the progress of the events topic's partitions
// assigned to this server (nil without Kafka), as published at most a
// second ago.
func (s *Server) KafkaPartitions() []KafkaPartitionStat {
	if s.kafka == nil {
		return nil
	}
	return s.kafka.partitions()
}

// KafkaRefresh evaluates every Kafka event taken so far as if no later
// one could come, stores the alerts and commits; false if ctx ended
// first or the server consumes no topic.
func (s *Server) KafkaRefresh(ctx context.Context) bool {
	return s.kafka != nil && s.kafka.refresh(ctx)
}
