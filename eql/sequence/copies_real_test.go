package sequence_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testenv"
)

// TestCopiesKeepEveryValue checks the copies a matcher keeps for a caller
// that reuses its event and its line buffer: every result must equal,
// value for value, the result of a matcher handed a fresh event per
// record (Options.Owned). The documents are a slice of the winlog corpus
// (escaped strings, numbers, nested objects) and synthetic ones with
// every kind of value (arrays with nulls, empty arrays, floats, booleans,
// objects, ids).
func TestCopiesKeepEveryValue(t *testing.T) {
	synthetic := [][]byte{
		[]byte(`{"host":{"name":"h1"},"winlog":{"record_id":2,"event_id":"1"},"arr":[1,"s\"q",null,2.5,true,[3,"t"]],"empty":[],"obj":{"x":{"y":1}},"f":1.5,"b":false,"n":null,"e":"","message":"a\u00e9\nb"}`),
		[]byte(`{"host":{"name":"h1"},"winlog":{"record_id":3,"event_id":"3"},"arr":["only"],"f":-0.25,"b":true,"obj":{}}`),
		[]byte(`{"host":{"name":["h2","h1"]},"winlog":{"record_id":4},"arr":[null],"f":1e300}`),
		[]byte(`{"host":{"name":"h2"},"winlog":{"record_id":5},"n":[[],[null]]}`),
	}
	for _, tc := range []struct {
		name  string
		lines func(t *testing.T) [][]byte
	}{
		{"synthetic", func(*testing.T) [][]byte { return synthetic }},
		{"winlog", func(t *testing.T) [][]byte { return testenv.WinlogSample(t, 20_000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := tc.lines(t)
			schema := event.NewSchema()
			for _, f := range []string{"host.name", "winlog.record_id", "winlog.event_id", "winlog.computer_name",
				"winlog.event_data.Application", "winlog.event_data.CommandLine", "winlog.event_data.DestPort",
				"winlog.process.pid", "message", "arr", "empty", "obj", "obj.x", "f", "b", "n", "e", "event.code"} {
				schema.Slot(f)
			}
			host, rec := schema.Slot("host.name"), schema.Slot("winlog.record_id")
			parity := func(p int64) func(*event.Event) bool {
				return func(e *event.Event) bool { return e.Get(rec).Int()%2 == p }
			}
			keys := []sequence.Key{{Get: func(e *event.Event) event.Value { return e.Get(host) }}}
			spec := &sequence.Spec{Stages: []sequence.Stage{
				{Match: parity(0), Keys: keys},
				{Match: parity(1), Keys: keys},
			}}
			run := func(owned bool) []sequence.Result {
				m, err := sequence.NewMatcher(spec, sequence.Options{Owned: owned, MaxPending: 1000})
				if err != nil {
					t.Fatal(err)
				}
				var out []sequence.Result
				emit := func(r sequence.Result) { out = append(out, r) }
				reused, buf := &event.Event{}, []byte(nil)
				for i, line := range lines {
					ev := reused
					if owned {
						ev = &event.Event{}
						buf = nil
					}
					buf = append(buf[:0], line...)
					if err := schema.Decode(buf, ev); err != nil {
						t.Fatalf("line %d: %v", i+1, err)
					}
					ev.Time = int64(i) * int64(time.Millisecond)
					// Names of several lengths (some empty), so that a copy
					// that misplaced them next to the id would show.
					ev.Seq, ev.Pos = uint64(i), int64(i+1)
					ev.Source, ev.Index = strings.Repeat("s", i%5), fmt.Sprint("idx-", i%3)
					ev.ID = fmt.Sprint("id-", i)
					m.Push(ev, emit)
					if !owned {
						clear(buf) // the caller's buffer is reused
					}
				}
				m.Flush(emit)
				return out
			}
			want, got := run(true), run(false)
			if len(want) < len(lines)/10 {
				t.Fatalf("%d results from %d events: the test tests little", len(want), len(lines))
			}
			if len(got) != len(want) {
				t.Fatalf("%d results with copies, %d with owned events", len(got), len(want))
			}
			for i := range want {
				if err := sameResult(schema, got[i], want[i]); err != nil {
					t.Fatalf("result %d: %v", i, err)
				}
			}
			t.Logf("%d results from %d events compared", len(want), len(lines))
		})
	}
}

func sameResult(schema *event.Schema, got, want sequence.Result) error {
	if len(got.Keys) != len(want.Keys) {
		return fmt.Errorf("keys %v, want %v", got.Keys, want.Keys)
	}
	for i := range want.Keys {
		if !sameValue(got.Keys[i], want.Keys[i]) {
			return fmt.Errorf("keys %v, want %v", got.Keys, want.Keys)
		}
	}
	if len(got.Events) != len(want.Events) {
		return fmt.Errorf("%d events, want %d", len(got.Events), len(want.Events))
	}
	for j, w := range want.Events {
		g := got.Events[j]
		if (g == nil) != (w == nil) {
			return fmt.Errorf("event %d: %v, want %v", j, g, w)
		}
		if w == nil {
			continue
		}
		if string(g.Raw) != string(w.Raw) || (g.Raw == nil) != (w.Raw == nil) {
			return fmt.Errorf("event %d: document %.80q, want %.80q", j, g.Raw, w.Raw)
		}
		if g.Time != w.Time || g.Seq != w.Seq || g.Pos != w.Pos || g.Source != w.Source || g.Index != w.Index || g.ID != w.ID {
			return fmt.Errorf("event %d: metadata %d %d %d %q %q %q, want %d %d %d %q %q %q", j,
				g.Time, g.Seq, g.Pos, g.Source, g.Index, g.ID, w.Time, w.Seq, w.Pos, w.Source, w.Index, w.ID)
		}
		for slot := range schema.Len() {
			if gv, wv := g.Get(slot), w.Get(slot); !sameValue(gv, wv) {
				return fmt.Errorf("event %d: %s = %v, want %v", j, schema.Name(slot), gv, wv)
			}
		}
	}
	return nil
}

// sameValue compares values exactly: kinds, strings, float bits, and
// arrays element by element (an empty array is empty, nil or not, as in a
// clone).
func sameValue(a, b event.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case event.KindString:
		return a.Str() == b.Str()
	case event.KindInt, event.KindBool:
		return a.Int() == b.Int()
	case event.KindFloat:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	case event.KindArray:
		x, y := a.Array(), b.Array()
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
	}
	return true
}
