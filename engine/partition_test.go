package engine

import (
	"os"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// TestLocality decides, per kind of rule, whether its state stays within
// one host's events.
func TestLocality(t *testing.T) {
	eqlRule := func(q string) *rule.Rule {
		return &rule.Rule{ID: "r", Name: "r", Type: "eql", Language: "eql", Query: q}
	}
	kql := func(typ, q string) *rule.Rule {
		return &rule.Rule{ID: "r", Name: "r", Type: typ, Language: "kuery", Query: q}
	}
	newTerms := func(fields ...string) *rule.Rule {
		r := kql("new_terms", "event.category:process")
		r.NewTerms = &rule.NewTerms{Field: "new_terms_fields", Value: fields, HistoryWindowStart: "now-7d"}
		return r
	}
	threshold := kql("threshold", "event.category:process")
	threshold.Threshold = &rule.Threshold{Field: []string{"host.id"}, Value: 5}
	suppressed := kql("query", "process.name:x")
	suppressed.AlertSuppression = &rule.AlertSuppression{GroupBy: []string{"host.name"}}
	tests := []struct {
		name string
		r    *rule.Rule
		want Locality
		why  string
	}{
		{"event query", eqlRule(`process where process.name == "sc.exe"`), Local, ""},
		{"kql query", kql("query", `process.name:"sc.exe"`), Local, ""},
		{"suppression", suppressed, Shared, "alert suppression groups alerts of every host"},
		{"sequence by host.id", eqlRule(`sequence by host.id [process where true] [network where true]`), Local, ""},
		{"sequence by entity ids", eqlRule(`sequence [process where true] by process.entity_id [process where true] by process.parent.entity_id`), Local, ""},
		{"sequence by host.id and user", eqlRule(`sequence by user.name, host.id [process where true] [network where true]`), Local, ""},
		{"sequence by user", eqlRule(`sequence by user.name [process where true] [network where true]`), Shared, "no join key names the host or a host's entity in every stage"},
		{"sequence, mixed classes", eqlRule(`sequence [process where true] by host.id [process where true] by host.name`), Shared, "no join key names the host or a host's entity in every stage"},
		{"sequence by optional host", eqlRule(`sequence by ?host.id [process where true] [network where true]`), Shared, "no join key names the host or a host's entity in every stage"},
		{"sequence without keys", eqlRule(`sequence [process where true] [network where true]`), Shared, "no join keys"},
		{"sequence until by user", eqlRule(`sequence [process where true] by host.id [network where true] by host.id until [process where true] by user.name`), Shared, "no join key names the host or a host's entity in every stage"},
		{"sequence with a missing stage", eqlRule(`sequence by host.id with maxspan=1m [process where true] ![network where true]`), Shared, "a missing-event stage is decided by time"},
		{"sequence with head", eqlRule(`sequence by host.id [process where true] [network where true] | head 3`), Shared, "head and tail pipes count results of every key"},
		{"sample by host", eqlRule(`sample by host.id [process where true] [network where true]`), Shared, "a sample is built over every key at the end"},
		{"new terms by host", newTerms("host.name", "process.name"), Local, ""},
		{"new terms by entity", newTerms("process.entity_id"), Local, ""},
		{"new terms by user", newTerms("user.name"), Shared, "no new terms field names the host or a host's entity"},
		{"threshold", threshold, Shared, "a threshold window closes on the next matching event of any host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Interval, tt.r.From = "5m", "now-6m"
			rs, st := Compile([]*rule.Rule{tt.r}, Options{})
			if st[0].State != OK {
				t.Fatalf("compile: %s %s %v", st[0].State, st[0].Reason, st[0].Err)
			}
			got, why := rs.Locality(tt.r)
			if got != tt.want || why != tt.why {
				t.Errorf("Locality = %s %q, want %s %q", got, why, tt.want, tt.why)
			}
			local, shared := rs.Split()
			if n := map[Locality]*RuleSet{Local: local, Shared: shared}[tt.want].Len(); n != 1 {
				t.Errorf("Split put the rule elsewhere: local %d, shared %d", local.Len(), shared.Len())
			}
		})
	}
}

// TestPartitionKey names an event's host by host.id, else host.name, else
// agent.id.
func TestPartitionKey(t *testing.T) {
	rs, _ := Compile(nil, Options{})
	tests := []struct{ doc, want string }{
		{`{"host":{"id":"h1","name":"WKS"},"agent":{"id":"a1"}}`, "h1"},
		{`{"host":{"name":"WKS"},"agent":{"id":"a1"}}`, "WKS"},
		{`{"host.name":"WKS"}`, "WKS"},
		{`{"host":{"id":"","name":"WKS"}}`, "WKS"},
		{`{"host":{"name":["WKS","WKS.corp"]}}`, "WKS"},
		{`{"agent":{"id":"a1"}}`, "a1"},
		{`{"host":{"id":5}}`, ""},
		{`{"process":{"name":"x"}}`, ""},
	}
	for _, tt := range tests {
		ev := &event.Event{}
		if err := rs.Schema().Decode([]byte(tt.doc), ev); err != nil {
			t.Fatal(err)
		}
		if got := rs.PartitionKey(ev); got != tt.want {
			t.Errorf("PartitionKey(%s) = %q, want %q", tt.doc, got, tt.want)
		}
	}
	// Keys spread over partitions and stay where they went.
	seen := map[int]bool{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		p := PartitionOf(k, 4)
		if p != PartitionOf(k, 4) || p < 0 || p >= 4 {
			t.Fatalf("PartitionOf(%q, 4) = %d", k, p)
		}
		seen[p] = true
	}
	if len(seen) < 2 {
		t.Errorf("8 keys all in one of 4 partitions")
	}
}

// TestSplitCorpus splits the Windows rules of the corpus: every rule runs
// in exactly one of the halves, in its original order, and the halves
// route events as the whole does.
func TestSplitCorpus(t *testing.T) {
	if os.Getenv("VIGIL_SHARED") == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	rs, _ := Compile(windowsRules(t), Options{})
	local, shared := rs.Split()
	if local.Len()+shared.Len() != rs.Len() {
		t.Fatalf("split %d + %d rules of %d", local.Len(), shared.Len(), rs.Len())
	}
	why := map[string]int{}
	for _, c := range shared.rules {
		_, w := c.locality()
		why[w]++
	}
	t.Logf("%d rules: %d local, %d shared %v", rs.Len(), local.Len(), shared.Len(), why)
	for _, half := range []*RuleSet{local, shared} {
		last := -1
		for i, c := range half.rules {
			if c.idx != i || c.order <= last || rs.rules[c.order].rule != c.rule {
				t.Fatalf("rule %s: idx %d order %d after %d", c.rule.ID, c.idx, c.order, last)
			}
			last = c.order
		}
	}
	if local.Len() < rs.Len()/2 {
		t.Errorf("only %d of %d rules are host-local", local.Len(), rs.Len())
	}
	for _, index := range []string{"logs-endpoint.events.process-default", "logs-system.security-default", "no-rule-reads-this"} {
		if got, want := local.Wants(index) || shared.Wants(index), rs.Wants(index); got != want {
			t.Errorf("Wants(%s): halves %v, whole %v", index, got, want)
		}
	}
	if rs.Wants("no-rule-reads-this") {
		t.Errorf("an index no pattern selects is wanted")
	}
}
