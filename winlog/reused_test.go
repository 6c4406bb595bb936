package winlog

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestReusedKeepsDocuments normalises records of the shared raw winlog
// corpus (the first 100 of each file) one after another with one
// Normalizer and Record, as a reader does, hands each document to its own
// event with OwnDocReusing(Normalizer.Reused), and checks that every
// document held still reads as it did when it was made: no string of it
// lies in a buffer that later records wrote again. Every other record is
// decoded with DecodeJSONTo into the event's storage (as input's reader
// does), the others with DecodeJSON into the Record's buffer.
func TestReusedKeepsDocuments(t *testing.T) {
	type held struct {
		where string
		doc   *event.Doc
		json  string
	}
	var (
		rec  Record
		docs []held
	)
	n := NewNormalizer()
	eachFirst(t, 100, func(rel string, line []byte, ln int) {
		ev := new(event.Event)
		if err := decodeOwned(ev, line, &rec, ln%2 == 1); err != nil {
			t.Fatalf("%s:%d: %v", rel, ln, err)
		}
		d := ev.NewDoc()
		if _, err := n.Normalize(&rec, d); err != nil {
			t.Fatalf("%s:%d: %v", rel, ln, err)
		}
		ev.OwnDocReusing(d, n.Reused(&rec))
		docs = append(docs, held{rel + ":" + strconv.Itoa(ln), d, string(d.AppendJSON(nil))})
	})
	if len(docs) < 1000 {
		t.Fatalf("only %d records read", len(docs))
	}
	bad := 0
	for _, h := range docs {
		if got := string(h.doc.AppendJSON(nil)); got != h.json && bad < 5 {
			bad++
			t.Errorf("%s: document changed\nmade %s\nnow  %s", h.where, h.json, got)
		}
	}
}

// decodeOwned copies line into ev and decodes it into rec, as input's
// reader does: into ev's storage (DecodeJSONTo) when into is set, else
// into rec's buffer (DecodeJSON).
func decodeOwned(ev *event.Event, line []byte, rec *Record, into bool) error {
	data := ev.Own(line)
	if !into {
		return DecodeJSON(data, rec)
	}
	buf, err := DecodeJSONTo(data, rec, ev.Spare(len(data)))
	ev.Keep(buf)
	return err
}

