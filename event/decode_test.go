package event

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func decodeOne(t *testing.T, fields []string, doc string) (*Schema, *Event) {
	t.Helper()
	s := NewSchema()
	for _, f := range fields {
		s.Slot(f)
	}
	ev := &Event{}
	if err := s.Decode([]byte(doc), ev); err != nil {
		t.Fatalf("Decode(%s): %v", doc, err)
	}
	return s, ev
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		field  string
		want   string
		wantKd Kind
	}{
		{"nested", `{"process":{"name":"sc.exe"}}`, "process.name", "sc.exe", KindString},
		{"dotted", `{"process.name":"sc.exe"}`, "process.name", "sc.exe", KindString},
		{"mixed", `{"process":{"pe.original_file_name":"sc.exe"}}`, "process.pe.original_file_name", "sc.exe", KindString},
		{"int", `{"a":{"b":42}}`, "a.b", "42", KindInt},
		{"negative", `{"a":-7}`, "a", "-7", KindInt},
		{"float", `{"a":4.5}`, "a", "4.5", KindFloat},
		{"exp", `{"a":1e3}`, "a", "1000", KindFloat},
		{"big int becomes float", `{"a":18446744073709551616}`, "a", "1.8446744073709552e+19", KindFloat},
		{"bool", `{"a":true}`, "a", "true", KindBool},
		{"null", `{"a":null}`, "a", "null", KindNull},
		{"missing", `{"b":1}`, "a", "<missing>", KindMissing},
		{"array", `{"process":{"args":["sc.exe","\\\\host","create"]}}`, "process.args", `[sc.exe, \\host, create]`, KindArray},
		{"nested array flattened", `{"a":[1,[2,[3]],4]}`, "a", "[1, 2, 3, 4]", KindArray},
		{"empty array", `{"a":[]}`, "a", "[]", KindArray},
		{"array of objects", `{"t":[{"id":"T1"},{"x":0},{"id":"T2"}]}`, "t.id", "[T1, T2]", KindArray},
		{"nested and dotted merged", `{"a":{"b":1},"a.b":2}`, "a.b", "[1, 2]", KindArray},
		{"object value", `{"a":{"b":1}}`, "a", "{...}", KindObject},
		{"escapes", `{"a":"x\"y\\z\n\t\u00e9\/"}`, "a", "x\"y\\z\n\té/", KindString},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, "a", "😀", KindString},
		{"lone surrogate", `{"a":"\ud83d!"}`, "a", "\ufffd!", KindString},
		{"escaped key", `{"proc\u0065ss":{"name":"x"}}`, "process.name", "x", KindString},
		{"skips unknown", `{"z":{"deep":[1,{"q":"}"}],"s":"\"]"},"a":"ok"}`, "a", "ok", KindString},
		{"unicode", `{"a":"Ünïcödé ✓"}`, "a", "Ünïcödé ✓", KindString},
		{"whitespace", " {\n \"a\" : \"v\" \r\n} \n", "a", "v", KindString},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ev := decodeOne(t, []string{tc.field}, tc.doc)
			slot, _ := s.Lookup(tc.field)
			v := ev.Get(slot)
			if v.Kind() != tc.wantKd || v.String() != tc.want {
				t.Errorf("got %s %q, want %s %q", v.Kind(), v.String(), tc.wantKd, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{``, "invalid JSON at byte 0: expected a JSON object"},
		{`[1]`, "invalid JSON at byte 0: expected a JSON object"},
		{`{"a":1`, "invalid JSON at byte 6: unterminated object"},
		{`{"a" 1}`, "invalid JSON at byte 5: expected ':' after key"},
		{`{"a":"x}`, "invalid JSON at byte 8: unterminated string"},
		{`{"a":tru}`, "invalid JSON at byte 5: unexpected character 't'"},
		{`{"a":1}x`, "invalid JSON at byte 7: unexpected data after the JSON object"},
		{`{"z":[1,2}`, "invalid JSON at byte 9: unexpected '}'"},
		{`{"a":"\q"}`, "invalid JSON at byte 6: invalid escape '\\q'"},
		{`{"a":-}`, "invalid JSON at byte 6: invalid number"},
		{`{a:1}`, "invalid JSON at byte 1: expected a string key"},
		{`{"a":1,}`, "invalid JSON at byte 7: expected a string key"},
		{strings.Repeat(`{"a":`, 600) + "1" + strings.Repeat("}", 600), "invalid JSON at byte 2565: nesting too deep"},
		{`{"q":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "}", "invalid JSON at byte 517: nesting too deep"},
	}
	for _, tc := range tests {
		t.Run(tc.doc[:min(len(tc.doc), 20)], func(t *testing.T) {
			s := NewSchema()
			s.Slot("a")
			err := s.Decode([]byte(tc.doc), &Event{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestDecodeReuseAndClone(t *testing.T) {
	s := NewSchema()
	a := s.Slot("a")
	b := s.Slot("b")
	ev := &Event{}
	buf := []byte(`{"a":"first","b":["x\n","y"]}`)
	if err := s.Decode(buf, ev); err != nil {
		t.Fatal(err)
	}
	c := ev.Clone()
	copy(buf, `{"a":"AAAAA","b":["X\n","Y"]}`)
	if err := s.Decode([]byte(`{"a":"second"}`), ev); err != nil {
		t.Fatal(err)
	}
	if got := c.Get(a).String(); got != "first" {
		t.Errorf("clone a = %q", got)
	}
	if got := c.Get(b).String(); got != "[x\n, y]" {
		t.Errorf("clone b = %q", got)
	}
	if got := ev.Get(b).Kind(); got != KindMissing {
		t.Errorf("reused event kept b: %s", got)
	}
	if string(c.Raw) != `{"a":"first","b":["x\n","y"]}` {
		t.Errorf("clone raw = %s", c.Raw)
	}
}

// FuzzDecode checks that no input panics or hangs the decoder, and that
// whatever decodes is valid JSON to encoding/json too.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"process":{"name":"sc.exe","args":["a","b"]}}`, `{"a.b":1,"a":{"b":[1,[2]]}}`,
		`{"a":"\u00e9\ud83d\ude00"}`, `{}`, `{"t":[{"id":"x"}]}`, `{"a":1e400}`,
	} {
		f.Add([]byte(s))
	}
	s := NewSchema()
	for _, p := range []string{"a", "a.b", "process.name", "process.args", "t.id"} {
		s.Slot(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := &Event{}
		err := s.Decode(data, ev)
		var m map[string]any
		if json.Unmarshal(data, &m) == nil && m != nil {
			if err != nil && !strings.Contains(err.Error(), "nesting too deep") {
				t.Fatalf("encoding/json accepts %q, we reject it: %v", data, err)
			}
			// encoding/json replaces invalid UTF-8; we keep the bytes.
			if want, ok := m["a"].(string); ok && err == nil && utf8.Valid(data) && !strings.Contains(string(data), `"a.`) && strings.Count(string(data), `"a"`) == 1 {
				if got := ev.Get(0); got.Kind() != KindString || got.Str() != want {
					t.Fatalf("a = %v, encoding/json says %q", got, want)
				}
			}
		}
		_ = ev.Clone()
	})
}

// TestFilled: the values Filled reports are exactly those Get finds, for
// decoded and changed events; a compact clone reports none (callers use
// Get).
func TestFilled(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		set  map[string]Value // changed after decoding
		want string           // field=value, in field order
	}{
		{"decoded", `{"a":1,"b":{"c":"x"},"z":2}`, nil, "a=1 b.c=x"},
		{"array", `{"d":["p","q"]}`, nil, "d=[p, q]"},
		{"set", `{"a":1}`, map[string]Value{"d": Str("y")}, "a=1 d=y"},
		{"cleared", `{"a":1,"b":{"c":"x"}}`, map[string]Value{"a": {}}, "b.c=x"},
		{"empty", `{}`, nil, ""},
	}
	fields := []string{"a", "b.c", "d"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ev := decodeOne(t, fields, tc.doc)
			for f, v := range tc.set {
				ev.Set(s.Slot(f), v)
			}
			slots, vals, ok := ev.Filled()
			if !ok || len(slots) != len(vals) {
				t.Fatalf("Filled: %d slots, %d values, ok %v", len(slots), len(vals), ok)
			}
			got := map[string]string{}
			for i, slot := range slots {
				if vals[i].Kind() == KindMissing {
					continue
				}
				if g := ev.Get(int(slot)); g.String() != vals[i].String() {
					t.Errorf("slot %d: Filled %s, Get %s", slot, vals[i], g)
				}
				got[s.Name(int(slot))] = vals[i].String()
			}
			var parts []string
			for _, f := range fields {
				if v, ok := got[f]; ok {
					parts = append(parts, f+"="+v)
				}
			}
			if g := strings.Join(parts, " "); g != tc.want {
				t.Errorf("Filled = %q, want %q", g, tc.want)
			}
			if _, _, ok := ev.Clone().Filled(); ok {
				t.Error("a clone's Filled is ok")
			}
		})
	}
}
