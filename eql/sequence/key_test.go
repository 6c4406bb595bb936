package sequence

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
)

func encode(t *testing.T, vs ...event.Value) string {
	t.Helper()
	var b []byte
	for _, v := range vs {
		var ok bool
		if b, ok = appendScalar(b, v); !ok {
			b = append(b, tagNull)
		}
	}
	return string(b)
}

func TestKeyEncoding(t *testing.T) {
	same := [][2]event.Value{
		{event.Int(1234), event.Float(1234)},
		{event.Int(-7), event.Float(-7)},
		{event.Int(0), event.Float(math.Copysign(0, -1))},
		{event.Str("a"), event.Str("a")},
		{event.Null(), event.Value{}},
	}
	for _, p := range same {
		if encode(t, p[0]) != encode(t, p[1]) {
			t.Errorf("%v and %v encode differently", p[0], p[1])
		}
	}
	differ := [][2]event.Value{
		{event.Int(1), event.Str("1")},
		{event.Float(1.5), event.Int(1)},
		{event.Bool(true), event.Int(1)},
		{event.Str(""), event.Null()},
	}
	for _, p := range differ {
		if encode(t, p[0]) == encode(t, p[1]) {
			t.Errorf("%v and %v encode the same", p[0], p[1])
		}
	}
	// Tuples do not run into each other.
	if encode(t, event.Str("ab"), event.Str("c")) == encode(t, event.Str("a"), event.Str("bc")) {
		t.Error("ambiguous tuple encoding")
	}
	// Round trip.
	vals := []event.Value{event.Null(), event.Bool(false), event.Bool(true), event.Int(-3), event.Int(math.MaxInt64),
		event.Float(2.5), event.Float(-1e300), event.Str(""), event.Str(strings.Repeat("x", 300))}
	got := decodeKey(encode(t, vals...))
	if len(got) != len(vals) {
		t.Fatalf("decoded %d values", len(got))
	}
	for i := range vals {
		if !got[i].Equal(vals[i]) {
			t.Errorf("value %d: %v, want %v", i, got[i], vals[i])
		}
	}
}

// TestDecodeKeyFrom checks that decoding a key from a copy of its bytes
// gives decodeKey's values, with strings in the key itself.
func TestDecodeKeyFrom(t *testing.T) {
	for _, vals := range [][]event.Value{
		nil,
		{event.Str("")},
		{event.Str("{0000-1D2E}")},
		{event.Null(), event.Bool(true), event.Int(-3), event.Float(2.5), event.Str("ab"), event.Str(strings.Repeat("x", 300)), event.Str("c")},
	} {
		key := encode(t, vals...)
		hot := []byte(key)
		got, want := decodeKeyFrom(hot, key), decodeKey(key)
		if !slices.EqualFunc(got, want, event.Value.Equal) {
			t.Errorf("%q: %v, want %v", key, got, want)
		}
		clear(hot) // the values must not refer to the copy
		for i, v := range got {
			if v.Kind() == event.KindString && v.Str() != want[i].Str() {
				t.Errorf("%q: value %d refers to the copy", key, i)
			}
		}
	}
}

func TestKeyOrder(t *testing.T) {
	// Elasticsearch's composite order: null first, false < true, numbers
	// by value, strings byte-wise.
	ordered := [][]event.Value{
		{event.Null()},
		{event.Bool(false)},
		{event.Bool(true)},
		{event.Float(-2.5)},
		{event.Int(-2)},
		{event.Int(3)},
		{event.Float(3.5)},
		{event.Int(10)},
		{event.Str("B")},
		{event.Str("a")},
		{event.Str("a"), event.Null()},
		{event.Str("a"), event.Str("x")},
		{event.Str("ab")},
	}
	var keys []string
	for _, o := range ordered {
		keys = append(keys, encode(t, o...))
	}
	shuffled := slices.Clone(keys)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, compareKeys)
	if !slices.Equal(shuffled, keys) {
		for i := range keys {
			t.Errorf("%d: %v", i, decodeKey(shuffled[i]))
		}
	}
}

