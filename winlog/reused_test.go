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
// each into the Normalizer's one document, leaving out the event data no
// slot takes (Normalizer.Only), whose slotted fields go to the event
// (Schema.LoadDocLazy) with a lazy document that JSONMapper builds again
// from the record's bytes. After all of them are read it checks
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
		"winlog.channel", "winlog.record_id", "event.created", "winlog.keywords"} {
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
		buf, err := DecodeJSONTo(data, &rec, ev.Spare(len(data)))
		ev.Keep(buf)
		if err != nil {
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
		}
		schema.LoadDocLazy(&doc, ev, n.Reused(&rec), data, JSONMapper)
		if ev.Doc.Len() != doc.Len() {
			t.Errorf("%s: lazy document of %d fields, built %d", h.where, ev.Doc.Len(), doc.Len())
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
