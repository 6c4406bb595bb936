package server

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestBulkResponse checks the hand-written _bulk response against what
// Elasticsearch answers, strings that need escaping included.
func TestBulkResponse(t *testing.T) {
	tests := []struct {
		name  string
		items []item
		want  string
	}{
		{"created", []item{{action: "create", index: "logs-a-default", id: "x1"}},
			`{"took":3,"errors":false,"items":[{"create":{"_index":"logs-a-default","_id":"x1","status":201,"result":"created","_version":1,"_seq_no":0,"_primary_term":1,"_shards":{"total":1,"successful":1,"failed":0}}}]}`},
		{"failed and escaped", []item{
			{action: "index", index: "a\"b", id: "é\n"},
			{action: "delete", index: "i", id: "d", err: &itemError{400, "action_request_validation_exception", `delete is "not" supported <`}},
		}, `{"took":3,"errors":true,"items":[{"index":{"_index":"a\"b","_id":"é\n","status":201,"result":"created","_version":1,"_seq_no":0,"_primary_term":1,"_shards":{"total":1,"successful":1,"failed":0}}},` +
			`{"delete":{"_index":"i","_id":"d","status":400,"error":{"type":"action_request_validation_exception","reason":"delete is \"not\" supported \u003c"}}}]}`},
		{"none", nil, `{"took":3,"errors":false,"items":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := appendBulkResponse(nil, tt.items, 3*time.Millisecond)
			var got, want any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, b)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

// TestParseBulkUnchecked: a request refused whole (the engine behind) is
// split into its items without checking the documents.
func TestParseBulkUnchecked(t *testing.T) {
	body := []byte("{\"create\":{\"_index\":\"a\"}}\n{\"ok\":1}\n{\"create\":{}}\nnot json\n")
	for _, validate := range []bool{true, false} {
		items, err := parseBulk(body, "d", validate)
		if err != nil || len(items) != 2 {
			t.Fatalf("validate %v: %d items, %v", validate, len(items), err)
		}
		if items[1].index != "d" || items[0].err != nil {
			t.Errorf("validate %v: items %+v", validate, items)
		}
		if bad := items[1].err != nil; bad != validate {
			t.Errorf("validate %v: malformed document failed %v", validate, bad)
		}
	}
}
