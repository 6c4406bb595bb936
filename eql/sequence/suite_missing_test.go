package sequence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
)

// sharedDir returns the shared data directory from VIGIL_SHARED, resolved
// against the repository root when relative, or skips the test.
func sharedDir(t testing.TB) string {
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		t.Skip("VIGIL_SHARED not set")
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, dir)
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

type suiteCase struct {
	Name             string `toml:"name"`
	Query            string `toml:"query"`
	ExpectedEventIDs []any  `toml:"expected_event_ids"`
	JoinKeys         []any  `toml:"join_keys"`
	Size             *int   `toml:"size"`
	MaxSamplesPerKey *int   `toml:"max_samples_per_key"`
}

func loadSuite(t testing.TB, path string) []suiteCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Queries []suiteCase `toml:"queries"`
	}
	if err := toml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f.Queries
}

// loadData reads a conformance data file (a JSON array that may hold //
// comment lines).
func loadData(t testing.TB, path string) []map[string]any {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var clean bytes.Buffer
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("//")) {
			continue
		}
		clean.Write(line)
	}
	var docs []map[string]any
	if err := json.Unmarshal(clean.Bytes(), &docs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return docs
}

// TestSuiteMissingEvents runs the conformance suite's missing-event cases
// with specs built from their (simple) queries by a small translator, so
// that the runtime is checked against Elasticsearch's expectations before
// package eql compiles queries.
func TestSuiteMissingEvents(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance", "eql", "elasticsearch")
	cases := loadSuite(t, filepath.Join(dir, "test_missing_events.toml"))
	docs := loadData(t, filepath.Join(dir, "data", "missing-events.data"))
	schema := event.NewSchema()
	var evs []*event.Event
	for _, d := range docs {
		e := &event.Event{}
		e.Reset(0)
		for k, v := range d {
			switch v := v.(type) {
			case string:
				e.Set(schema.Slot(k), event.Str(v))
			case float64:
				e.Set(schema.Slot(k), event.Int(int64(v)))
			}
		}
		ts, ok := event.ParseTimeString(d["@timestamp"].(string))
		if !ok {
			t.Fatalf("bad time %v", d["@timestamp"])
		}
		e.Time = ts
		evs = append(evs, e)
	}
	seqSlot := schema.Slot("sequence")
	if len(cases) != 26 {
		t.Fatalf("%d cases, want 26", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			spec, pipes, err := translate(c.Query, schema)
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewMatcher(spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			var joinKeys []string
			pipe := NewPipe(append(pipes, PipeOp{N: 50}), func(r Result) {
				for _, e := range r.Events {
					if e == nil {
						ids = append(ids, -1)
					} else {
						ids = append(ids, e.Get(seqSlot).Int())
					}
				}
				for _, k := range r.Keys {
					joinKeys = append(joinKeys, k.String())
				}
			})
			// Feed the data through a reorder buffer that holds
			// everything (infinite lateness), ordered by @timestamp
			// and the tiebreaker `sequence`.
			ro := order.NewBuffer(time.Duration(1<<62), order.BufferOptions{
				Tiebreaker: func(e *event.Event) event.Value { return e.Get(seqSlot) },
			})
			feed := func(e *event.Event) { m.Push(e, pipe.Push) }
			for _, e := range evs {
				ro.Push(e, feed)
			}
			ro.Flush(feed)
			m.Flush(pipe.Push)
			pipe.Flush()
			want := expectedIDs(c.ExpectedEventIDs)
			if !slices.ContainsFunc(want, func(w []int64) bool { return slices.Equal(w, ids) }) {
				t.Errorf("%s\ngot  %v\nwant %v", c.Query, ids, want)
			}
			if len(c.JoinKeys) > 0 {
				var wk []string
				for _, k := range c.JoinKeys {
					wk = append(wk, fmt.Sprint(k))
				}
				if !slices.Equal(wk, joinKeys) {
					t.Errorf("join keys %v, want %v", joinKeys, wk)
				}
			}
		})
	}
}

