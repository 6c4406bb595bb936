package jsonscan

import (
	"fmt"
	"testing"
)

// sameAsGeneral checks that Key and Next, which decide the machine-written
// case themselves, give what key and next (the general way) give from
// every position of data: the same key or end, the same error, the same
// position after.
func sameAsGeneral(t *testing.T, data []byte) {
	t.Helper()
	result := func(s *Scanner, v any, err error) string {
		return fmt.Sprintf("%v %v pos=%d buf=%q", v, err, s.Pos, s.Buf)
	}
	for p := range data {
		fast, gen := &Scanner{Data: data, Pos: p}, &Scanner{Data: data, Pos: p}
		k1, err1 := fast.Key()
		k2, err2 := gen.key()
		if a, b := result(fast, k1, err1), result(gen, k2, err2); a != b {
			t.Fatalf("Key at %d of %q: %s, key: %s", p, data, a, b)
		}
		for _, close := range []byte{'}', ']'} {
			fast, gen := &Scanner{Data: data, Pos: p}, &Scanner{Data: data, Pos: p}
			e1, err1 := fast.Next(close)
			e2, err2 := gen.next(close)
			if a, b := result(fast, e1, err1), result(gen, e2, err2); a != b {
				t.Fatalf("Next(%q) at %d of %q: %s, next: %s", close, p, data, a, b)
			}
		}
	}
}

// TestKeyNextFast: Key and Next agree with the general way on well-formed
// and broken members.
func TestKeyNextFast(t *testing.T) {
	for _, doc := range []string{
		`{"a":1,"bb":"x","process.name":{"c":[1,2]}}`,
		`{"SubjectUserName":"x","TargetUserName" : "y" ,"k":` + "\t1\n}",
		`{"a\"b":1,"c\\":2,"\u0041":3}`,
		`{"a":}`, `{"a" 1}`, `{"a":`, `{"a`, `{"abcdefghijklmnop"`, `{"abcdefghijklmnop":`,
		`{"abcdefgh":1,}`, `{"x":1 ,"y":2}`, `{"x":1,` + "\n" + `"y":2]`, `{"a":1`, `,`, `}`, `]`,
	} {
		t.Run(doc, func(t *testing.T) { sameAsGeneral(t, []byte(doc)) })
	}
}

// FuzzKeyNextFast is TestKeyNextFast for any input.
func FuzzKeyNextFast(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":"x"}`, `{"abcdefghij" :"x" , "y":[1]}`, `{"a\u00e9":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			return
		}
		sameAsGeneral(t, data)
	})
}
