package alert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
	"github.com/vigilsec/vigil/rule"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenAlerts builds one alert of each kind the golden files fix: a
// custom query alert, a threshold alert, an EQL sequence (building blocks
// and shell), a suppressed alert and a new_terms alert.
func goldenAlerts(t *testing.T) map[string][]byte {
	s := event.NewSchema()
	f := Register(s)
	base := func(typ, lang, query string) *rule.Rule {
		r := testRule()
		r.Type, r.Language, r.Query = typ, lang, query
		r.Description, r.To, r.Revision = "Golden rule.", "now", 3
		r.Author, r.License = []string{"Elastic"}, "Elastic License v2"
		return r
	}
	proc := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","_index":"logs-endpoint.events.process-default","event":{"id":"e1","kind":"event","category":["process"],"type":["start"],"action":"start"},"host":{"name":"WKS-1","id":"h-1"},"user":{"name":"alice"},"process":{"name":"sc.exe","entity_id":"P1","parent":{"name":"cmd.exe"},"args":["sc.exe","\\\\FS02","create","x"]}}`, 1)
	net := decode(t, s, `{"@timestamp":"2026-11-23T10:00:01.500Z","_index":"logs-endpoint.events.network-default","event":{"id":"e2","kind":"event","category":["network"],"type":["start"]},"host":{"name":"WKS-1","id":"h-1"},"user":{"name":"alice"},"process":{"name":"sc.exe","entity_id":"P1"},"destination":{"ip":"10.0.0.9","port":445}}`, 2)
	docs := map[string][]byte{}

	q := base("query", "kuery", `process.name:"sc.exe"`)
	q.ExceptionsList = []rule.ExceptionList{{ID: "endpoint_list", ListID: "endpoint_list", NamespaceType: "agnostic", Type: "endpoint"}}
	q.InvestigationFields = []string{"process.args", "host.id"}
	docs["query"] = New(f, q, []*event.Event{proc}, nil, now).AppendDocuments(f, nil)

	th := base("threshold", "kuery", `event.category:process`)
	th.Threshold = &rule.Threshold{Field: []string{"host.name", "user.name"}, Value: 2, Cardinality: []rule.Cardinality{{Field: "process.name", Value: 1}}}
	res := &ThresholdResult{Terms: []Term{{"host.name", event.Str("WKS-1")}, {"user.name", event.Str("alice")}}, Count: 2,
		From: proc.Time, Cardinality: []CardinalityResult{{"process.name", 1}}}
	docs["threshold"] = NewThreshold(f, th, res, proc, now).AppendDocuments(f, nil)

	seq := base("eql", "eql", `sequence by process.entity_id with maxspan=1m [process where process.name : "sc.exe"] [network where true]`)
	docs["sequence"] = New(f, seq, []*event.Event{proc, net}, []event.Value{event.Str("P1")}, now).AppendDocuments(f, nil)

	sup := base("query", "kuery", `process.name:"sc.exe"`)
	sup.AlertSuppression = &rule.AlertSuppression{GroupBy: []string{"host.name"}, Duration: &rule.Duration{Value: 30, Unit: "m"}, MissingFieldsStrategy: "suppress"}
	a := New(f, sup, []*event.Event{proc}, nil, now)
	a.Suppression = &Suppression{Terms: []Term{{"host.name", event.Str("WKS-1")}}, Start: proc.Time, End: net.Time, DocsCount: 4}
	docs["suppressed"] = a.AppendDocuments(f, nil)

	nt := base("new_terms", "kuery", `event.category:process`)
	nt.NewTerms = &rule.NewTerms{Field: "new_terms_fields", Value: []string{"host.id", "process.name"}, HistoryWindowStart: "now-7d"}
	docs["new_terms"] = NewTermsAlert(f, nt, proc, []event.Value{event.Str("h-1"), event.Str("sc.exe")}, now).AppendDocuments(f, nil)
	return docs
}

// indent rewrites JSONL with each document indented, for readable diffs.
func indent(t *testing.T, jsonl []byte) []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(jsonl))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if err := json.Indent(&out, sc.Bytes(), "", "  "); err != nil {
			t.Fatalf("invalid JSON %s: %v", sc.Bytes(), err)
		}
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// TestGoldenAlerts fixes the alert documents of each kind; run with
// -update to rewrite testdata/golden after a deliberate change.
func TestGoldenAlerts(t *testing.T) {
	for name, doc := range goldenAlerts(t) {
		t.Run(name, func(t *testing.T) {
			got := indent(t, doc)
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run go test ./alert -run TestGoldenAlerts -update and review the diff):\n%s", path, got)
			}
		})
	}
}

