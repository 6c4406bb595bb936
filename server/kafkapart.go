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
	topic string
	id    int32
	eng   *engine.Engine
	src   *order.Sources
	dec   *input.RecordDecoder

	// marks are the record batches evaluated, oldest first, with the
	// latest event time of each: what the commit may pass.
	marks       []kmark
	next        int64 // the offset after the last record taken; -1 before the first
	committed   int64 // the last offset committed; -1 for none
	replayTo    int64 // a previous owner took records up to here: below it is a replay
	hw          int64 // the partition's high watermark at the last fetch
	maxSeen     int64
	lastArrival time.Time
	free        []*event.Event

	records, events, late, poison, replayed, alerts int64
}

// kmark is a batch of records from offset first with events up to maxTime.
type kmark struct {
	first   int64
	maxTime int64
}

// maxMarks bounds a partition's marks; beyond it neighbours are merged
// (the commit then passes records in coarser steps).
const maxMarks = 4096

func newKPart(k *kafkaConsumer, topic string, id int32) *kpart {
	p := &kpart{topic: topic, id: id, next: -1, committed: -1, replayTo: -1, hw: -1, maxSeen: minTime}
	p.eng = k.rs.NewEngine(alert.SinkFunc(func(a *alert.Alert) { k.pending = append(k.pending, a); p.alerts++ }))
	p.src = order.NewSources(k.rs.Schema(), k.cfg.Lateness, k.cfg.IdleTimeout, k.cfg.MaxBuffered)
	p.dec = k.opener.NewRecordDecoder(topic + "/" + strconv.Itoa(int(id)))
	if off, ok := k.replayTo[id]; ok {
		p.replayTo = off
	}
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
		ev := p.newEvent()
		if err := p.dec.Decode(r.Offset, r.Value, ev); err != nil {
			p.poison++
			k.log.Warn("kafka record not evaluated", "topic", p.topic, "partition", p.id, "offset", r.Offset, "err", err)
			continue
		}
		p.events++
		maxTime = max(maxTime, ev.Time)
		p.maxSeen = max(p.maxSeen, ev.Time)
		p.src.Push(ev, now, p.evaluate, func() { p.late++ })
	}
	p.marks = append(p.marks, kmark{first: recs[0].Offset, maxTime: maxTime})
	if len(p.marks) > maxMarks {
		// Merge the two oldest: the pair is passed when both are.
		p.marks[1] = kmark{first: p.marks[0].first, maxTime: max(p.marks[0].maxTime, p.marks[1].maxTime)}
		p.marks = p.marks[1:]
	}
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
	if len(p.free) < maxFree && ev.Footprint() <= maxReused {
		ev.Recycle()
		p.free = append(p.free, ev)
	}
}

func (p *kpart) newEvent() *event.Event {
	if n := len(p.free); n > 0 {
		ev := p.free[n-1]
		p.free = p.free[:n-1]
		return ev
	}
	return new(event.Event)
}

// safeOffset is the offset the group may commit for the partition: the
// first record that may still matter to the rules' state, that is whose
// batch holds an event within horizon of the watermark (or is not
// evaluated yet). Everything before it is evaluated, its alerts stored,
// and no state can need it again. It returns -1 when nothing was taken.
func (p *kpart) safeOffset(horizon int64) int64 {
	if p.next < 0 {
		return -1
	}
	wm := p.eng.Watermark()
	if wm == minTime {
		if len(p.marks) > 0 {
			return p.marks[0].first
		}
		return p.next
	}
	limit := wm - horizon
	for _, m := range p.marks {
		if m.maxTime >= limit {
			return m.first
		}
	}
	return p.next
}

// committedTo forgets the marks before a committed offset.
func (p *kpart) committedTo(off int64) {
	p.committed = off
	i := 0
	for i < len(p.marks) && p.marks[i].first < off {
		i++
	}
	// The mark at i-1 may straddle off only if off is its own first
	// offset (safeOffset returns marks' first offsets or next).
	p.marks = append(p.marks[:0], p.marks[i:]...)
}

// stat is the partition's line in /api/stats and /metrics.
func (p *kpart) stat(now time.Time) KafkaPartitionStat {
	st := KafkaPartitionStat{Topic: p.topic, Partition: p.id, Next: p.next, Committed: p.committed, HighWatermark: p.hw,
		Records: p.records, Events: p.events, Late: p.late, Poison: p.poison, Replayed: p.replayed, Alerts: p.alerts,
		Buffered: p.src.Len(), Marks: len(p.marks)}
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
