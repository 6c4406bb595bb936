package winlog

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestShipperFields decodes the fields a shipper writes beside winlog.*
// and checks what Normalize makes of them: kept with their JSON types
// unless the mapping sets the field itself.
func TestShipperFields(t *testing.T) {
	line := `{"@timestamp":"2024-01-01T00:00:00Z","host":{"name":"wks","id":"h-1","ip":["10.0.0.1",null,"::1"],"os":{"build":"19045"}},` +
		`"host.mac":"00-11","agent.version":"8.17.0","event":{"kind":"alert","created":"2024-01-01T00:00:01Z","module":"x"},` +
		`"ecs":{"version":"1.0.0"},"data_stream":{"namespace":"prod"},"cloud":{"instance":{"id":"i-1"}},"tags":["a","b"],` +
		`"event.original":"<Event/>","n":{"long":-5,"double":1.5,"yes":true,"nothing":null,"objs":[{"a":1}],"empty":[]},"log.offset":12,` +
		`"winlog":{"channel":"System","event_id":"7036","api":"wineventlog","provider_name":"Service Control Manager"}}`
	var rec Record
	if err := DecodeJSON([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	var doc event.Doc
	idx, err := NewNormalizer().Normalize(&rec, &doc)
	if err != nil {
		t.Fatal(err)
	}
	if idx != "logs-system.system-prod" {
		t.Errorf("index %q, want logs-system.system-prod", idx)
	}
	for _, tc := range []struct {
		key  string
		want string // JSON; "" for absent
	}{
		{"host.name", `"wks"`},
		{"host.id", `"h-1"`},
		{"host.ip", `["10.0.0.1","::1"]`},
		{"host.os.build", `"19045"`},
		{"host.os.type", `"windows"`},
		{"host.mac", `"00-11"`},
		{"agent.version", `"8.17.0"`},
		{"event.kind", `"event"`},    // the mapping sets it
		{"event.module", `"system"`}, // likewise
		{"event.created", `"2024-01-01T00:00:01Z"`},
		{"ecs.version", `"` + ECSVersion + `"`},
		{"data_stream.namespace", `"prod"`},
		{"cloud.instance.id", `"i-1"`},
		{"tags", `["a","b"]`},
		{"n.long", `-5`},
		{"n.double", `1.5`},
		{"n.yes", `true`},
		{"n.nothing", ``},
		{"n.objs", ``},
		{"n.objs.a", ``},
		{"n.empty", ``},
		{"log.offset", `12`},
		{"winlog.api", ``},
		{"event.original", ``}, // no preserve_original_event tag
	} {
		v, ok := doc.Get(tc.key)
		got := ""
		if ok {
			got = string(v.AppendJSON(nil))
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.key, got, tc.want)
		}
	}
}

// TestShipperReuse decodes records of different shapes into one Record:
// arrays of an earlier record are not overwritten by a later one.
func TestShipperReuse(t *testing.T) {
	var rec Record
	var first []event.Value
	for i, line := range []string{
		`{"winlog":{"channel":"System"},"tags":["a","b","c"]}`,
		`{"winlog":{"channel":"System"},"host":{"ip":["1","2"]},"tags":["x"]}`,
	} {
		if err := DecodeJSON([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			v, _ := rec.ShipperValue("tags")
			first = append(first, v.Array()...)
			continue
		}
		ip, _ := rec.ShipperValue("host.ip")
		tags, _ := rec.ShipperValue("tags")
		if string(ip.AppendJSON(nil)) != `["1","2"]` || string(tags.AppendJSON(nil)) != `["x"]` {
			t.Errorf("host.ip %s, tags %s", ip.AppendJSON(nil), tags.AppendJSON(nil))
		}
	}
	if len(first) != 3 {
		t.Errorf("first tags %v", first)
	}
}

// TestShipperKeepsOriginalWhenTagged keeps event.original when the
// shipper's tags ask for it, as the pipelines do.
func TestShipperKeepsOriginalWhenTagged(t *testing.T) {
	var rec Record
	if err := DecodeJSON([]byte(`{"winlog":{"channel":"System","event_id":"1"},"tags":["preserve_original_event"],"event":{"original":"<Event/>"}}`), &rec); err != nil {
		t.Fatal(err)
	}
	var doc event.Doc
	if _, err := NewNormalizer().Normalize(&rec, &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc.Get("event.original"); v.Str() != "<Event/>" {
		t.Errorf("event.original = %v", v)
	}
}
