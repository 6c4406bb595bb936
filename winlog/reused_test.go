package winlog

import (
	"path/filepath"
	"strconv"
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
	for _, f := range testenv.WinlogFiles(t) {
		rel, _ := filepath.Rel(testenv.Shared(t), f)
		testenv.EachLine(t, f, func(line []byte, ln int) {
			if ln > 100 {
				return
			}
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
	}
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