// TestLazyDocuments maps records of the shared raw winlog corpus (the
// first 100 of each file) as input's reader does without KeepEventData:
// each decoded into the Record's buffer and mapped into the Normalizer's
// one document, leaving out the event data no slot takes and giving the
// common fields that have one by slot (Normalizer.Only, Slotted), whose
// slotted fields go to the event (Schema.LoadDocLazyMoving, the
// Record's unescaped strings moved as one block) with a lazy document
// that JSONMapper builds again from the record's bytes. After all of them are read it checks
// that every event's values are those of its document as first built,
// and that its lazy document (and a clone's, and one changed after
// cloning) writes the same JSON.
func TestLazyDocuments(t *testing.T) {
	type held struct {
		where string
		ev    *event.Event
		json  string
		vals  map[int]string
	}
	schema := event.NewSchema()
	for _, f := range []string{"@timestamp", "event.code", "process.name", "process.args", "process.command_line",
		"related.user", "winlog.event_data.SubjectUserName", "user.name", "host.name", "file.path", "dns.answers.data",
		"winlog.channel", "winlog.record_id", "event.created", "winlog.keywords",
		// Common fields the mappings delete (Sysmon, PowerShell), replace
		// (Sysmon's clipboard message, a namespace) or the shipper gives.
		"winlog.level", "message", "data_stream.namespace", "event.kind", "ecs.version",
		// Strings the mappings build in the Normalizer's arena (GUIDs
		// and hashes in lower case, registry numbers), which the
		// event must copy (Normalizer.Written).
		"process.entity_id", "process.parent.entity_id", "process.hash.sha256", "file.hash.sha256", "related.hash",
		"registry.data.strings"} {
		schema.Slot(f)
	}
	var (
		rec        Record
		doc, whole event.Doc
		evs        []held
		nrel, nED  int
	)
	n, full := NewNormalizer(), NewNormalizer()
	n.Only = schema
	eachFirst(t, 100, func(rel string, line []byte, ln int) {
		ev := new(event.Event)
		data := ev.Own(line)
		if err := DecodeJSON(data, &rec); err != nil {
			t.Fatalf("%s:%d: %v", rel, ln, err)
		}
		if _, err := full.Normalize(&rec, &whole); err != nil {
			t.Fatalf("%s:%d: %v", rel, ln, err)
		}
		h := held{where: rel + ":" + strconv.Itoa(ln), ev: ev, json: string(whole.AppendJSON(nil)), vals: map[int]string{}}
		for _, f := range whole.Fields() {
			if slot, ok := schema.Lookup(f.Key); ok {
				h.vals[slot] = string(f.Value.AppendJSON(nil))
				switch f.Key {
				case "related.user":
					nrel++
				case "winlog.event_data.SubjectUserName":
					nED++
				}
			}
		}
		if _, err := n.Normalize(&rec, &doc); err != nil {
			t.Fatalf("%s:%d: %v", rel, ln, err)
		}
		for _, f := range doc.Fields() {
			if (strings.HasPrefix(f.Key, "winlog.event_data.") || slices.Contains(outKeys[:], f.Key) &&
				f.Key != "message" && f.Key != "data_stream.namespace") && !schema.HasKey(f.Key) && !shipped(&rec, f.Key) {
				t.Errorf("%s: %s was not left out", h.where, f.Key)
			}
			if o, ok := outIndex[f.Key]; ok && n.outSlot[o] != 0 && !shipped(&rec, f.Key) &&
				f.Key != "event.created" && f.Key != "winlog.record_id" && f.Key != "winlog.keywords" {
				t.Errorf("%s: %s is in the document, not given by slot", h.where, f.Key)
			}
		}
		slotted := 0
		for _, sv := range n.Slotted() {
			if sv.Slot >= 0 {
				slotted++
			}
		}
		schema.LoadDocLazyMoving(&doc, n.Slotted(), ev, n.Written(), rec.Unescaped(), data, JSONMapper)
		if ev.Doc.Len() != doc.Len()+slotted {
			t.Errorf("%s: lazy document of %d fields, built %d and %d by slot", h.where, ev.Doc.Len(), doc.Len(), slotted)
		}
		evs = append(evs, h)
	})
	if len(evs) < 1000 || nrel == 0 || nED == 0 {
		t.Fatalf("only %d records read, %d with related.user, %d with SubjectUserName", len(evs), nrel, nED)
	}
	bad := 0
	for _, h := range evs {
		for slot := range schema.Len() {
			got := ""
			if v := h.ev.Get(slot); v.Kind() != event.KindMissing {
				got = string(v.AppendJSON(nil))
			}
			if got != h.vals[slot] && bad < 5 {
				bad++
				t.Errorf("%s: %s is %s, built %s", h.where, schema.Name(slot), got, h.vals[slot])
			}
		}
		c := h.ev.Clone()
		for slot := range schema.Len() {
			got := ""
			if v := c.Get(slot); v.Kind() != event.KindMissing {
				got = string(v.AppendJSON(nil))
			}
			if got != h.vals[slot] && bad < 5 {
				bad++
				t.Errorf("%s: the clone's %s is %s, built %s", h.where, schema.Name(slot), got, h.vals[slot])
			}
		}
		if got := string(h.ev.AppendJSON(nil)); got != h.json && bad < 5 {
			bad++
			t.Errorf("%s: lazy document\nbuilt %s\nnow   %s", h.where, h.json, got)
		}
		h.ev.Doc.Set("vigil.test", event.Str("x"))
		if got := string(c.AppendJSON(nil)); got != h.json && bad < 5 {
			bad++
			t.Errorf("%s: clone's document\nbuilt %s\nnow   %s", h.where, h.json, got)
		}
		if got, _ := h.ev.Doc.Get("vigil.test"); got.Str() != "x" || h.ev.Doc.Len() != len(c.Doc.Fields())+1 {
			t.Errorf("%s: a changed lazy document has %d fields, its clone %d", h.where, h.ev.Doc.Len(), len(c.Doc.Fields()))
		}
	}
}

