package winlog

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/internal/testevent"
)

// conformanceFloor is the number of expected fields the ECS conformance
// test must match at least. Raise it as the mapping improves.
const conformanceFloor = 2929

// conformanceIgnored are expected fields the comparison leaves out: those
// the golden README says to ignore, the ECS version (the fixtures span ECS
// 1.12 to 8.17), the original XML, and tags (the stored expected files of
// 1100 and 4689 carry a "preserve_duplicate_custom_fields" tag their inputs
// lack). The shipper's other fields (agent.*, log.file.path, input.type)
// are compared: Elastic's pipelines keep them, and so does Normalize.
func conformanceIgnored(key string) bool {
	switch key {
	case "event.ingested", "message", "winlog.api", "ecs.version", "event.original", "tags":
		return true
	}
	return false
}

type goldenPair struct {
	name     string
	input    string
	expected string
	// first compares only the first event (the stored expected file of
	// the 4688 pipeline test lacks the second).
	first bool
}

func goldenPairs(t *testing.T) []goldenPair {
	root := testenv.Path(t, "ecs-golden", "elastic")
	var pairs []goldenPair
	integ := filepath.Join(root, "integrations", "packages")
	for _, p := range []string{
		"windows/data_stream/sysmon_operational/_dev/test/pipeline/test-image-loaded-failed-signature.json",
		"system/data_stream/security/_dev/test/pipeline/test-1100.json",
		"system/data_stream/security/_dev/test/pipeline/test-security-windows2019-4688-process-created.json",
		"system/data_stream/security/_dev/test/pipeline/test-security-windows2019-4689-process-exited.json",
		"system/data_stream/security/_dev/test/pipeline/test-security-windows2012-4768.json",
	} {
		pairs = append(pairs, goldenPair{
			name: filepath.Base(p), input: filepath.Join(integ, p), expected: filepath.Join(integ, p) + "-expected.json",
			first: strings.Contains(p, "4688"),
		})
	}
	beats := filepath.Join(root, "beats", "x-pack", "winlogbeat", "module")
	for _, p := range []string{
		"sysmon/sysmon-11-filedelete", "sysmon/sysmon-11-filedeletedetected", "sysmon/sysmon-11-registry",
		"sysmon/sysmon-12-processcreate", "sysmon/sysmon-13-clipboardchange", "sysmon/sysmon-13-processtampering",
		"sysmon/sysmon-9.01", "security/security-windows2012r2-logon",
	} {
		mod, name := filepath.Split(p)
		dir := filepath.Join(beats, mod, "test", "testdata")
		pairs = append(pairs, goldenPair{
			name:     name,
			input:    filepath.Join(dir, "collection", name+".evtx.golden.json"),
			expected: filepath.Join(dir, "ingest", name+".golden.json"),
		})
	}
	return pairs
}

// loadEvents reads a fixture: a bare JSON array, or an object holding the
// array under "events" or "expected".
func loadEvents(t *testing.T, path string) []json.RawMessage {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err == nil {
		return arr
	}
	var obj map[string][]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if ev, ok := obj["events"]; ok {
		return ev
	}
	if ev, ok := obj["expected"]; ok {
		return ev
	}
	t.Fatalf("%s: no events", path)
	return nil
}

// TestECSConformance feeds Elastic's own pipeline test inputs through
// DecodeJSON and Normalize and compares every expected field.
func TestECSConformance(t *testing.T) {
	pairs := goldenPairs(t)
	var rec Record
	var doc event.Doc
	n := NewNormalizer()
	matched, total := 0, 0
	var diffs []string
	for _, p := range pairs {
		inputs := loadEvents(t, p.input)
		expected := loadEvents(t, p.expected)
		if p.first {
			inputs, expected = inputs[:1], expected[:1]
		}
		if len(inputs) != len(expected) {
			t.Fatalf("%s: %d inputs, %d expected", p.name, len(inputs), len(expected))
		}
		pm, pt := 0, 0
		for i := range inputs {
			if err := DecodeJSON(inputs[i], &rec); err != nil {
				t.Fatalf("%s[%d]: %v", p.name, i, err)
			}
			if _, err := n.Normalize(&rec, &doc); err != nil {
				t.Fatalf("%s[%d]: %v", p.name, i, err)
			}
			var got, want map[string]any
			if err := json.Unmarshal(doc.AppendJSON(nil), &got); err != nil {
				t.Fatalf("%s[%d]: output: %v", p.name, i, err)
			}
			if err := json.Unmarshal(expected[i], &want); err != nil {
				t.Fatalf("%s[%d]: expected: %v", p.name, i, err)
			}
			gotFlat, wantFlat := map[string]any{}, map[string]any{}
			testevent.Flatten("", got, gotFlat)
			testevent.Flatten("", want, wantFlat)
			keys := make([]string, 0, len(wantFlat))
			for k := range wantFlat {
				if !conformanceIgnored(k) {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				pt++
				g, ok := gotFlat[k]
				if ok && reflect.DeepEqual(g, wantFlat[k]) {
					pm++
					continue
				}
				gs := "<missing>"
				if ok {
					gs = jsonString(g)
				}
				diffs = append(diffs, fmt.Sprintf("%s[%d] %s: got %s, want %s", p.name, i, k, gs, jsonString(wantFlat[k])))
			}
		}
		t.Logf("%-55s matched %4d of %4d", p.name, pm, pt)
		matched += pm
		total += pt
	}
	if testing.Verbose() {
		for _, d := range diffs {
			t.Log(d)
		}
	}
	t.Logf("ECS conformance: matched %d of %d fields", matched, total)
	if matched < conformanceFloor {
		t.Errorf("ECS conformance fell to %d matched fields, below the floor of %d", matched, conformanceFloor)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
