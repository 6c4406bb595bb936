package winlog

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestAllRecords decodes and normalises every record of the shared raw
// winlog corpus, checks that each document is valid JSON with the fields
// every rule needs, and reports counts by channel and event id.
func TestAllRecords(t *testing.T) {
	files := testenv.WinlogFiles(t)
	var (
		rec      Record
		doc      event.Doc
		out      []byte
		total    int
		rejected int
		withCat  int
	)
	n := NewNormalizer()
	byKey := map[string]int{}
	catByChannel := map[string]int{}
	byChannel := map[string]int{}
	byIndex := map[string]int{}
	for _, f := range files {
		rel, _ := filepath.Rel(testenv.Shared(t), f)
		testenv.EachLine(t, f, func(line []byte, ln int) {
			total++
			if err := DecodeJSON(line, &rec); err != nil {
				rejected++
				t.Errorf("%s:%d: %v", rel, ln, err)
				return
			}
			idx, err := n.Normalize(&rec, &doc)
			if err != nil {
				rejected++
				t.Errorf("%s:%d: %v", rel, ln, err)
				return
			}
			byIndex[idx]++
			byChannel[strings.Clone(rec.Channel)]++
			byKey[fmt.Sprintf("%s %d", rec.Channel, rec.EventID)]++
			if _, ok := doc.Get("event.category"); ok {
				withCat++
				catByChannel[strings.Clone(rec.Channel)]++
			}
			for _, k := range []string{"@timestamp", "event.code", "host.os.type", "data_stream.dataset", "winlog.channel"} {
				if _, ok := doc.Get(k); !ok {
					t.Errorf("%s:%d: no %s", rel, ln, k)
				}
			}
			if total%50 == 0 {
				out = doc.AppendJSON(out[:0])
				if !json.Valid(out) {
					t.Fatalf("%s:%d: invalid JSON output: %s", rel, ln, out)
				}
			}
		})
	}
	t.Logf("%d records in %d files: %d normalised, %d rejected, %d with event.category", total, len(files), total-rejected, rejected, withCat)
	for _, k := range sortedKeys(byIndex) {
		t.Logf("  index %-45s %7d", k, byIndex[k])
	}
	for _, k := range sortedKeys(byChannel) {
		t.Logf("  channel %-70s %7d (%d with event.category)", k, byChannel[k], catByChannel[k])
	}
	if testing.Verbose() {
		for _, k := range sortedKeys(byKey) {
			t.Logf("  %-75s %7d", k, byKey[k])
		}
	}
	if total != 200806 {
		t.Errorf("read %d records, want 200806", total)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
