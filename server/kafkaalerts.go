package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/store"
)

// The alerts topic: every alert raised by any instance, keyed by its id
// (deterministic, so an alert raised again by a partition's new owner is
// the same key: compaction and the store's idempotent put keep one). The
// value is the Kibana alert document; headers carry the store's columns so
// that a merged view stores it without parsing the document.

// Header names of an alerts-topic record.
const (
	hdrTime      = "vigil.original_time" // RFC 3339, ns
	hdrRaised    = "vigil.raised"
	hdrRuleID    = "vigil.rule_id"
	hdrRuleName  = "vigil.rule_name"
	hdrSeverity  = "vigil.severity"
	hdrRiskScore = "vigil.risk_score"
	hdrHost      = "vigil.host"
	hdrUser      = "vigil.user"
	hdrReason    = "vigil.reason"
)

// alertRecord makes the alerts-topic record of a stored alert.
func alertRecord(a *store.Alert, topic string) *kgo.Record {
	h := func(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }
	return &kgo.Record{Topic: topic, Key: []byte(a.ID), Value: a.Doc, Headers: []kgo.RecordHeader{
		h(hdrTime, a.Time.UTC().Format(time.RFC3339Nano)),
		h(hdrRaised, a.Raised.UTC().Format(time.RFC3339Nano)),
		h(hdrRuleID, a.RuleID), h(hdrRuleName, a.RuleName), h(hdrSeverity, a.Severity),
		h(hdrRiskScore, strconv.Itoa(a.RiskScore)), h(hdrHost, a.Host), h(hdrUser, a.User), h(hdrReason, a.Reason),
	}}
}

var errAlertRecord = errors.New("not a vigil alert record (no key, no document or no rule id)")

// alertFromRecord reads an alerts-topic record back.
func alertFromRecord(r *kgo.Record) (store.Alert, error) {
	a := store.Alert{ID: string(r.Key), Doc: r.Value, Status: store.Open}
	for _, h := range r.Headers {
		v := string(h.Value)
		switch h.Key {
		case hdrTime:
			a.Time, _ = time.Parse(time.RFC3339Nano, v)
		case hdrRaised:
			a.Raised, _ = time.Parse(time.RFC3339Nano, v)
		case hdrRuleID:
			a.RuleID = v
		case hdrRuleName:
			a.RuleName = v
		case hdrSeverity:
			a.Severity = v
		case hdrRiskScore:
			a.RiskScore, _ = strconv.Atoi(v)
		case hdrHost:
			a.Host = v
		case hdrUser:
			a.User = v
		case hdrReason:
			a.Reason = v
		}
	}
	if a.ID == "" || len(a.Doc) == 0 || a.Doc[0] != '{' || a.RuleID == "" {
		return store.Alert{}, errAlertRecord
	}
	return a, nil
}

// alertOut takes the alerts a Kafka consumer's engines raise to the alerts
// topic and the store; a commit waits until both have them (settled).
type alertOut struct {
	cl      *kgo.Client
	topic   string // "" for none
	alerts  *store.Alerts
	fields  *alert.Fields
	st      *kafkaStats
	log     *slog.Logger
	pending []*alert.Alert // raised, not yet stored
	// hold is set when alerts could not be stored or sent: offsets stay
	// where they are until a restart raises the alerts again.
	hold bool
}

// settled reports whether offsets may be committed.
func (o *alertOut) settled() bool { return !o.hold && len(o.pending) == 0 }

// drop forgets the alerts raised (partitions lost: their next owner
// raises them again).
func (o *alertOut) drop() {
	clear(o.pending)
	o.pending = o.pending[:0]
}

// send sends the alerts raised to the alerts topic, waits for every
// record the client is producing (forwarded events too), then stores the
// alerts; the commit that follows passes their events only once all that
// is done.
func (o *alertOut) send() {
	recs := make([]store.Alert, len(o.pending))
	for i, a := range o.pending {
		recs[i] = store.FromAlert(a, o.fields)
	}
	o.st.alerts.Add(int64(len(recs)))
	var errs atomic.Int64
	if o.topic != "" {
		for i := range recs {
			o.cl.Produce(context.Background(), alertRecord(&recs[i], o.topic), func(_ *kgo.Record, err error) {
				if err != nil {
					errs.Add(1)
				}
			})
		}
	}
	if err := o.cl.Flush(context.Background()); err != nil || errs.Load() > 0 || o.st.forwardErrors.Load() > 0 {
		o.st.produceErrors.Add(max(errs.Load(), 1))
		o.log.Error("kafka: alerts or forwarded events not sent; offsets are held until a restart sends them", "alerts", errs.Load(), "err", err)
		o.hold = true
	} else if o.topic != "" {
		o.st.produced.Add(int64(len(recs)))
	}
	for attempt := 0; len(recs) > 0; attempt++ {
		fresh, err := o.alerts.PutNew(context.Background(), recs)
		if err == nil {
			o.st.stored.Add(int64(len(fresh)))
			break
		}
		o.st.storeErrors.Add(1)
		o.log.Error("storing alerts", "alerts", len(recs), "attempt", attempt+1, "err", err)
		if attempt == 4 {
			o.hold = true
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	o.drop()
}

// alertsView stores every alert of the alerts topic in this server's
// store: the merged view of all instances, for the API and the page.
type alertsView struct {
	cl     *kgo.Client
	alerts *store.Alerts
	log    *slog.Logger

	records, stored, bad, storeErrors atomic.Int64
}

func newAlertsView(kc *KafkaConfig, alerts *store.Alerts, log *slog.Logger) (*alertsView, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(kc.Brokers...),
		kgo.ClientID(kc.ClientID+"-alerts-view"),
		kgo.ConsumerGroup(kc.AlertsGroup),
		kgo.ConsumeTopics(kc.AlertsTopic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(kc.SessionTimeout),
		kgo.HeartbeatInterval(min(3*time.Second, kc.SessionTimeout/4)),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka alerts view: %w", err)
	}
	return &alertsView{cl: cl, alerts: alerts, log: log.With("kafka", kc.AlertsTopic)}, nil
}

// run stores the topic's alerts until ctx ends. Offsets are committed
// automatically for records of earlier polls, which are stored by then.
func (v *alertsView) run(ctx context.Context, done *sync.WaitGroup) {
	defer done.Done()
	defer v.cl.Close()
	for ctx.Err() == nil {
		fetches := v.cl.PollRecords(ctx, 5000)
		fetches.EachError(func(_ string, p int32, err error) {
			if ctx.Err() == nil {
				v.log.Error("kafka alerts fetch", "partition", p, "err", err)
			}
		})
		var recs []store.Alert
		fetches.EachRecord(func(r *kgo.Record) {
			v.records.Add(1)
			a, err := alertFromRecord(r)
			if err != nil {
				v.bad.Add(1)
				v.log.Warn("alerts topic record skipped", "partition", r.Partition, "offset", r.Offset, "err", err)
				return
			}
			recs = append(recs, a)
		})
		for attempt := 0; len(recs) > 0; attempt++ {
			fresh, err := v.alerts.PutNew(context.Background(), recs)
			if err == nil {
				v.stored.Add(int64(len(fresh)))
				break
			}
			v.storeErrors.Add(1)
			v.log.Error("storing alerts from the alerts topic", "alerts", len(recs), "err", err)
			if attempt == 4 {
				// Not committed: the records come again after a restart.
				return
			}
			time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		}
	}
}
