package event

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestDocKeyTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d Doc
	model := map[string]int64{}
	var order []string
	for step := range 20000 {
		if step%3000 == 0 {
			d.Reset()
			clear(model)
			order = order[:0]
		}
		k := fmt.Sprintf("f.%d", rng.IntN(200))
		switch op := rng.IntN(10); {
		case op < 6:
			v := int64(step)
			if _, ok := model[k]; !ok {
				order = append(order, k)
			}
			d.Set(k, Int(v))
			model[k] = v
		case op < 8:
			d.Delete(k)
			if _, ok := model[k]; ok {
				delete(model, k)
				for i, o := range order {
					if o == k {
						order = append(order[:i], order[i+1:]...)
						break
					}
				}
			}
		default:
			v, ok := d.Get(k)
			w, wok := model[k]
			if ok != wok || ok && v.Int() != w {
				t.Fatalf("step %d: Get(%s) = %v %v, want %v %v", step, k, v, ok, w, wok)
			}
		}
		if d.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", step, d.Len(), len(model))
		}
	}
	for i, f := range d.Fields() {
		if f.Key != order[i] {
			t.Fatalf("field %d is %s, want %s", i, f.Key, order[i])
		}
	}
	c := d.Clone()
	for k, w := range model {
		if v, ok := c.Get(k); !ok || v.Int() != w {
			t.Fatalf("clone: Get(%s) = %v %v, want %v", k, v, ok, w)
		}
	}
}

// BenchmarkDocSet fills a document as a normaliser does: seventy keys
// set on a reset document.
func BenchmarkDocSet(b *testing.B) {
	var keys []string
	for i := range 70 {
		keys = append(keys, fmt.Sprintf("winlog.event_data.Field%d", i))
	}
	var d Doc
	v := Str("x")
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		for _, k := range keys {
			d.Set(k, v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/set")
}

// TestKeyHashBytes checks that every byte of a key counts: keys that
// differ in one byte, at any position and length, hash apart.
func TestKeyHashBytes(t *testing.T) {
	for n := range 41 {
		base := make([]byte, n)
		for i := range base {
			base[i] = byte('a' + i%26)
		}
		h := keyHash(string(base))
		for i := range n {
			k := append([]byte(nil), base...)
			k[i] ^= 0x20
			if keyHash(string(k)) == h {
				t.Errorf("length %d: changing byte %d keeps the hash", n, i)
			}
		}
		if n > 0 && keyHash(string(base[:n-1])) == h {
			t.Errorf("length %d: a prefix has the same hash", n)
		}
	}
}
