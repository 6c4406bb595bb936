package event

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"
)

func TestDocJSONLayout(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want string
	}{
		{"empty", nil, `{}`},
		{"nested", []string{"b.c", "a", "b.d.e"}, `{"a":0,"b":{"c":0,"d":{"e":0}}}`},
		{"leaf then longer keys", []string{"a", "a.b", "a.c.d"}, `{"a":0,"a.b":0,"a.c.d":0}`},
		{"leaf inside object", []string{"a.b.c", "a.b", "a.d"}, `{"a":{"b":0,"b.c":0,"d":0}}`},
		{"dot sorts before every byte", []string{"a-b", "a.c", "a\x00"}, `{"a":{"c":0},"a\u0000":0,"a-b":0}`},
		{"segments compared whole", []string{"ab.x", "a.y", "a"}, `{"a":0,"a.y":0,"ab":{"x":0}}`},
		{"empty key", []string{"", "x"}, `{"":0,"x":0}`},
		{"empty segments", []string{"a.", ".b", "a..c"}, `{"":{"b":0},"a":{"":0,".c":0}}`},
		{"escaped key", []string{`q"k.x`, `back\slash`}, `{"back\\slash":0,"q\"k":{"x":0}}`},
		{"winlog", []string{"winlog.event_data.Image", "@timestamp", "winlog.channel", "event.code", "winlog.event_data.CommandLine"},
			`{"@timestamp":0,"event":{"code":0},"winlog":{"channel":0,"event_data":{"CommandLine":0,"Image":0}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Doc
			for _, k := range tt.keys {
				d.Set(k, Int(0))
			}
			// Twice: the first builds the shape, the second finds it.
			for range 2 {
				if got := string(d.AppendJSON(nil)); got != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			}
		})
	}
}

// TestDocJSONShapeOrder checks that documents whose keys differ only in
// order, or differ in one key, do not share a layout.
func TestDocJSONShapeOrder(t *testing.T) {
	var a, b, c Doc
	a.Set("x.a", Int(1))
	a.Set("x.b", Int(2))
	b.Set("x.b", Int(2))
	b.Set("x.a", Int(1))
	c.Set("x.a", Int(1))
	c.Set("x.c", Int(2))
	want := `{"x":{"a":1,"b":2}}`
	for range 2 {
		if got := string(a.AppendJSON(nil)); got != want {
			t.Errorf("a: %s", got)
		}
		if got := string(b.AppendJSON(nil)); got != want {
			t.Errorf("b: %s", got)
		}
		if got := string(c.AppendJSON(nil)); got != `{"x":{"a":1,"c":2}}` {
			t.Errorf("c: %s", got)
		}
	}
}

// TestDocJSONReusedKeyBuffer checks that a cached layout does not depend
// on the memory of the keys it was built from.
func TestDocJSONReusedKeyBuffer(t *testing.T) {
	buf := []byte("k.aaaa")
	var d Doc
	d.Set(unsafe.String(&buf[0], len(buf)), Int(1))
	if got := string(d.AppendJSON(nil)); got != `{"k":{"aaaa":1}}` {
		t.Fatalf("got %s", got)
	}
	copy(buf, "k.bbbb")
	d.Reset()
	d.Set(unsafe.String(&buf[0], len(buf)), Int(1))
	if got := string(d.AppendJSON(nil)); got != `{"k":{"bbbb":1}}` {
		t.Fatalf("after the key's bytes changed: got %s", got)
	}
}

func TestAppendJSONString(t *testing.T) {
	var inputs []string
	for c := range 256 {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17} {
			pre := strings.Repeat("x", n)
			inputs = append(inputs, pre+string(rune(c))+pre, pre+string([]byte{byte(c)}), string([]byte{byte(c)})+pre)
		}
	}
	inputs = append(inputs, "", `C:\Windows\System32\cmd.exe /c "echo hi"`, "tab\there\nline\r\x7f\xff\xfeé😀")
	for _, s := range inputs {
		want := string(refJSONString(nil, s))
		if got := string(AppendJSONString(nil, s)); got != want {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

// refJSONString is the plain byte-by-byte escaper AppendJSONString must
// agree with: ", \ and control characters escaped, every other byte
// (invalid UTF-8 included) written as is.
func refJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func FuzzDocJSON(f *testing.F) {
	f.Add("process.name\nprocess.args\nprocess\n@timestamp")
	f.Add("a.b.c\na.b\na\na-b\na..c\n.x\n\nq\"k.x")
	f.Fuzz(func(t *testing.T, keys string) {
		var d Doc
		for i, k := range strings.Split(keys, "\n") {
			d.Set(k, Int(int64(i)))
		}
		out := d.AppendJSON(nil)
		if again := d.AppendJSON(nil); string(again) != string(out) {
			t.Fatalf("cached layout differs:\n%s\n%s", out, again)
		}
		if !utf8.ValidString(keys) {
			return
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("invalid JSON %s: %v", out, err)
		}
		flat := map[string]any{}
		flattenJSON("", v, flat, true)
		if len(flat) != d.Len() {
			t.Fatalf("%d fields out, %d in: %s", len(flat), d.Len(), out)
		}
		for _, fl := range d.Fields() {
			if got, ok := flat[fl.Key]; !ok || got != float64(fl.Value.Int()) {
				t.Fatalf("key %q: got %v in %s", fl.Key, got, out)
			}
		}
	})
}

func flattenJSON(prefix string, v any, out map[string]any, root bool) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, e := range m {
		key := k
		if !root {
			key = prefix + "." + k
		}
		flattenJSON(key, e, out, false)
	}
}

// TestDocJSONConcurrent writes documents of many shapes from several
// goroutines at once (run with -race): the layout cache is shared.
func TestDocJSONConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d Doc
			var out []byte
			for i := range 2000 {
				d.Reset()
				n := (i+g)%40 + 1
				for j := range n {
					d.Set("f."+strconv.Itoa((j*7+g)%97)+".v", Int(int64(j)))
				}
				out = d.AppendJSON(out[:0])
				var v map[string]any
				if err := json.Unmarshal(out, &v); err != nil {
					t.Errorf("invalid JSON %s: %v", out, err)
					return
				}
				if got := len(v["f"].(map[string]any)); got != n {
					t.Errorf("%d fields out, %d in: %s", got, n, out)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestPlainJSON checks the escape scan at every position of short and
// long strings, against a byte-by-byte scan.
func TestPlainJSON(t *testing.T) {
	for c := range 256 {
		for n := 1; n <= 20; n++ {
			for p := range n {
				b := []byte(strings.Repeat("a", n))
				b[p] = byte(c)
				want := n
				if c < 0x20 || c == '"' || c == '\\' {
					want = p
				}
				if got := plainJSON(string(b)); got != want {
					t.Fatalf("%q: got %d, want %d", b, got, want)
				}
			}
		}
	}
}

// TestDocJSONKeyEndingInDot: the writer before the layout cache looped for
// ever on a key whose last segment is empty, as a raw winlog record with
// an event_data member named "" makes ("winlog.event_data.").
func TestDocJSONKeyEndingInDot(t *testing.T) {
	var d Doc
	d.Set("winlog.event_data.", Str("x"))
	d.Set("winlog.channel", Str("Security"))
	want := `{"winlog":{"channel":"Security","event_data":{"":"x"}}}`
	if got := string(d.AppendJSON(nil)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
