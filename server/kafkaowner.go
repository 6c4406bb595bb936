package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ownedPart is the state a group member keeps for one partition it is
// assigned (kpart for the events topic, sharedPart for the shared one):
// what the group's callbacks and the offset commit need of it.
type ownedPart interface {
	partition() int32
	// safeOffset is the offset the group may commit (see kmarks.safe);
	// -1 when nothing was taken.
	safeOffset(horizon int64) int64
	// committedOffset is the offset last committed, -1 for none;
	// committedTo records a commit.
	committedOffset() int64
	committedTo(off int64)
	// taken is the offset after the last record taken, -1 for none.
	taken() int64
}

// partOwner keeps the state of the partitions of one topic that a group
// member is assigned, and answers the group's callbacks for them: an
// assigned partition gets fresh state (open); a revoked one has the alerts
// raised stored and its safe offset committed before its state is dropped,
// so that the next owner replays from there; a lost one is dropped at once
// (another member owns it already; its alerts are still stored, once by
// id). The callbacks run between polls (BlockRebalanceOnPoll) and take mu,
// as the polling goroutine does around its work.
type partOwner[P ownedPart] struct {
	topic string
	log   *slog.Logger
	st    *kafkaStats
	open  func(id int32) P
	// changed, when set, is called (under mu) after partitions come or go.
	changed func()

	// Set once the client exists, before it joins the group.
	cl  *kgo.Client
	out *alertOut

	mu    sync.Mutex
	parts map[int32]P
	// horizon is how far behind the watermark (ns of event time) the
	// rules' state may need events (see stateHorizon); under mu.
	horizon int64
}

func newPartOwner[P ownedPart](topic string, log *slog.Logger, st *kafkaStats, open func(int32) P) *partOwner[P] {
	return &partOwner[P]{topic: topic, log: log, st: st, open: open, parts: map[int32]P{}}
}

// assigned starts the state of each partition given to this member.
func (o *partOwner[P]) assigned(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range m[o.topic] {
		o.parts[id] = o.open(id)
		o.st.assigned.Add(1)
	}
	o.log.Info("kafka partitions assigned", "partitions", fmt.Sprint(m[o.topic]))
	o.notify()
}

// revoked stores the alerts raised, commits what the revoked partitions'
// state no longer needs and drops the state: the next owner replays from
// the commit.
func (o *partOwner[P]) revoked(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ps []P
	for _, id := range m[o.topic] {
		if p, ok := o.parts[id]; ok {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return
	}
	o.out.send()
	o.commit(ctx, ps, true)
	for _, p := range ps {
		delete(o.parts, p.partition())
		o.st.revoked.Add(1)
	}
	o.log.Info("kafka partitions revoked", "partitions", fmt.Sprint(m[o.topic]))
	o.notify()
}

// lost drops partitions without committing: the group has given them to
// another member already.
func (o *partOwner[P]) lost(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range m[o.topic] {
		if _, ok := o.parts[id]; ok {
			delete(o.parts, id)
			o.st.lost.Add(1)
		}
	}
	o.out.send() // raised before the loss: true alerts, stored once by id
	o.log.Warn("kafka partitions lost", "partitions", fmt.Sprint(m[o.topic]))
	o.notify()
}

func (o *partOwner[P]) notify() {
	if o.changed != nil {
		o.changed()
	}
}

// list returns the partitions held, by id.
func (o *partOwner[P]) list() []P {
	ps := make([]P, 0, len(o.parts))
	for _, p := range o.parts {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b P) int { return int(a.partition() - b.partition()) })
	return ps
}

// commitMeta is the prefix of the commit metadata saying how far the
// committing owner had taken the partition.
const commitMeta = "vigil taken="

// commit commits each partition's safe offset that moved; with all, also
// those that did not, to record how far the partition was taken (a
// revocation, a stop). Nothing is committed while alerts raised are not
// stored yet. The metadata of each offset says how far the partition was
// taken (commitMeta), for the next owner's replay count.
func (o *partOwner[P]) commit(ctx context.Context, ps []P, all bool) {
	if !o.out.settled() {
		return
	}
	offs := map[int32]kgo.EpochOffset{}
	meta := map[int32]string{}
	for _, p := range ps {
		off := p.safeOffset(o.horizon)
		if off < 0 || (off <= p.committedOffset() && !all) {
			continue
		}
		offs[p.partition()] = kgo.EpochOffset{Epoch: -1, Offset: off}
		meta[p.partition()] = commitMeta + strconv.FormatInt(p.taken(), 10)
	}
	if len(offs) == 0 {
		return
	}
	cctx := kgo.PreCommitFnContext(ctx, func(req *kmsg.OffsetCommitRequest) error {
		for i := range req.Topics {
			for j := range req.Topics[i].Partitions {
				rp := &req.Topics[i].Partitions[j]
				if m, ok := meta[rp.Partition]; ok {
					rp.Metadata = &m
				}
			}
		}
		return nil
	})
	var failed error
	o.cl.CommitOffsetsSync(cctx, map[string]map[int32]kgo.EpochOffset{o.topic: offs},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			if err != nil {
				failed = err
				clear(offs)
				return
			}
			for _, t := range resp.Topics {
				for _, p := range t.Partitions {
					if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
						failed = fmt.Errorf("partition %d: %w", p.Partition, err)
						delete(offs, p.Partition)
					}
				}
			}
		})
	if failed != nil {
		o.st.commitErrors.Add(1)
		o.log.Error("kafka commit", "err", failed)
	}
	for _, p := range ps {
		if off, ok := offs[p.partition()]; ok {
			p.committedTo(off.Offset)
		}
	}
	o.st.commits.Add(1)
}
