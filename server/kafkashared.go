package server

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// Shared rules (engine.RuleSet.Split: state across hosts) cannot run in
// the engines of the events topic's partitions. Each partition's owner
// forwards the events they want (RuleSet.Wants), in the order its engine
// evaluates them, to the shared topic under one key, so to one partition;
// with them, markers of the partition's watermark. The shared topic's
// partition has one owner in the group Group + "-shared": it merges the
// forwarded streams by event time, releasing an event once every source
// partition has passed its time (a k-way merge of time-ordered streams,
// exact whatever the skew between the forwarders), and runs the shared
// rules in one engine. A partition's new owner forwards again what it
// replays; the shared owner drops records it has had (source partition and
// offset), and its own offsets are committed by the same rule as the
// events topic's.

// Header names of a shared-topic record.
const (
	hdrSrc   = "vigil.src"    // the events topic's partition
	hdrOff   = "vigil.offset" // the record's offset there
	hdrWM    = "vigil.wm"     // a marker: the partition's watermark (ns), or "idle"
	hdrParts = "vigil.parts"  // the events topic's partition count
)

// sharedKey keeps every shared record in one partition.
var sharedKey = []byte("vigil-shared")

// forward sends an event a partition's engine evaluated to the shared
// topic, if the shared rules want it.
func (k *kafkaConsumer) forward(p *kpart, ev *event.Event) {
	raw, ok := p.raw[ev]
	if !ok {
		return
	}
	delete(p.raw, ev)
	k.produceShared(p.id, []kgo.RecordHeader{{Key: hdrOff, Value: strconv.AppendInt(nil, ev.Pos, 10)}}, raw)
	k.st.forwarded.Add(1)
}

func (k *kafkaConsumer) produceShared(src int32, hdr []kgo.RecordHeader, value []byte) {
	hdr = append(hdr, kgo.RecordHeader{Key: hdrSrc, Value: strconv.AppendInt(nil, int64(src), 10)},
		kgo.RecordHeader{Key: hdrParts, Value: strconv.AppendInt(nil, int64(k.numParts), 10)})
	k.cl.Produce(context.Background(), &kgo.Record{Topic: k.sharedTopic, Key: sharedKey, Value: value, Headers: hdr},
		func(_ *kgo.Record, err error) {
			if err != nil {
				k.st.forwardErrors.Add(1)
			}
		})
}

// markWatermarks tells the shared owner how far each partition's engine
// has evaluated (at most every 100 ms per partition): no event it forwards
// later is older, except late ones. A partition with no event that has
// been read to its end is idle: it holds no one back until it forwards.
func (k *kafkaConsumer) markWatermarks(now time.Time) {
	if k.sharedTopic == "" {
		return
	}
	for _, p := range k.own.parts {
		if now.Sub(p.lastMark) < 100*time.Millisecond {
			continue
		}
		wm := p.eng.Watermark()
		var v []byte
		switch {
		case wm != minTime && wm > p.marked:
			v = strconv.AppendInt(nil, wm, 10)
			p.marked = wm
		case p.maxSeen == minTime && now.Sub(p.lastMark) >= time.Second &&
			((p.hw >= 0 && p.next >= p.hw) || now.Sub(p.assignedAt) >= k.cfg.IdleTimeout):
			v = []byte("idle")
		default:
			continue
		}
		p.lastMark = now
		k.produceShared(p.id, []kgo.RecordHeader{{Key: hdrWM, Value: v}}, nil)
	}
}

// partitionCount asks the brokers how many partitions a topic has.
func partitionCount(ctx context.Context, cl *kgo.Client, topic string) (int, error) {
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return 0, err
	}
	if len(resp.Topics) != 1 {
		return 0, fmt.Errorf("no metadata for topic %q", topic)
	}
	if err := kerr.ErrorForCode(resp.Topics[0].ErrorCode); err != nil {
		return 0, fmt.Errorf("topic %q: %w", topic, err)
	}
	return len(resp.Topics[0].Partitions), nil
}

// ensureTopic creates a topic of one partition unless it exists (the
// brokers' default replication).
func ensureTopic(ctx context.Context, cl *kgo.Client, topic string) error {
	req := kmsg.NewPtrCreateTopicsRequest()
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = topic, 1, -1
	req.Topics = append(req.Topics, t)
	req.TimeoutMillis = 10_000
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil && err != kerr.TopicAlreadyExists {
			return fmt.Errorf("creating topic %q: %w", topic, err)
		}
	}
	return nil
}

// sharedRunner runs the shared rules over the shared topic, in the member
// of group Group + "-shared" that owns its partition.
type sharedRunner struct {
	cfg *Config
	log *slog.Logger
	rs  *engine.RuleSet
	cl  *kgo.Client
	dec *input.RecordDecoder
	out *alertOut

	// pauseReq parks the goroutine while the consumer recompiles the
	// rules (see kafkaConsumer.applyReload).
	pauseReq chan chan *engine.RuleSet

	own *partOwner[*sharedPart] // the owned partition (its mu guards them against the group's callbacks)

	st        kafkaStats
	dup       atomic.Int64 // forwarded records had before (a replay of an events partition)
	watermark atomic.Int64 // of the owned partition's engine, once its alerts are stored (minTime: none owned)
	queued    atomic.Int64
}

