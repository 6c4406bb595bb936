package server

import (
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/order"
)

// kpart is one assigned Kafka partition's evaluation: an engine of the
// rules over the partition's events alone, its own event-time order
// (order.Sources: the hosts keyed to it) and what the offset commit needs
// to know. It lives from assignment to revocation; its state is then
// dropped and the partition's next owner rebuilds it from the committed
// offset.
type kpart struct {
	k     *kafkaConsumer
	topic string
	id    int32
	eng   *engine.Engine
	src   *order.Sources
	dec   *input.RecordDecoder

	marks       kmarks
	next        int64 // the offset after the last record taken; -1 before the first
	committed   int64 // the last offset committed; -1 for none
	replayTo    int64 // a previous owner took records up to here: below it is a replay
	hw          int64 // the partition's high watermark at the last fetch
	maxSeen     int64
	lastArrival time.Time
	pool        eventPool
	assignedAt  time.Time
	// raw holds the documents of buffered events the shared rules want,
	// to forward once evaluated (see kafkaConsumer.forward).
	raw      map[*event.Event][]byte
	marked   int64 // the watermark last forwarded as a marker
	lastMark time.Time

	records, events, late, poison, replayed, alerts int64
}

// kmarks are the record batches of a partition taken, oldest first, with
// the latest event time of each: what an offset commit may pass.
type kmarks struct{ m []kmark }

// kmark is a batch of records from offset first with events up to maxTime.
type kmark struct {
	first   int64
	maxTime int64
}

// maxMarks bounds a partition's marks; beyond it the oldest two are merged
// (the commit then passes records in coarser steps).
const maxMarks = 4096

// add records a batch from offset first whose latest event is at maxTime
// (minTime: none).
func (ms *kmarks) add(first, maxTime int64) {
	ms.m = append(ms.m, kmark{first: first, maxTime: maxTime})
	if len(ms.m) > maxMarks {
		ms.m[1] = kmark{first: ms.m[0].first, maxTime: max(ms.m[0].maxTime, ms.m[1].maxTime)}
		ms.m = ms.m[1:]
	}
}

// safe is the offset a commit may pass up to: the first batch that holds
// an event within horizon of the watermark wm (the rules' state may still
// need it, or it is not evaluated yet), else next (the offset after the
// last record taken; -1 for none). Everything before it is evaluated,
// its alerts stored, and no state can need it again.
func (ms *kmarks) safe(wm, horizon, next int64) int64 {
	if next < 0 {
		return -1
	}
	if wm == minTime {
		if len(ms.m) > 0 {
			return ms.m[0].first
		}
		return next
	}
	limit := wm - horizon
	for _, m := range ms.m {
		if m.maxTime >= limit {
			return m.first
		}
	}
	return next
}

// trim forgets the batches before a committed offset (one that safe
// returned: a batch's first offset, or next).
func (ms *kmarks) trim(off int64) {
	i := 0
	for i < len(ms.m) && ms.m[i].first < off {
		i++
	}
	ms.m = append(ms.m[:0], ms.m[i:]...)
}

func newKPart(k *kafkaConsumer, topic string, id int32) *kpart {
	p := &kpart{k: k, topic: topic, id: id, next: -1, committed: -1, replayTo: -1, hw: -1, maxSeen: minTime, marked: minTime,
		assignedAt: time.Now(), raw: map[*event.Event][]byte{}}
	p.eng = k.local.NewEngine(alert.SinkFunc(func(a *alert.Alert) { k.out.pending = append(k.out.pending, a); p.alerts++ }))
	p.src = order.NewSources(k.rs.Schema(), k.cfg.Lateness, k.cfg.IdleTimeout, k.cfg.MaxBuffered)
	p.dec = k.opener.NewRecordDecoder(topic + "/" + strconv.Itoa(int(id)))
	return p
}

// take decodes and orders the records of one fetch, which arrived at now.
func (p *kpart) take(k *kafkaConsumer, recs []*kgo.Record, now time.Time) {
	if len(recs) == 0 {
		return
	}
	maxTime := int64(minTime)
	for _, r := range recs {
		p.records++
		if r.Offset < p.replayTo {
			p.replayed++
		}
		p.next = r.Offset + 1
		if len(r.Value) > k.cfg.Kafka.MaxRecordBytes {
			p.poison++
			k.log.Warn("kafka record too large, skipped", "topic", p.topic, "partition", p.id, "offset", r.Offset, "bytes", len(r.Value))
			continue
		}
		ev := p.pool.get()
		if err := p.dec.Decode(r.Offset, r.Value, ev); err != nil {
			p.poison++
			k.log.Warn("kafka record not evaluated", "topic", p.topic, "partition", p.id, "offset", r.Offset, "err", err)
			continue
		}
		p.events++
		if k.recent != nil {
			k.recent.addHost(ev.Get(k.hostSlot).Str(), ev, r.Value)
		}
		if k.shared != nil && k.shared.Wants(ev.Index) {
			p.raw[ev] = r.Value
		}
		maxTime = max(maxTime, ev.Time)
		p.maxSeen = max(p.maxSeen, ev.Time)
		p.src.Push(ev, now, p.evaluate, func() { p.late++ })
	}
	p.marks.add(recs[0].Offset, maxTime)
	p.lastArrival = now
}