func TestKeyBuilder(t *testing.T) {
	slot := testSchema.Slot("k")
	slot2 := testSchema.Slot("k2")
	tests := []struct {
		name   string
		k, k2  any
		keys   []Key
		max    int
		want   string
		trunc  bool
		k2miss bool
	}{
		{name: "scalar", k: "x", keys: keys("k"), want: "[x]"},
		{name: "missing required", keys: keys("k"), want: ""},
		{name: "null required", k: nil, keys: keys("k"), want: ""},
		{name: "missing optional", keys: keys("?k"), want: "[null]"},
		{name: "array", k: []any{"b", "a", "b", nil}, keys: keys("k"), want: "[b] [a]"},
		{name: "array of nulls optional", k: []any{nil, nil}, keys: keys("?k"), want: "[null]"},
		{name: "empty array required", k: []any{}, keys: keys("k"), want: ""},
		{name: "array normalised duplicates", k: []any{1, 1.0, 2}, keys: keys("k"), want: "[1] [2]"},
		{name: "product", k: []any{"a", "b"}, k2: []any{1, 2}, keys: keys("k", "k2"), want: "[a 1] [a 2] [b 1] [b 2]"},
		{name: "product with required missing", k: []any{"a", "b"}, keys: keys("k", "k2"), want: ""},
		{name: "product with optional missing", k: []any{"a", "b"}, keys: keys("k", "?k2"), want: "[a null] [b null]"},
		{name: "fanout cap", k: []any{"a", "b", "c"}, k2: []any{1, 2}, keys: keys("k", "k2"), max: 4, want: "[a 1] [a 2] [b 1] [b 2]", trunc: true},
		{name: "values cap", k: []any{"a", "b", "c"}, keys: keys("k"), max: 2, want: "[a] [b]", trunc: true},
		{name: "no keys", keys: nil, want: "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &event.Event{}
			e.Reset(testSchema.Len())
			if tc.k != nil || tc.name == "null required" {
				e.Set(slot, testevent.Value(tc.k))
			}
			if tc.k2 != nil {
				e.Set(slot2, testevent.Value(tc.k2))
			}
			b := keyBuilder{max: tc.max}
			if b.max == 0 {
				b.max = DefaultMaxFanout
			}
			n := b.build(e, tc.keys)
			var got []string
			for i := 0; i < n; i++ {
				var s []string
				for _, v := range decodeKey(string(b.key(i))) {
					s = append(s, v.String())
				}
				got = append(got, "["+strings.Join(s, " ")+"]")
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
			if (b.truncated > 0) != tc.trunc {
				t.Errorf("truncated %d", b.truncated)
			}
		})
	}
}

func TestKeyBuilderAllocs(t *testing.T) {
	e := ev{1, 0, "a", map[string]any{"k": "some-key", "k2": []any{"a", "b"}}}.build(0)
	b := keyBuilder{max: DefaultMaxFanout}
	ks := keys("k", "k2")
	b.build(e, ks)
	if a := testing.AllocsPerRun(100, func() { b.build(e, ks) }); a != 0 {
		t.Errorf("%v allocations per build", a)
	}
}

// TestPushAllocs: an event that matches no stage, or replaces a key's
// partial sequence (with events handed over), costs no allocation.
func TestPushAllocs(t *testing.T) {
	spec := &Spec{Stages: []Stage{stage("a", "k"), stage("b", "k")}, MaxSpan: time.Minute}
	m, err := NewMatcher(spec, Options{Owned: true})
	if err != nil {
		t.Fatal(err)
	}
	nop := func(Result) {}
	other := ev{1, 0, "x", map[string]any{"k": "key"}}.build(0)
	first := ev{2, 0, "a", map[string]any{"k": "key"}}.build(1)
	miss := ev{3, 0, "b", map[string]any{"k": "nokey"}}.build(2)
	m.Push(first, nop)
	for _, tc := range []struct {
		name string
		e    *event.Event
	}{{"no stage", other}, {"replace partial", first}, {"no partial for the key", miss}} {
		if a := testing.AllocsPerRun(1000, func() { tc.e.Time++; m.Push(tc.e, nop) }); a != 0 {
			t.Errorf("%s: %v allocations per push", tc.name, a)
		}
	}
}