// statsJSON is the shared rules' section of /api/stats.
func (r *sharedRunner) statsJSON() map[string]any {
	out := map[string]any{"topic": r.cfg.Kafka.SharedTopic, "rules": r.rs.Len(), "owner": r.watermark.Load() != minTime,
		"counters": map[string]int64{"records": r.st.records.Load(), "evaluated": r.st.evaluated.Load(), "duplicates_dropped": r.dup.Load(), "late": r.st.late.Load(),
			"poison": r.st.poison.Load(), "queued": r.queued.Load(), "alerts_raised": r.st.alerts.Load(), "alerts_stored": r.st.stored.Load(),
			"commits": r.st.commits.Load(), "commit_errors": r.st.commitErrors.Load()}}
	if wm := r.watermark.Load(); wm != minTime {
		out["watermark"] = time.Unix(0, wm).UTC().Format(time.RFC3339Nano)
		out["watermark_ns"] = wm
	}
	return out
}

// sharedPart is the state of one owned partition of the shared topic (in
// practice one: every record has the same key).
type sharedPart struct {
	id        int32
	eng       *engine.Engine
	m         merger
	marks     kmarks
	next      int64
	committed int64
	// seen is the source offsets of the forwarded events taken, per
	// source partition, with their event time (forgotten twice the state
	// horizon later): what a replaying forwarder sends again.
	seen   map[int32]map[int64]int64
	events eventPool
}

func newSharedRunner(cfg *Config, rs *engine.RuleSet, out *alertOut, log *slog.Logger) (*sharedRunner, error) {
	kc := &cfg.Kafka
	r := &sharedRunner{cfg: cfg, log: log.With("kafka", kc.SharedTopic), rs: rs, pauseReq: make(chan chan *engine.RuleSet)}
	r.own = newPartOwner(kc.SharedTopic, r.log, &r.st, r.open)
	r.watermark.Store(minTime)
	r.own.horizon = stateHorizon(rs, cfg)
	r.dec = kafkaOpener(kc, rs).NewRecordDecoder(kc.SharedTopic)
	opts := memberOpts(kc, kc.ClientID+"-shared", kc.Group+"-shared", kc.SharedTopic, r.own.assigned, r.own.revoked, r.own.lost)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka shared rules: %w", err)
	}
	r.cl = cl
	r.out = &alertOut{cl: cl, topic: kc.AlertsTopic, alerts: out.alerts, fields: rs.Fields(), st: &r.st, log: r.log}
	r.own.cl, r.own.out = cl, r.out
	return r, nil
}

// open starts the state of an assigned partition.
func (r *sharedRunner) open(id int32) *sharedPart {
	sp := &sharedPart{id: id, next: -1, committed: -1, seen: map[int32]map[int64]int64{}}
	sp.eng = r.rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) { r.out.pending = append(r.out.pending, a) }))
	sp.m = newMerger(r.cfg.MaxBuffered)
	return sp
}

// run consumes the shared topic until ctx ends.
func (r *sharedRunner) run(ctx context.Context, done *sync.WaitGroup) {
	defer done.Done()
	defer r.cl.CloseAllowingRebalance()
	var lastCommit time.Time
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		fetches := r.cl.PollRecords(pctx, 20_000)
		cancel()
		now := time.Now()
		r.own.mu.Lock()
		fetches.EachPartition(func(f kgo.FetchTopicPartition) {
			if sp := r.own.parts[f.Partition]; sp != nil {
				r.take(sp, f.Records)
			}
		})
		for _, sp := range r.own.parts {
			r.release(sp)
		}
		r.out.send()
		if now.Sub(lastCommit) >= r.cfg.Kafka.CommitInterval {
			r.own.commit(ctx, r.own.list(), false)
			lastCommit = now
		}
		wm, queued := int64(minTime), 0
		for _, sp := range r.own.parts {
			wm = max(wm, sp.eng.Watermark())
			queued += sp.m.queue.Len()
		}
		r.watermark.Store(wm)
		r.queued.Store(int64(queued))
		select {
		case resume := <-r.pauseReq:
			r.parked(resume)
		default:
		}
		r.own.mu.Unlock()
		r.cl.AllowRebalance()
	}
	r.own.mu.Lock()
	r.out.send()
	r.own.commit(context.Background(), r.own.list(), true)
	r.own.mu.Unlock()
}

