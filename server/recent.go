package server

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// recentEvents keeps the latest events of each host, as ECS JSON, for the
// page's process ancestry and host timeline: the engine forgets events
// once evaluated, an analyst wants the ones around an alert. It is bounded
// three ways, each counted when it bites: perHost events per host (the
// oldest is dropped), maxHosts hosts (the host seen least recently is
// dropped with its events), and maxEventBytes per event (a larger one is
// not kept).
type recentEvents struct {
	perHost, maxHosts int
	hostSlot          int

	mu    sync.Mutex
	hosts map[string]*hostRing
	clock uint64 // events added: a host's last use, to find the stalest

	evicted  atomic.Int64 // events pushed out of a full host ring
	hostsOut atomic.Int64 // hosts dropped to make room for a new one
	tooLarge atomic.Int64 // events not kept: larger than maxEventBytes
}

// maxEventBytes bounds one kept event; a larger one is kept as tooLarge.
const maxEventBytes = 64 << 10

var tooLarge = []byte(`{"vigil.window":"event too large to keep"}`)

// hostRing is one host's events, oldest first from next.
type hostRing struct {
	events []recentEvent
	next   int // where the next event goes once full
	used   uint64
}

// recentEvent is one kept event.
type recentEvent struct {
	Time   int64
	Doc    []byte // the document as shipped
	Winlog bool   // Doc is a raw Windows record, normalised to ECS when read (see ecs)
}

func newRecentEvents(s *event.Schema, perHost, maxHosts int) *recentEvents {
	return &recentEvents{perHost: perHost, maxHosts: maxHosts, hostSlot: s.Slot("host.name"), hosts: map[string]*hostRing{}}
}

// add keeps a copy of a decoded event's document, src as it was shipped
// (called by the pipeline once ev is decoded from src). Copying the bytes
// is all it costs: a raw Windows record is kept as it came and normalised
// to ECS only when the page reads it.
func (r *recentEvents) add(ev *event.Event, src []byte) {
	r.addHost(ev.Get(r.hostSlot).Str(), ev, src)
}

// addHost is add for an event decoded with another schema (the Kafka
// consumer's), whose host the caller read.
func (r *recentEvents) addHost(host string, ev *event.Event, src []byte) {
	if host == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	h := r.hosts[host]
	if h == nil {
		if len(r.hosts) >= r.maxHosts {
			r.dropStalest()
		}
		h = &hostRing{events: make([]recentEvent, 0, min(r.perHost, 64))}
		// host points into the event, whose memory the next document
		// reuses: the map keeps a copy.
		r.hosts[strings.Clone(host)] = h
	}
	h.used = r.clock
	var slot *recentEvent
	if len(h.events) < r.perHost {
		h.events = append(h.events, recentEvent{})
		slot = &h.events[len(h.events)-1]
	} else {
		slot = &h.events[h.next]
		h.next = (h.next + 1) % len(h.events)
		r.evicted.Add(1)
	}
	// The slot's buffer is reused: kept events cost no allocation once a
	// host's ring is full.
	slot.Time = ev.Time
	// An ECS document is kept as decoded; a document that was normalised
	// (a raw Windows record) as shipped.
	doc, raw := ev.Raw, false
	if doc == nil {
		doc, raw = src, true
	}
	if len(doc) > maxEventBytes {
		r.tooLarge.Add(1)
		doc, raw = tooLarge, false
	}
	slot.Doc, slot.Winlog = append(slot.Doc[:0], doc...), raw
}

// dropStalest forgets the host seen least recently.
func (r *recentEvents) dropStalest() {
	var stalest string
	var at uint64
	for name, h := range r.hosts {
		if stalest == "" || h.used < at {
			stalest, at = name, h.used
		}
	}
	delete(r.hosts, stalest)
	r.hostsOut.Add(1)
}

// around returns copies of a host's kept events with from <= time <= to,
// oldest first, at most limit of them (the ones nearest the range's
// middle are kept when there are more).
func (r *recentEvents) around(host string, from, to int64, limit int) []recentEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hosts[host]
	if h == nil {
		return nil
	}
	var out []recentEvent
	n := len(h.events)
	for i := range n {
		e := &h.events[(h.next+i)%n]
		if e.Time >= from && e.Time <= to {
			out = append(out, recentEvent{Time: e.Time, Doc: append([]byte(nil), e.Doc...), Winlog: e.Winlog})
		}
	}
	// Ring order is arrival order; the page wants event time.
	sortByTime(out)
	if len(out) > limit {
		mid := from/2 + to/2
		i := 0
		for i < len(out) && out[i].Time < mid {
			i++
		}
		lo := max(0, min(i-limit/2, len(out)-limit))
		out = out[lo : lo+limit]
	}
	return out
}

// stats returns the window's size and its counters.
func (r *recentEvents) stats() map[string]int64 {
	r.mu.Lock()
	hosts, events := len(r.hosts), 0
	for _, h := range r.hosts {
		events += len(h.events)
	}
	r.mu.Unlock()
	return map[string]int64{"hosts": int64(hosts), "events": int64(events), "per_host": int64(r.perHost),
		"max_hosts": int64(r.maxHosts), "evicted": r.evicted.Load(), "hosts_dropped": r.hostsOut.Load(),
		"too_large": r.tooLarge.Load()}
}

func sortByTime(evs []recentEvent) {
	slices.SortStableFunc(evs, func(a, b recentEvent) int { return cmp.Compare(a.Time, b.Time) })
}

// ecs returns the events' ECS documents, normalising raw Windows records
// as the service's decoder does; a record that cannot be normalised (it
// was decoded once, so only a changed normaliser could refuse it) is left
// out.
func ecs(evs []recentEvent) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(evs))
	var norm *winlog.Normalizer
	var rec winlog.Record
	var doc event.Doc
	for _, e := range evs {
		if !e.Winlog {
			out = append(out, e.Doc)
			continue
		}
		if norm == nil {
			norm = winlog.NewNormalizer()
		}
		doc.Reset()
		if winlog.DecodeJSON(e.Doc, &rec) != nil {
			continue
		}
		if _, err := norm.Normalize(&rec, &doc); err != nil {
			continue
		}
		out = append(out, doc.AppendJSON(nil))
	}
	return out
}