// shipped reports whether the shipper gave key (Record.Shipper), which the
// mapping writes when it did not.
func shipped(rec *Record, key string) bool {
	_, ok := rec.ShipperValue(key)
	return ok
}

// eachFirst calls fn with the first n lines of each file of the shared raw
// winlog corpus, and the file's path within it.
func eachFirst(t *testing.T, n int, fn func(rel string, line []byte, ln int)) {
	for _, f := range testenv.WinlogFiles(t) {
		rel, _ := filepath.Rel(testenv.Shared(t), f)
		testenv.EachLine(t, f, func(line []byte, ln int) {
			if ln <= n {
				fn(rel, line, ln)
			}
		})
	}
}

// TestSlottedMatchesDocument checks that the fields a Normalizer with
// Only gives by slot (Slotted) are those of the whole document where the
// mappings change them after common wrote them: Sysmon and PowerShell
// delete winlog.level, Sysmon's clipboard event replaces the message, a
// shipper's namespace replaces data_stream.namespace, and a shipper's
// field is written only when the mapping wrote none.
func TestSlottedMatchesDocument(t *testing.T) {
	for _, tc := range []struct{ name, rec string }{
		{"sysmon level", `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"level":"information",` +
			`"provider_name":"Microsoft-Windows-Sysmon","event_data":{"Image":"C:\\x.exe","Other":"1","Other":"2"}},"message":"m"}`},
		{"powershell level", `{"winlog":{"channel":"Microsoft-Windows-PowerShell/Operational","event_id":4104,` +
			`"level":"verbose","provider_name":"Microsoft-Windows-PowerShell","event_data":{"ScriptBlockText":"x"}}}`},
		{"clipboard message", `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":25,` +
			`"provider_name":"Microsoft-Windows-Sysmon","event_data":{"Type":"Image is replaced"}},"message":"m"}`},
		{"security level", `{"winlog":{"channel":"Security","event_id":4624,"level":"information",` +
			`"provider_name":"Microsoft-Windows-Security-Auditing"},"log":{"level":"information"}}`},
		{"namespace", `{"winlog":{"channel":"System","event_id":7036,"provider_name":"x"},` +
			`"data_stream":{"namespace":"prod","type":"metrics"},"event":{"kind":"alert"},"ecs":{"version":"1.0"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := append(outKeys[:], "process.executable", "event.category", "winlog.event_data.Image",
				"winlog.event_data.Type", "winlog.event_data.ScriptBlockText", "winlog.event_data.Other")
			schema := event.NewSchema()
			for _, k := range keys {
				schema.Slot(k)
			}
			var rec Record
			if err := DecodeJSON([]byte(tc.rec), &rec); err != nil {
				t.Fatal(err)
			}
			var whole, doc event.Doc
			if _, err := NewNormalizer().Normalize(&rec, &whole); err != nil {
				t.Fatal(err)
			}
			n := NewNormalizer()
			n.Only = schema
			if _, err := n.Normalize(&rec, &doc); err != nil {
				t.Fatal(err)
			}
			ev := new(event.Event)
			data := ev.Own([]byte(tc.rec))
			schema.LoadDocLazyMoving(&doc, n.Slotted(), ev, n.Written(), rec.Unescaped(), data, JSONMapper)
			for _, k := range keys {
				want := ""
				if v, ok := whole.Get(k); ok {
					want = string(v.AppendJSON(nil))
				}
				got := ""
				if v := ev.Get(schema.Slot(k)); v.Kind() != event.KindMissing {
					got = string(v.AppendJSON(nil))
				}
				if got != want {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
		})
	}
}
