package eql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

func TestReorder(t *testing.T) {
	s := event.NewSchema()
	q := `process where host.os.type == "windows" and event.type == "start" and process.name : ("a.exe", "b.exe") and (host.os.type == "windows" or process.args : "x")`
	p, err := CompileString(q, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	osType, _ := s.Lookup("host.os.type")
	evType, _ := s.Lookup("event.type")
	broad := func(slot int) bool { return slot == osType || slot == evType }
	r := Reorder(p.Pred, broad)
	and, ok := r.(andPred)
	if !ok {
		t.Fatalf("not a conjunction: %T", r)
	}
	for i, c := range and {
		if rank(c, broad) == 1 {
			for _, rest := range and[i+1:] {
				if rank(rest, broad) == 0 {
					t.Fatalf("a broad test runs before a selective one: %v", and)
				}
			}
			break
		}
	}
	// Same results on matching and non-matching events.
	for _, doc := range []string{
		`{"event":{"category":"process","type":"start"},"host":{"os":{"type":"windows"}},"process":{"name":"A.exe","args":"x"}}`,
		`{"event":{"category":"process","type":"end"},"host":{"os":{"type":"windows"}},"process":{"name":"a.exe"}}`,
		`{"event":{"category":"process","type":"start"},"host":{"os":{"type":"linux"}},"process":{"name":"a.exe","args":"x"}}`,
	} {
		ev := &event.Event{}
		if err := s.Decode([]byte(doc), ev); err != nil {
			t.Fatal(err)
		}
		if p.Pred.Match(ev) != r.Match(ev) {
			t.Errorf("reordering changed the result on %s", doc)
		}
	}
}

func TestReorderBy(t *testing.T) {
	s := event.NewSchema()
	q := `process where process.name : "a.exe" and not process.args : "x" and process.pid > 4 and (process.name : "b" or process.pid == 5 and process.args : "y")`
	p, err := CompileString(q, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := s.Lookup("process.pid")
	// pid tests first, negations last, the rest in between.
	rank := func(c Pred) int {
		switch c.(type) {
		case notPred:
			return 2
		}
		if slot, ok := fieldOf(c); ok && slot == pid {
			return 0
		}
		return 1
	}
	r := ReorderBy(p.Pred, rank)
	and, ok := r.(andPred)
	if !ok {
		t.Fatalf("not a conjunction: %T", r)
	}
	for i := 1; i < len(and); i++ {
		if rank(and[i-1]) > rank(and[i]) {
			t.Fatalf("member %d ranks below member %d: %v", i, i-1, and)
		}
	}
	for _, doc := range []string{
		`{"event":{"category":"process"},"process":{"name":"A.exe","pid":5,"args":"y"}}`,
		`{"event":{"category":"process"},"process":{"name":"a.exe","pid":5,"args":"x"}}`,
		`{"event":{"category":"process"},"process":{"name":"a.exe","pid":3,"args":"y"}}`,
	} {
		ev := &event.Event{}
		if err := s.Decode([]byte(doc), ev); err != nil {
			t.Fatal(err)
		}
		if p.Pred.Match(ev) != r.Match(ev) {
			t.Errorf("reordering changed the result on %s", doc)
		}
	}
}
