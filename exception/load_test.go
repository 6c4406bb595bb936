package exception

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
	"github.com/vigilsec/vigil/rule"
)

// TestLoadBothFormats loads a Kibana exception list export and a
// detection-rules exceptions file, compiles a rule's references to lists
// of both, and checks which events each excepts.
func TestLoadBothFormats(t *testing.T) {
	s := NewStore()
	for _, f := range []string{"export.ndjson", "lateral_exceptions.toml"} {
		if err := s.LoadFile(filepath.Join("testdata", f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"trusted-ranges.txt", "service-accounts.txt"} {
		if err := s.LoadValueList("", filepath.Join("testdata", f)); err != nil {
			t.Fatal(err)
		}
	}
	var lists []string
	for _, l := range s.Lists() {
		lists = append(lists, l.ListID+"/"+l.NamespaceType+"/"+l.Type)
	}
	if got := strings.Join(lists, " "); got != "admin-tools/single/detection endpoint_list/agnostic/endpoint lateral-tuning/single/detection" {
		t.Errorf("lists %s", got)
	}
	refs := []rule.ExceptionList{
		{ID: "3b1c2f0a", ListID: "admin-tools", NamespaceType: "single", Type: "detection"},
		{ID: "endpoint_list", ListID: "endpoint_list", NamespaceType: "agnostic", Type: "endpoint"},
		{ID: "x", ListID: "lateral-tuning", NamespaceType: "single", Type: "detection"},
	}
	schema := event.NewSchema()
	f, err := s.Compile(refs, schema)
	if err != nil {
		t.Fatal(err)
	}
	if f.Items != 5 || len(f.Missing) != 0 {
		t.Fatalf("%d items, missing %v", f.Items, f.Missing)
	}
	for _, tc := range []struct {
		name          string
		doc           testevent.Doc
		search, after bool
	}{
		{"deploy sc.exe", testevent.Doc{"process.name": "sc.exe", "user.name": "svc_deploy"}, true, false},
		{"alice sc.exe", testevent.Doc{"process.name": "sc.exe", "user.name": "alice"}, false, false},
		{"backup agent (endpoint list, caseless)", testevent.Doc{"process.executable": `C:\Program Files\Backup\agent.EXE`}, true, false},
		{"patch server", testevent.Doc{"host.name": "PATCH01", "process.args": []any{"sc.exe", "start"}}, true, false},
		{"patch server deleting", testevent.Doc{"host.name": "PATCH01", "process.args": []any{"sc.exe", "delete"}}, false, false},
		{"contoso from a trusted range", testevent.Doc{"process.code_signature.subject_name": "Contoso Ltd", "source.ip": "192.168.1.1"}, false, true},
		{"contoso from elsewhere", testevent.Doc{"process.code_signature.subject_name": "Contoso Ltd", "source.ip": "8.8.8.8"}, false, false},
		{"service account (TOML list entry)", testevent.Doc{"user.name": "svc_backup"}, false, true},
	} {
		ev := tc.doc.Event(schema)
		if got := f.Search.Match(ev); got != tc.search {
			t.Errorf("%s: search excepts = %v, want %v", tc.name, got, tc.search)
		}
		if got := f.After.Match(ev); got != tc.after {
			t.Errorf("%s: after excepts = %v, want %v", tc.name, got, tc.after)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"bad json", "{\"list_id\":\n", `x.ndjson:1: unexpected end of JSON input`},
		{"no list id", `{"name":"n"}`, `x.ndjson:1: neither an exception list nor an item (no list_id)`},
		{"twice", "{\"list_id\":\"a\",\"type\":\"detection\"}\n{\"list_id\":\"a\",\"type\":\"detection\"}", `x.ndjson:2: exception list "a" (single) is also in x.ndjson:1`},
		{"bad entry", `{"list_id":"a","item_id":"i","entries":[{"field":"f","type":"match","operator":"included"}]}`, `x.ndjson:1: exception item "i": entry "f" of type match has no value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewStore().LoadNDJSON("x.ndjson", []byte(tc.data))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
	if err := NewStore().LoadTOML("x.toml", []byte("[[exceptions]]\n[exceptions.container]\nname = \"n\"\n")); err == nil || err.Error() != "x.toml: exceptions[0]: container has no list_id" {
		t.Errorf("toml error %v", err)
	}
}
