package event

import (
	"strconv"
	"strings"
	"testing"
)

// TestKeyTable checks that a node's key table finds exactly its children:
// every key, and none of the near misses (same length, same first and last
// eight bytes, another middle byte, a prefix, a NUL after, a dotted form), over key sets of every size up to
// several hundred, like winlog.event_data under a Windows rule set.
func TestKeyTable(t *testing.T) {
	base := []string{
		"", "a", "ab", "abc", "event", "process", "parent", "name", "args", "@timestamp",
		"TargetUserName", "TargetDomainName", "SubjectUserName", "ServiceFileName",
		"CommandLine", "ParentCommandLine", "Image", "ParentImage", "code_signature",
		// long keys that differ only in the middle fold to one word
		"AAAAAAAA_middle_1_ZZZZZZZZ", "AAAAAAAA_middle_2_ZZZZZZZZ", "AAAAAAAA_middle_3_ZZZZZZZZ",
	}
	for i := range 300 {
		base = append(base, "Field"+strconv.Itoa(i), strconv.Itoa(i*7919))
	}
	for _, n := range []int{0, 1, 2, 3, 5, 8, 9, 17, 40, len(base)} {
		kids := map[string]*node{}
		for _, k := range base[:n] {
			kids[k] = &node{slot: -1, seg: k}
		}
		var tab keyTable
		if n > 0 {
			tab.build(kids)
		}
		for _, k := range base {
			want := kids[k]
			if got := tab.find(k); got != want {
				t.Errorf("%d keys: find(%q) = %v, want %v", n, k, got, want)
			}
			misses := []string{k + "x", "x" + k, k + ".", k + "\x00", strings.ToUpper(k) + "_", "AAAAAAAA_middle_9_ZZZZZZZZ"}
			if len(k) > 0 {
				// The middle byte changed: in a short key, the entry's bytes
				// alone must tell the keys apart.
				b := []byte(k)
				b[len(b)/2] ^= 0x20
				misses = append(misses, string(b))
			}
			for _, miss := range misses {
				if _, in := kids[miss]; in {
					continue
				}
				if got := tab.find(miss); got != nil {
					t.Errorf("%d keys: find(%q) = %q, want nil", n, miss, got.seg)
				}
			}
		}
	}
}

// TestSlotAfterDecode registers a field after the schema has decoded: the
// next decode reads it.
func TestSlotAfterDecode(t *testing.T) {
	s, ev := decodeOne(t, []string{"process.name"}, `{"process":{"name":"a.exe","pid":4}}`)
	if got := ev.Get(s.Slot("process.name")).Str(); got != "a.exe" {
		t.Fatalf("process.name = %q", got)
	}
	pid := s.Slot("process.pid")
	if err := s.Decode([]byte(`{"process":{"name":"a.exe","pid":4}}`), ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Get(pid).Int(); got != 4 {
		t.Fatalf("process.pid = %d after registering it late", got)
	}
}

// TestSlotOfInnerKeyAfterDecode registers, after the schema has decoded,
// a field whose key was already in a table as the way to another field:
// its entry held no slot (keyEntry.info), and the next decode reads it.
func TestSlotOfInnerKeyAfterDecode(t *testing.T) {
	doc := `{"process":{"parent":{"name":"b.exe"},"name":"a.exe"},"message":"x\ty"}`
	s, ev := decodeOne(t, []string{"process.parent.name"}, doc)
	parent, msg := s.Slot("process.parent"), s.Slot("message")
	if err := s.Decode([]byte(doc), ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Get(parent); got.Kind() != KindObject {
		t.Errorf("process.parent = %v after registering it late, want an object", got)
	}
	if got := ev.Get(s.Slot("process.parent.name")).Str(); got != "b.exe" {
		t.Errorf("process.parent.name = %q", got)
	}
	if got := ev.Get(msg); got.unescape() != "x\ty" || got.n != escapedString {
		t.Errorf("message = %q (n %d), want it kept escaped", got.str(), got.n)
	}
}