// expectedIDs returns the accepted id lists of a case.
func expectedIDs(v []any) [][]int64 {
	if len(v) > 0 {
		if _, ok := v[0].([]any); ok {
			var out [][]int64
			for _, l := range v {
				out = append(out, expectedIDs(l.([]any))[0])
			}
			return out
		}
	}
	ids := []int64{}
	for _, x := range v {
		ids = append(ids, x.(int64))
	}
	return [][]int64{ids}
}

var (
	headerRE = regexp.MustCompile(`^sequence(?:\s+by\s+([\w, ]+?))?(?:\s+with\s+maxspan=(\d+)(ms|s|m))?$`)
	stageRE  = regexp.MustCompile(`^(!?)\[\s*(\w+)\s+where\s+(.*?)\s*\](?:\s+by\s+(\w+))?(?:\s+with\s+runs=(\d+))?$`)
	condRE   = regexp.MustCompile("^(?:(\\w+) == \"([^\"]*)\"|`(\\w+)` > (\\d+))$")
	pipeRE   = regexp.MustCompile(`^\|\s*(head|tail)\s+(\d+)$`)
)

// translate turns the restricted queries of test_missing_events.toml into
// a Spec: `sequence [by k] [with maxspan=N] [ev where f == "v" [and
// `+"`f`"+` > n]] [by k] [with runs=N] ... [| head/tail N]`.
func translate(q string, schema *event.Schema) (*Spec, []PipeOp, error) {
	lines := strings.Split(strings.TrimSpace(q), "\n")
	h := headerRE.FindStringSubmatch(strings.TrimSpace(lines[0]))
	if h == nil {
		return nil, nil, fmt.Errorf("header %q", lines[0])
	}
	spec := &Spec{}
	var shared []Key
	if h[1] != "" {
		for _, f := range strings.Split(h[1], ",") {
			shared = append(shared, slotKey(schema, strings.TrimSpace(f)))
		}
	}
	if h[2] != "" {
		n, _ := strconv.Atoi(h[2])
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute}[h[3]]
		spec.MaxSpan = time.Duration(n) * unit
	}
	typeSlot := schema.Slot("event_type")
	var pipes []PipeOp
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if p := pipeRE.FindStringSubmatch(line); p != nil {
			n, _ := strconv.Atoi(p[2])
			pipes = append(pipes, PipeOp{Tail: p[1] == "tail", N: n})
			continue
		}
		s := stageRE.FindStringSubmatch(line)
		if s == nil {
			return nil, nil, fmt.Errorf("stage %q", line)
		}
		var preds []func(*event.Event) bool
		typ := s[2]
		preds = append(preds, func(e *event.Event) bool { return e.Get(typeSlot).Str() == typ })
		for _, c := range strings.Split(s[3], " and ") {
			m := condRE.FindStringSubmatch(strings.TrimSpace(c))
			if m == nil {
				return nil, nil, fmt.Errorf("condition %q", c)
			}
			if m[1] != "" {
				slot, val := schema.Slot(m[1]), m[2]
				preds = append(preds, func(e *event.Event) bool { return e.Get(slot).Str() == val })
			} else {
				slot := schema.Slot(m[3])
				n, _ := strconv.ParseInt(m[4], 10, 64)
				preds = append(preds, func(e *event.Event) bool { return e.Get(slot).Int() > n })
			}
		}
		st := Stage{
			Match: func(e *event.Event) bool {
				for _, p := range preds {
					if !p(e) {
						return false
					}
				}
				return true
			},
			Keys:    slices.Clone(shared),
			Missing: s[1] == "!",
		}
		if s[4] != "" {
			st.Keys = append(st.Keys, slotKey(schema, s[4]))
		}
		runs := 1
		if s[5] != "" {
			runs, _ = strconv.Atoi(s[5])
		}
		for range runs {
			spec.Stages = append(spec.Stages, st)
		}
	}
	return spec, pipes, nil
}

func slotKey(schema *event.Schema, field string) Key {
	slot := schema.Slot(field)
	return Key{Get: func(e *event.Event) event.Value { return e.Get(slot) }}
}