// kibanaFields reads testdata/kibana-alert-fields.txt: field name to
// mapping type.
func kibanaFields(t *testing.T) map[string]string {
	b, err := os.ReadFile(filepath.Join("testdata", "kibana-alert-fields.txt"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l == "" || l[0] == '#' {
			continue
		}
		name, typ, ok := strings.Cut(l, " ")
		if !ok {
			t.Fatalf("bad line %q", l)
		}
		m[name] = typ
	}
	return m
}

// TestAlertSchema checks every kibana.* field name of every golden alert
// against Kibana's alert field map (testdata/kibana-alert-fields.txt,
// whose header names the Kibana sources). A name is accepted when it is
// mapped, or lies under a field mapped as object or flattened
// (kibana.alert.rule.parameters). Other names are the source event's own
// ECS fields or vigil.* (vigil's own: sources, sequence events).
func TestAlertSchema(t *testing.T) {
	fields := kibanaFields(t)
	for name, jsonl := range goldenAlerts(t) {
		for _, line := range bytes.Split(bytes.TrimSpace(jsonl), []byte("\n")) {
			var doc map[string]any
			if err := json.Unmarshal(line, &doc); err != nil {
				t.Fatal(err)
			}
			if k := repeatedKey(t, line); k != "" {
				t.Errorf("%s: key %q written twice", name, k)
			}
			flat := map[string]any{}
			testevent.Flatten("", doc, flat)
			keys := map[string]bool{}
			for k, v := range flat {
				if !emptyArray(v) { // an empty array indexes nothing
					keys[k] = true
				}
			}
			var bad []string
			for k := range keys {
				if !strings.HasPrefix(k, "kibana.") {
					continue
				}
				if !knownField(fields, k) {
					bad = append(bad, k)
				}
			}
			sort.Strings(bad)
			if len(bad) > 0 {
				t.Errorf("%s: fields not in Kibana's alert field map: %s", name, strings.Join(bad, ", "))
			}
			for _, required := range []string{"kibana.alert.rule.uuid", "kibana.alert.rule.rule_type_id", "kibana.alert.rule.producer",
				"kibana.alert.rule.consumer", "kibana.space_ids", "kibana.alert.start", "kibana.alert.workflow_status",
				"kibana.alert.rule.parameters.query", "kibana.alert.rule.parameters.language", "kibana.alert.rule.parameters.type",
				"kibana.alert.original_time", "kibana.alert.uuid", "kibana.alert.rule.category"} {
				if !keys[required] && !hasPrefixKey(keys, required+".") {
					t.Errorf("%s: %s missing", name, required)
				}
			}
		}
	}
}

func knownField(fields map[string]string, k string) bool {
	if _, ok := fields[k]; ok {
		return true
	}
	for p := k; ; {
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return false
		}
		p = p[:i]
		if typ := fields[p]; typ == "object" || typ == "flattened" {
			return true
		}
	}
}

func hasPrefixKey(keys map[string]bool, prefix string) bool {
	for k := range keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// TestTableInvestigationFields shows a rule's investigation fields under
// its alert's row in the table.
func TestTableInvestigationFields(t *testing.T) {
	s := event.NewSchema()
	f := Register(s, "host.id", "process.args")
	ev := decode(t, s, `{"@timestamp":"2026-11-23T10:00:00.000Z","host":{"name":"WKS-1","id":"h-1"},"process":{"name":"sc.exe","args":["sc.exe","create"]}}`, 1)
	r := testRule()
	r.InvestigationFields = []string{"host.id", "process.args", "user.name"}
	var buf bytes.Buffer
	w, err := NewWriter("table", &buf, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(New(f, r, []*event.Event{ev}, nil, now)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 || strings.TrimSpace(lines[2]) != "host.id=h-1  process.args=[sc.exe, create]" {
		t.Errorf("table:\n%s", buf.String())
	}
}

// emptyArray reports whether v is an array holding no values (empty
// arrays included).
func emptyArray(v any) bool {
	a, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range a {
		if !emptyArray(e) {
			return false
		}
	}
	return true
}

// repeatedKey returns a top-level key a JSON object holds twice, or "".
func repeatedKey(t *testing.T, doc []byte) string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		if seen[k] {
			return k
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return ""
}
