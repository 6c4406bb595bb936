package winlog

import (
	"strconv"
	"testing"
)

// TestNameTable checks the table against a map over the event data names
// and many generated ones (short, long, sharing first and last bytes),
// through growth, overwrites and a clone that must not see later puts.
func TestNameTable(t *testing.T) {
	want := map[string]nameInfo{}
	var tab nameTable
	put := func(name string, ni nameInfo) {
		want[name] = ni
		tab.put(name, ni)
	}
	for i, name := range edNames {
		put(name, nameInfo{ed: uint8(i + 1), key: "winlog.event_data." + name})
	}
	for i := range 3000 {
		s := strconv.Itoa(i)
		put("Subject"+s+"UserName", nameInfo{key: "k" + s})
		put(s, nameInfo{key: "short" + s})
	}
	put("", nameInfo{key: "empty"})
	put("SubjectUserName", nameInfo{key: "again"})
	c := tab.clone()
	put("OnlyInOriginal", nameInfo{key: "x"})
	if tab.len() != len(want) {
		t.Errorf("len %d, want %d", tab.len(), len(want))
	}
	for name, ni := range want {
		if got, ok := tab.get(name); !ok || got != ni {
			t.Errorf("get(%q) = %v %v, want %v", name, got, ok, ni)
		}
	}
	for _, name := range []string{"subjectusername", "SubjectUserNam", "Subject3000UserName", "3000", "x"} {
		if got, ok := tab.get(name); ok {
			t.Errorf("get(%q) = %v, want none", name, got)
		}
	}
	if _, ok := c.get("OnlyInOriginal"); ok {
		t.Error("the clone sees a name put after it was made")
	}
	if got, ok := c.get("SubjectUserName"); !ok || got.key != "again" {
		t.Errorf("clone get(SubjectUserName) = %v %v", got, ok)
	}
	var empty nameTable
	if _, ok := empty.get("a"); ok {
		t.Error("an empty table finds a name")
	}
}
