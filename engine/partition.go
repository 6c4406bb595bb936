package engine

import (
	"strings"
	"sync"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// Partitioning: one decision for vigil hunt, vigil serve and Kafka.
//
// Events are partitioned by host: RuleSet.PartitionKey names an event's
// host (host.id, else host.name, else agent.id; "" for none, when the
// caller falls back to the event's input or source). A rule is host-local
// when everything it keeps and everything that decides when it alerts
// stays within one host's events; RuleSet.Split divides a rule set into
// the host-local rules, which run in one engine per partition, and the
// shared rules, which run in one engine that sees every event its rules'
// index patterns select (RuleSet.Wants) in stream order. Within those
// assumptions the alerts of the partitioned run are those of a single
// engine, alert for alert; the caller merges them in the canonical order
// (triggering event, then rule; see Parallel) and applies max_signals
// across the partitions, since the budget of a rule is global.
//
// The assumptions: one host's events carry the same host.id, host.name and
// agent.id throughout (or always lack them), and an entity id
// (process.entity_id and the like) names a process of one host: Sysmon's
// ProcessGuid embeds the machine, Elastic Defend's entity ids hash the
// agent id. Overflow of a bounded state (MaxPending, MaxTerms) is counted
// per partition, so a run that overflows may differ.

// Locality says where a rule runs when events are partitioned by host.
type Locality int

// Localities.
const (
	// Local rules keep state, if any, per host: they run in the engine of
	// the event's partition.
	Local Locality = iota
	// Shared rules keep state across hosts, or decide when to alert by
	// time rather than by their own events: they run in the one engine
	// that sees every event.
	Shared
)

func (l Locality) String() string {
	if l == Local {
		return "local"
	}
	return "shared"
}

// hostFields name the host an event came from, in the order PartitionKey
// tries them (order.Sources names a source the same way).
var hostFields = [...]string{"host.id", "host.name", "agent.id"}

// hostLocalField reports whether equal values of field in two events
// imply one host: the host fields, and entity ids (which are unique per
// host, see the package's partitioning note). Fields of one class (the
// same host field, or any entity id) join events of one host.
func hostLocalClass(field string) string {
	field = strings.TrimPrefix(field, "?")
	for _, f := range hostFields {
		if field == f {
			return f
		}
	}
	if field == "entity_id" || strings.HasSuffix(field, ".entity_id") {
		return "entity_id"
	}
	return ""
}

// PartitionKey returns the host an event belongs to: its host.id, else
// host.name, else agent.id (a string value, or the first string of an
// array); "" when it has none, and the caller partitions by where the
// event came from (its input, its source connection). Equal keys must go
// to the same partition; any hash of the key will do.
func (rs *RuleSet) PartitionKey(ev *event.Event) string {
	for _, slot := range rs.hostSlots {
		v := ev.Get(slot)
		if v.Kind() == event.KindArray && len(v.Array()) > 0 {
			v = v.Array()[0]
		}
		if v.Kind() == event.KindString && v.Str() != "" {
			return v.Str()
		}
	}
	return ""
}

// PartitionOf maps a partition key to one of n partitions (FNV-1a): the
// same key gives the same partition in every process, so a service's
// partitions and a hunt's agree.
func PartitionOf(key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % uint32(n))
}

// Locality returns where a compiled rule runs when events are partitioned
// by host, and why it is shared. Stateless event rules are local. An EQL
// sequence is local when some join key position holds, in every stage
// and until, a required (not ?optional) field of one host-local class
// (host.id, host.name, agent.id, or entity ids such as
// process.entity_id joined to process.parent.entity_id), and it has no
// missing-event stage (decided by time, not by its own events) and no
// head or tail pipe (which count across keys). A new_terms rule is local
// when one of its fields is of a host-local class: each host's terms are
// its own.
// Samples (built at the end over every key), threshold rules (a window
// closes on the next matching event of any host), threat_match rules
// (indicators come from any host), rules with alert suppression (groups
// and their windows span hosts, and only kept alerts take max_signals)
// are shared. A rule that is not running reports Shared with no reason.
func (rs *RuleSet) Locality(r *rule.Rule) (Locality, string) {
	for _, c := range rs.rules {
		if c.rule == r {
			return c.locality()
		}
	}
	return Shared, ""
}

