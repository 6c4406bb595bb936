package server

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
)

// TestParseAction reads bulk action lines as Elasticsearch does: one
// action, its metadata an object; only _index and _id are kept.
func TestParseAction(t *testing.T) {
	tests := []struct {
		line string
		want bulkAction
		err  string
	}{
		{`{"create":{"_index":"logs-a-default","_id":"x1"}}`, bulkAction{"create", "logs-a-default", "x1"}, ""},
		{` { "index" : { "pipeline":"p", "_index" : "a\"b", "routing":{"x":[1,2]} } } `, bulkAction{"index", `a"b`, ""}, ""},
		{`{"index":{"_index":null}}`, bulkAction{"index", "", ""}, ""},
		{`{"delete":{}}`, bulkAction{"delete", "", ""}, ""},
		{`{"index":{},"create":{}}`, bulkAction{}, "an action line holds one action"},
		{`{}`, bulkAction{}, "an action line holds one action"},
		{`{"index":1}`, bulkAction{}, "invalid JSON at byte 9: the action's metadata is not an object"},
		{`{"index":{"_index":3}}`, bulkAction{}, "invalid JSON at byte 20: _index is not a string"},
		{`{"index":{}} x`, bulkAction{}, "invalid JSON at byte 13: unexpected data after the JSON object"},
		{`not an action`, bulkAction{}, "invalid JSON at byte 0: expected a JSON object"},
		{`{"index":{"_id":"a`, bulkAction{}, "invalid JSON at byte 18: unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := parseAction([]byte(tt.line))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestDecodedBeforeReload: documents decoded by a request's handler with
// the schema before a reload, and queued after it, are decoded again, so
// that a rule the reload added sees the fields it added to the schema.
func TestDecodedBeforeReload(t *testing.T) {
	rules := builtinRules(t)
	ts := start(t, Config{}, rules)
	docs := sample(t)
	docs[0].source = append([]byte(`{"vigil_test":{"marker":"x"},`), docs[0].source[1:]...)
	if _, ok := ts.pipe.rs.Schema().Lookup("vigil_test.marker"); ok {
		t.Fatal("the pack already reads vigil_test.marker")
	}
	evs, errs := make([]*event.Event, len(docs)), make([]error, len(docs))
	held := make([]bool, len(docs))
	gen := ts.pipe.decs.decode(docs, make([]int, len(docs)), ts.pipe.newEvent, ts.pipe.reuse, evs, held, errs)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	marker := *rules[slices.IndexFunc(rules, func(r *rule.Rule) bool { return r.Name == "Service Control Manager Spawned a Shell" })]
	marker.ID, marker.Name, marker.Query = "marker", "marker", `any where vigil_test.marker == "x"`
	ts.SetLoader(func() ([]*rule.Rule, *exception.Store, error) { return append(slices.Clone(rules), &marker), nil, nil })
	var res map[string]any
	if st := ts.call(t, "POST", "/api/rules/_reload", nil, nil, &res); st != 200 {
		t.Fatalf("reload: %d %v", st, res)
	}
	if err := ts.ingest(job{docs: docs, evs: evs, held: held, gen: gen}, nil); err != nil {
		t.Fatal(err)
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	if ids := ts.alertIDs(t, "rule_id=marker"); len(ids) != 1 {
		t.Errorf("the rule added by the reload raised %d alerts on events decoded before it, want 1", len(ids))
	}
}

// TestOrderingBufferBytes: the events held for event-time order are
// bounded by their memory; past it the oldest are evaluated early
// (counted), and every acknowledged event is still evaluated.
func TestOrderingBufferBytes(t *testing.T) {
	const bound = 2 << 10 // a few events
	ts := start(t, Config{MaxBufferedBytes: bound}, builtinRules(t))
	docs := sample(t)
	for i := 0; i < len(docs); i += 5 {
		var res struct{ Errors bool }
		ts.call(t, "POST", "/_bulk", bulkBody(docs[i:min(i+5, len(docs))]), nil, &res)
		if res.Errors {
			t.Fatal("items refused")
		}
	}
	// The acknowledged events reach the pipeline after the responses:
	// read the counters until it has had to evaluate some early (or a
	// deadline passes), checking the bound at every reading.
	var stats struct{ Events map[string]int64 }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ts.call(t, "GET", "/api/stats", nil, nil, &stats)
		held, heldBytes := stats.Events["held_for_order"], stats.Events["held_for_order_bytes"]
		if held > 0 && heldBytes > bound+heldBytes/held {
			t.Fatalf("held %d events of %d bytes, bound %d", held, heldBytes, bound)
		}
		if stats.Events["evaluated_early"] > 0 || time.Now().After(deadline) {
			break
		}
	}
	if stats.Events["evaluated_early"] == 0 {
		t.Errorf("nothing evaluated early: %v", stats.Events)
	}
	ts.call(t, "POST", "/_refresh", nil, nil, nil)
	ts.call(t, "GET", "/api/stats", nil, nil, &stats)
	if stats.Events["evaluated"] != int64(len(docs)) || stats.Events["acknowledged"] != int64(len(docs)) {
		t.Errorf("%d acknowledged, %d evaluated, want %d", stats.Events["acknowledged"], stats.Events["evaluated"], len(docs))
	}
}
