package eql

import (
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

func TestCompileSequence(t *testing.T) {
	s := event.NewSchema()
	p, err := CompileString(`sequence by user.name with maxspan=30s
  [process where process.name : "sc.exe"] by process.entity_id with runs=2
  ![file where true] by ?process.entity_id
  [network where true] by process.entity_id
until [process where event.type == "end"] by process.entity_id
| tail 2`, s, Options{Schema: match.ECS(), CategoryField: "event.category"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != SequenceQuery || len(p.Stages) != 3 || p.Until == nil || p.MaxSpan != 30*time.Second {
		t.Fatalf("program = %+v", p)
	}
	st := p.Stages
	if st[0].Runs != 2 || st[1].Runs != 1 || !st[1].Missing || st[0].Missing || st[1].Category != "file" {
		t.Errorf("stages: %+v %+v", st[0], st[1])
	}
	for i, c := range append(st, p.Until) {
		if len(c.Keys) != 2 || c.Keys[0].Name != "user.name" || c.Keys[0].Optional {
			t.Errorf("stage %d keys: %+v", i, c.Keys)
		}
	}
	if !st[1].Keys[1].Optional || st[0].Keys[1].Optional || st[1].Keys[1].Name != "?process.entity_id" {
		t.Errorf("optional keys: %+v %+v", st[0].Keys[1], st[1].Keys[1])
	}
	if got := p.KeyNames; len(got) != 2 || got[0] != "user.name" || got[1] != "process.entity_id" {
		t.Errorf("KeyNames = %v", got)
	}
	var ev event.Event
	doc := `{"event":{"category":["process"]},"process":{"name":"SC.EXE","entity_id":"e1"},"user":{"name":"bob"}}`
	if err := s.Decode([]byte(doc), &ev); err != nil {
		t.Fatal(err)
	}
	if !st[0].Pred.Match(&ev) || st[2].Pred.Match(&ev) || p.Match(&ev) {
		t.Error("stage predicates (with their categories) do not match as expected")
	}
	if k := st[0].Keys[1].Get(&ev); k.Str() != "e1" {
		t.Errorf("key = %v", k)
	}
	if from, to := p.ApplyPipes(5); from != 3 || to != 5 || !p.LastPipeIsTail() {
		t.Errorf("ApplyPipes(5) = %d, %d", from, to)
	}
}

func TestCompileSample(t *testing.T) {
	p, err := CompileString(`sample by host [any where a > 0] by os [any where b > 1] by op_sys`, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != SampleQuery || len(p.Stages) != 2 || len(p.Stages[1].Keys) != 2 || p.Stages[1].Keys[1].Name != "op_sys" {
		t.Errorf("program = %+v", p)
	}
}

func TestCategoryField(t *testing.T) {
	s := event.NewSchema()
	p, err := CompileString(`process where true`, s, Options{CategoryField: "event_type"})
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := s.Decode([]byte(`{"event_type":"process"}`), &ev); err != nil {
		t.Fatal(err)
	}
	if !p.Match(&ev) {
		t.Error("category field option ignored")
	}
}

func TestPipes(t *testing.T) {
	for _, tt := range []struct {
		q        string
		n        int
		from, to int
	}{
		{`any where true`, 10, 0, 10},
		{`any where true | head 3`, 10, 0, 3},
		{`any where true | tail 3`, 10, 7, 10},
		{`any where true | head 5 | tail 2`, 10, 3, 5},
		{`any where true | tail 5 | head 2`, 10, 5, 7},
		{`any where true | head 20`, 10, 0, 10},
	} {
		p, err := CompileString(tt.q, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if from, to := p.ApplyPipes(tt.n); from != tt.from || to != tt.to {
			t.Errorf("%s: ApplyPipes(%d) = %d, %d; want %d, %d", tt.q, tt.n, from, to, tt.from, tt.to)
		}
	}
}