// locality decides Locality for one compiled rule.
func (c *compiled) locality() (Locality, string) {
	if c.rule.AlertSuppression != nil {
		return Shared, "alert suppression groups alerts of every host"
	}
	switch k := c.kind.(type) {
	case *eventKind:
		return Local, ""
	case *newTermsKind:
		for _, f := range c.rule.NewTerms.Value {
			if hostLocalClass(f) != "" {
				return Local, ""
			}
		}
		return Shared, "no new terms field names the host or a host's entity"
	case *sequenceKind:
		return sequenceLocality(k)
	case *sampleKind:
		return Shared, "a sample is built over every key at the end"
	case *thresholdKind:
		return Shared, "a threshold window closes on the next matching event of any host"
	case *threatKind:
		return Shared, "indicators come from every host"
	}
	return Shared, "rule type " + c.rule.Type
}

// sequenceLocality decides a sequence rule's locality from its runtime
// spec, whose stages keep the compiled join keys' names (see keyNames).
func sequenceLocality(k *sequenceKind) (Locality, string) {
	if len(k.ops) > 0 {
		return Shared, "head and tail pipes count results of every key"
	}
	stages := k.names
	for _, st := range k.spec.Stages {
		if st.Missing {
			return Shared, "a missing-event stage is decided by time"
		}
	}
	if len(stages) == 0 || len(stages[0]) == 0 {
		return Shared, "no join keys"
	}
	for pos := range stages[0] {
		class := ""
		ok := true
		for _, keys := range stages {
			if pos >= len(keys) || strings.HasPrefix(keys[pos], "?") {
				ok = false
				break
			}
			cl := hostLocalClass(keys[pos])
			if cl == "" || (class != "" && cl != class) {
				ok = false
				break
			}
			class = cl
		}
		if ok {
			return Local, ""
		}
	}
	return Shared, "no join key names the host or a host's entity in every stage"
}

// keyNames returns the join key names of a program's stages and until,
// optional ones written ?field, for sequenceLocality.
func keyNames(p *eql.Program) [][]string {
	var out [][]string
	add := func(cs *eql.CompiledStage) {
		names := make([]string, len(cs.Keys))
		for i, k := range cs.Keys {
			names[i] = k.Name
			if k.Optional && !strings.HasPrefix(k.Name, "?") {
				names[i] = "?" + k.Name
			}
		}
		out = append(out, names)
	}
	for _, cs := range p.Stages {
		add(cs)
	}
	if p.Until != nil {
		add(p.Until)
	}
	return out
}

// Split divides the rule set into the host-local rules and the shared
// ones (see Locality). Both are rule sets over the same schema and
// options; their engines run side by side: one engine of local per
// partition of the events by PartitionKey, one engine of shared over
// every event it Wants, in stream order. Rules keep their place in the
// original set for the order of alerts (Parallel merges by it). The split
// is computed once; later calls return the same rule sets.
func (rs *RuleSet) Split() (local, shared *RuleSet) {
	rs.splitOnce.Do(func() {
		var l, s []*compiled
		for _, c := range rs.rules {
			if loc, _ := c.locality(); loc == Local {
				l = append(l, c)
			} else {
				s = append(s, c)
			}
		}
		rs.local, rs.shared = rs.subset(l), rs.subset(s)
	})
	return rs.local, rs.shared
}

// subset returns a rule set of some of rs's rules, which keep their
// compiled form and their place (compiled.order).
func (rs *RuleSet) subset(cs []*compiled) *RuleSet {
	sub := &RuleSet{opt: rs.opt, schema: rs.schema, fields: rs.fields, cats: rs.cats, catSlot: rs.catSlot,
		hostSlots: rs.hostSlots, routes: make(map[string]*routeSet),
		srcRoutes: make(map[srcKey]*routeSet), chSlot: rs.chSlot, eidSlot: rs.eidSlot}
	for _, c := range cs {
		cc := *c
		cc.idx = len(sub.rules)
		sub.rules = append(sub.rules, &cc)
		if _, ok := cc.kind.(*threatKind); ok {
			sub.threats = append(sub.threats, &cc)
		}
	}
	return sub
}

// Wants reports whether some rule of the set takes events of an index
// (through its index patterns or an alias, or as indicators of a
// threat_match rule): the shared engine may skip the others, which could
// change nothing. An event without an index is offered to every rule.
func (rs *RuleSet) Wants(index string) bool {
	if len(rs.rules) == 0 {
		return false
	}
	r := rs.routeOf(index)
	return len(r.always) > 0 || len(r.fields) > 0 || len(r.threats) > 0 || r.sourced
}

// splitState is what Split computes once.
type splitState struct {
	splitOnce     sync.Once
	local, shared *RuleSet
}