// release evaluates what the partition's watermark lets through.
func (p *kpart) release(now time.Time) {
	p.eng.Advance(p.src.Release(now, p.evaluate))
}

// idle moves a quiet partition's event time on by the wall clock, as the
// service's pipeline does for _bulk.
func (p *kpart) idle(now time.Time, timeout time.Duration) {
	if p.lastArrival.IsZero() || now.Sub(p.lastArrival) < timeout {
		return
	}
	p.src.Flush(p.evaluate)
	if p.maxSeen != minTime {
		p.eng.Advance(p.maxSeen + int64(now.Sub(p.lastArrival)))
	}
}

// refresh evaluates every buffered event and advances past the newest.
func (p *kpart) refresh() {
	p.src.Flush(p.evaluate)
	if p.maxSeen != minTime {
		p.eng.Advance(p.maxSeen + 1)
	}
}

func (p *kpart) evaluate(ev *event.Event) {
	p.eng.Process(ev)
	if len(p.raw) > 0 {
		p.k.forward(p, ev)
	}
	p.pool.put(ev)
}

// safeOffset is the offset the group may commit for the partition (see
// kmarks.safe); -1 when nothing was taken.
func (p *kpart) safeOffset(horizon int64) int64 {
	return p.marks.safe(p.eng.Watermark(), horizon, p.next)
}

func (p *kpart) partition() int32       { return p.id }
func (p *kpart) taken() int64           { return p.next }
func (p *kpart) committedOffset() int64 { return p.committed }

// committedTo records a commit.
func (p *kpart) committedTo(off int64) {
	p.committed = off
	p.marks.trim(off)
}

// stat is the partition's line in /api/stats and /metrics.
func (p *kpart) stat(now time.Time) KafkaPartitionStat {
	st := KafkaPartitionStat{Topic: p.topic, Partition: p.id, Next: p.next, Committed: p.committed, HighWatermark: p.hw,
		Records: p.records, Events: p.events, Late: p.late, Poison: p.poison, Replayed: p.replayed, Alerts: p.alerts,
		Buffered: p.src.Len(), Marks: len(p.marks.m)}
	if p.hw >= 0 && p.next >= 0 {
		st.Lag = max(p.hw-p.next, 0)
	} else if p.hw >= 0 {
		st.Lag = p.hw
	}
	for _, rs := range p.eng.Stats() {
		if sq := rs.Sequence; sq != nil {
			st.Partials += int64(sq.Partials)
			st.StateBytes += sq.Bytes
		}
	}
	if wm := p.eng.Watermark(); wm != minTime {
		st.Watermark = time.Unix(0, wm).UTC().Format(time.RFC3339Nano)
		st.WatermarkNS = wm
		st.LagSeconds = now.Sub(time.Unix(0, wm)).Seconds()
	}
	return st
}

// KafkaPartitionStat is one assigned partition's progress.
type KafkaPartitionStat struct {
	Topic         string  `json:"topic"`
	Partition     int32   `json:"partition"`
	Next          int64   `json:"next_offset"`    // after the last record taken (-1: none yet)
	Committed     int64   `json:"committed"`      // committed by this owner (-1: none yet)
	HighWatermark int64   `json:"high_watermark"` // the partition's end at the last fetch
	Lag           int64   `json:"lag"`            // records not taken yet
	Watermark     string  `json:"watermark,omitempty"`
	WatermarkNS   int64   `json:"-"`
	LagSeconds    float64 `json:"lag_seconds,omitempty"`
	Records       int64   `json:"records"`
	Events        int64   `json:"events"`
	Late          int64   `json:"late"`
	Poison        int64   `json:"poison"`   // records skipped: not a document, too large
	Replayed      int64   `json:"replayed"` // records a previous owner had taken, taken again
	Alerts        int64   `json:"alerts"`
	Buffered      int     `json:"buffered"`    // events waiting for the watermark
	Partials      int64   `json:"partials"`    // partial sequences in flight
	StateBytes    int64   `json:"state_bytes"` // the sequences' own state, estimated
	Marks         int     `json:"marks"`
}

// eventPool keeps evaluated events to decode the next documents into: the
// engine keeps copies of what it needs, so an event's memory serves again,
// unless an unusual document made it large. One goroutine uses it.
type eventPool struct{ free []*event.Event }

// get returns an event to decode into.
func (ep *eventPool) get() *event.Event {
	if n := len(ep.free); n > 0 {
		ev := ep.free[n-1]
		ep.free = ep.free[:n-1]
		return ev
	}
	return new(event.Event)
}

// put takes back an event that is done with.
func (ep *eventPool) put(ev *event.Event) {
	if len(ep.free) < maxFree && ev.Footprint() <= maxReused {
		ev.Recycle()
		ep.free = append(ep.free, ev)
	}
}