// take reads forwarded events and markers into the merger.
func (r *sharedRunner) take(sp *sharedPart, recs []*kgo.Record) {
	if len(recs) == 0 {
		return
	}
	maxTime := int64(minTime)
	for _, rec := range recs {
		r.st.records.Add(1)
		sp.next = rec.Offset + 1
		src, off, parts, wm := int32(-1), int64(-1), 0, ""
		for _, h := range rec.Headers {
			switch h.Key {
			case hdrSrc:
				n, _ := strconv.Atoi(string(h.Value))
				src = int32(n)
			case hdrOff:
				off, _ = strconv.ParseInt(string(h.Value), 10, 64)
			case hdrParts:
				parts, _ = strconv.Atoi(string(h.Value))
			case hdrWM:
				wm = string(h.Value)
			}
		}
		if src < 0 || parts <= 0 {
			r.st.poison.Add(1)
			continue
		}
		sp.m.sources(parts)
		if wm != "" {
			if wm == "idle" {
				sp.m.idle(src)
			} else if t, err := strconv.ParseInt(wm, 10, 64); err == nil {
				sp.m.advance(src, t)
			}
			continue
		}
		seen := sp.seen[src]
		if seen == nil {
			seen = map[int64]int64{}
			sp.seen[src] = seen
		}
		if _, ok := seen[off]; ok {
			r.dup.Add(1)
			continue
		}
		ev := sp.events.get()
		if err := r.dec.Decode(rec.Offset, rec.Value, ev); err != nil {
			r.st.poison.Add(1)
			sp.events.put(ev)
			continue
		}
		seen[off] = ev.Time
		maxTime = max(maxTime, ev.Time)
		if late := sp.m.push(src, ev); late {
			r.st.late.Add(1)
		}
	}
	sp.marks.add(recs[0].Offset, maxTime)
}

// release evaluates what every source partition has passed.
func (r *sharedRunner) release(sp *sharedPart) {
	wm := sp.m.release(func(ev *event.Event) {
		sp.eng.Process(ev)
		r.st.evaluated.Add(1)
		sp.events.put(ev)
	})
	if wm != minTime {
		sp.eng.Advance(wm)
		// A partition's new owner forwards again from its commit, at
		// most the state horizon behind its watermark.
		limit := wm - 2*int64(r.cfg.StateHorizon+r.cfg.Lateness)
		for _, seen := range sp.seen {
			for off, t := range seen {
				if t < limit {
					delete(seen, off)
				}
			}
		}
	}
}

func (sp *sharedPart) partition() int32       { return sp.id }
func (sp *sharedPart) taken() int64           { return sp.next }
func (sp *sharedPart) committedOffset() int64 { return sp.committed }

// safeOffset is the offset the group may commit (see kmarks.safe).
func (sp *sharedPart) safeOffset(horizon int64) int64 {
	return sp.marks.safe(sp.eng.Watermark(), horizon, sp.next)
}

// committedTo records a commit.
func (sp *sharedPart) committedTo(off int64) {
	sp.committed = off
	sp.marks.trim(off)
}

// merger merges the time-ordered streams of the source partitions: an
// event is released once every source partition that is not idle has
// passed its time (forwarded a later event, or a marker of a later
// watermark).
type merger struct {
	wm    []int64 // per source partition: time passed
	quiet []bool  // idle source partitions
	queue evHeap
	seq   uint64
	max   int
	out   int64 // time of the last event released
}

func newMerger(max int) merger { return merger{max: max, out: minTime} }

// sources sets the number of source partitions.
func (m *merger) sources(n int) {
	for len(m.wm) < n {
		m.wm = append(m.wm, minTime)
		m.quiet = append(m.quiet, false)
	}
}

// idle marks a source partition idle until it sends again.
func (m *merger) idle(src int32) {
	if int(src) < len(m.quiet) {
		m.quiet[src] = true
	}
}

// advance records a source partition's watermark.
func (m *merger) advance(src int32, t int64) {
	if int(src) < len(m.wm) {
		m.wm[src] = max(m.wm[src], t)
		m.quiet[src] = false
	}
}

// push queues an event of a source partition; it reports an event older
// than one released (late), which is queued all the same (released next).
func (m *merger) push(src int32, ev *event.Event) (late bool) {
	m.advance(src, ev.Time-1) // the source has passed what is older
	m.seq++
	heap.Push(&m.queue, queuedEv{ev: ev, seq: m.seq})
	return ev.Time < m.out
}

// release hands fn the queued events every source has passed, in time
// order (and the oldest beyond the bound), and returns the time passed.
func (m *merger) release(fn func(*event.Event)) int64 {
	limit := int64(1<<63 - 1)
	active := false
	for i, w := range m.wm {
		if !m.quiet[i] {
			limit = min(limit, w)
			active = true
		}
	}
	for m.queue.Len() > 0 && (!active || m.queue[0].ev.Time <= limit || m.queue.Len() > m.max) {
		q := heap.Pop(&m.queue).(queuedEv)
		m.out = max(m.out, q.ev.Time)
		fn(q.ev)
	}
	if !active {
		return m.out
	}
	return limit
}

type queuedEv struct {
	ev  *event.Event
	seq uint64
}

type evHeap []queuedEv

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if h[i].ev.Time != h[j].ev.Time {
		return h[i].ev.Time < h[j].ev.Time
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(queuedEv)) }
func (h *evHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = queuedEv{}
	*h = old[:len(old)-1]
	return x
}
