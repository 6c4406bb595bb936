package exception

import (
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
	"github.com/vigilsec/vigil/rule"
)

// storeWith returns a store holding one detection list "l" with one item
// of the given entries, and the value lists of testdata.
func storeWith(t *testing.T, entries ...Entry) *Store {
	t.Helper()
	s := NewStore()
	if err := s.addList(List{ListID: "l", Type: "detection", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.addItem(Item{ItemID: "i", ListID: "l", Entries: entries, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"trusted-ranges.txt", "service-accounts.txt", "blocked-ips.txt"} {
		if err := s.LoadValueList("", filepath.Join("testdata", f)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

var ref = []rule.ExceptionList{{ID: "x", ListID: "l", NamespaceType: "single", Type: "detection"}}

func TestEntries(t *testing.T) {
	type ev = testevent.Doc
	inc, exc := "included", "excluded"
	for _, tc := range []struct {
		name    string
		entries []Entry
		event   ev
		want    bool // excepted
		after   bool // by the value-list filter, not the search
	}{
		{"match", []Entry{{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"}}, ev{"process.name": "sc.exe"}, true, false},
		{"match is case-sensitive", []Entry{{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"}}, ev{"process.name": "SC.EXE"}, false, false},
		{"match an array element", []Entry{{Field: "process.args", Type: "match", Operator: inc, Value: "/c"}}, ev{"process.args": []any{"cmd.exe", "/c"}}, true, false},
		{"match a number", []Entry{{Field: "process.pid", Type: "match", Operator: inc, Value: "4"}}, ev{"process.pid": 4}, true, false},
		{"match missing field", []Entry{{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"}}, ev{}, false, false},
		{"match excluded", []Entry{{Field: "process.name", Type: "match", Operator: exc, Value: "sc.exe"}}, ev{"process.name": "cmd.exe"}, true, false},
		{"match excluded, equal", []Entry{{Field: "process.name", Type: "match", Operator: exc, Value: "sc.exe"}}, ev{"process.name": "sc.exe"}, false, false},
		{"match excluded, missing", []Entry{{Field: "process.name", Type: "match", Operator: exc, Value: "sc.exe"}}, ev{}, true, false},
		{"match caseless", []Entry{{Field: "process.executable.caseless", Type: "match", Operator: inc, Value: "c:\\windows\\sc.exe"}}, ev{"process.executable": "C:\\Windows\\SC.exe"}, true, false},
		{"match_any", []Entry{{Field: "user.name", Type: "match_any", Operator: inc, Values: []string{"bob", "alice"}}}, ev{"user.name": "alice"}, true, false},
		{"match_any none", []Entry{{Field: "user.name", Type: "match_any", Operator: inc, Values: []string{"bob", "alice"}}}, ev{"user.name": "eve"}, false, false},
		{"match_any excluded", []Entry{{Field: "user.name", Type: "match_any", Operator: exc, Values: []string{"bob", "alice"}}}, ev{"user.name": "eve"}, true, false},
		{"wildcard", []Entry{{Field: "file.path", Type: "wildcard", Operator: inc, Value: "C:\\Temp\\*.tm?"}}, ev{"file.path": "C:\\Temp\\a.tmp"}, true, false},
		{"wildcard no match", []Entry{{Field: "file.path", Type: "wildcard", Operator: inc, Value: "C:\\Temp\\*.tm?"}}, ev{"file.path": "C:\\Temp\\a.txt"}, false, false},
		{"wildcard excluded", []Entry{{Field: "file.path", Type: "wildcard", Operator: exc, Value: "C:\\Temp\\*"}}, ev{"file.path": "D:\\x"}, true, false},
		{"exists", []Entry{{Field: "process.parent.name", Type: "exists", Operator: inc}}, ev{"process.parent.name": "x"}, true, false},
		{"exists, missing", []Entry{{Field: "process.parent.name", Type: "exists", Operator: inc}}, ev{}, false, false},
		{"exists excluded", []Entry{{Field: "process.parent.name", Type: "exists", Operator: exc}}, ev{}, true, false},
		{"entries are ANDed", []Entry{
			{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"},
			{Field: "user.name", Type: "match", Operator: inc, Value: "alice"},
		}, ev{"process.name": "sc.exe", "user.name": "bob"}, false, false},
		{"entries are ANDed, all hold", []Entry{
			{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"},
			{Field: "user.name", Type: "match", Operator: inc, Value: "alice"},
		}, ev{"process.name": "sc.exe", "user.name": "alice"}, true, false},
		{"nested", []Entry{{Field: "dll.code_signature", Type: "nested", Entries: []Entry{
			{Field: "subject_name", Type: "match", Operator: inc, Value: "Microsoft Windows"},
			{Field: "trusted", Type: "match", Operator: inc, Value: "true"},
		}}}, ev{"dll.code_signature.subject_name": "Microsoft Windows", "dll.code_signature.trusted": true}, true, false},
		{"nested, one fails", []Entry{{Field: "dll.code_signature", Type: "nested", Entries: []Entry{
			{Field: "subject_name", Type: "match", Operator: inc, Value: "Microsoft Windows"},
			{Field: "trusted", Type: "match", Operator: inc, Value: "true"},
		}}}, ev{"dll.code_signature.subject_name": "Microsoft Windows", "dll.code_signature.trusted": false}, false, false},
		{"nested excluded entry", []Entry{{Field: "dll.code_signature", Type: "nested", Entries: []Entry{
			{Field: "status", Type: "match", Operator: exc, Value: "errorExpired"},
		}}}, ev{"dll.code_signature.status": "trusted"}, true, false},
		{"list keyword", []Entry{{Field: "user.name", Type: "list", Operator: inc, List: ListRef{"service-accounts.txt", "keyword"}}}, ev{"user.name": "svc_backup"}, true, true},
		{"list keyword is exact", []Entry{{Field: "user.name", Type: "list", Operator: inc, List: ListRef{"service-accounts.txt", "keyword"}}}, ev{"user.name": "svc_deploy"}, false, true},
		{"list text", []Entry{{Field: "user.name", Type: "list", Operator: inc, List: ListRef{"service-accounts.txt", "text"}}}, ev{"user.name": "svc_deploy"}, true, true},
		{"list excluded", []Entry{{Field: "user.name", Type: "list", Operator: exc, List: ListRef{"service-accounts.txt", "keyword"}}}, ev{"user.name": "alice"}, true, true},
		{"list ip", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"blocked-ips.txt", "ip"}}}, ev{"source.ip": "10.0.0.67"}, true, true},
		{"list ip other", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"blocked-ips.txt", "ip"}}}, ev{"source.ip": "10.0.0.68"}, false, true},
		{"list ip_range address", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"trusted-ranges.txt", "ip_range"}}}, ev{"source.ip": "10.1.2.3"}, true, true},
		{"list ip_range cidr", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"trusted-ranges.txt", "ip_range"}}}, ev{"source.ip": "192.168.44.1"}, true, true},
		{"list ip_range a-b", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"trusted-ranges.txt", "ip_range"}}}, ev{"source.ip": "172.16.0.5"}, true, true},
		{"list ip_range outside", []Entry{{Field: "source.ip", Type: "list", Operator: inc, List: ListRef{"trusted-ranges.txt", "ip_range"}}}, ev{"source.ip": "172.16.0.10"}, false, true},
		{"list with other entries", []Entry{
			{Field: "user.name", Type: "list", Operator: inc, List: ListRef{"service-accounts.txt", "keyword"}},
			{Field: "process.name", Type: "match", Operator: inc, Value: "sc.exe"},
		}, ev{"user.name": "svc_backup", "process.name": "cmd.exe"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWith(t, tc.entries...)
			schema := event.NewSchema()
			f, err := s.Compile(ref, schema)
			if err != nil {
				t.Fatal(err)
			}
			if (f.After != nil) != tc.after || (f.Search != nil) == tc.after {
				t.Fatalf("search %v, after %v; want the item in after = %v", f.Search != nil, f.After != nil, tc.after)
			}
			p := f.Search
			if tc.after {
				p = f.After
			}
			if got := p.Match(tc.event.Event(schema)); got != tc.want {
				t.Errorf("excepted = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestItemsORed compiles two items of one list: an event matching either
// is excepted.
func TestItemsORed(t *testing.T) {
	s := storeWith(t, Entry{Field: "process.name", Type: "match", Operator: "included", Value: "a.exe"})
	if err := s.addItem(Item{ItemID: "j", ListID: "l", Entries: []Entry{{Field: "process.name", Type: "match", Operator: "included", Value: "b.exe"}}}); err != nil {
		t.Fatal(err)
	}
	schema := event.NewSchema()
	f, err := s.Compile(ref, schema)
	if err != nil || f.Items != 2 {
		t.Fatalf("%v, %d items", err, f.Items)
	}
	for name, want := range map[string]bool{"a.exe": true, "b.exe": true, "c.exe": false} {
		if got := f.Search.Match(testevent.Doc{"process.name": name}.Event(schema)); got != want {
			t.Errorf("%s: excepted = %v, want %v", name, got, want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"unknown list", []Entry{{Field: "user.name", Type: "list", Operator: "included", List: ListRef{"nope", "keyword"}}},
			`test: exception item "i": value list "nope" is not loaded (--value-list)`},
		{"ip list with a non-address", []Entry{{Field: "user.name", Type: "list", Operator: "included", List: ListRef{"service-accounts.txt", "ip"}}},
			`test: exception item "i": value list "service-accounts.txt" (testdata/service-accounts.txt): "svc_backup": not an IP address`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := storeWith(t, tc.entries...).Compile(ref, event.NewSchema())
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
	s := NewStore()
	for _, tc := range []struct {
		entries []Entry
		want    string
	}{
		{nil, `x: exception item "i": no entries`},
		{[]Entry{{Field: "a", Type: "match", Operator: "is"}}, `x: exception item "i": entry "a": operator "is" (want included or excluded)`},
		{[]Entry{{Field: "a", Type: "regex", Operator: "included"}}, `x: exception item "i": entry "a": unknown type "regex"`},
		{[]Entry{{Field: "a", Type: "list", Operator: "included", List: ListRef{"v", "long"}}}, `x: exception item "i": entry "a": value list type "long" is not supported (keyword, text, ip, ip_range)`},
		{[]Entry{{Field: "a", Type: "nested", Entries: []Entry{{Field: "b", Type: "nested", Entries: []Entry{{Field: "c", Type: "exists", Operator: "included"}}}}}}, `x: exception item "i": nested "a": entry "b": nested entries cannot nest`},
	} {
		if err := s.addItem(Item{ItemID: "i", ListID: "l", Entries: tc.entries, Source: "x"}); err == nil || err.Error() != tc.want {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
}

// TestMissingList compiles a reference to a list that is not loaded: it
// is named, and nothing is excepted.
func TestMissingList(t *testing.T) {
	f, err := NewStore().Compile([]rule.ExceptionList{{ListID: "endpoint_list", NamespaceType: "agnostic", Type: "endpoint"}}, event.NewSchema())
	if err != nil || f.Search != nil || f.After != nil || len(f.Missing) != 1 || f.Missing[0] != "endpoint_list (agnostic)" {
		t.Errorf("%v %+v", err, f)
	}
}
