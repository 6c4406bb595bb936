package winlog

import (
	"bytes"
	"io"
	"testing"
	"hash/maphash"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/evtx"
)

func TestZZShapes(t *testing.T) {
	files, _ := loadEVTX(t, 1<<20)
	var rec Record
	var doc event.Doc
	n := NewNormalizer()
	seed := maphash.MakeSeed()
	shapes := map[uint64]int{}
	records := 0
	for _, ef := range files {
		f, _ := evtx.NewFile(bytes.NewReader(ef.data), int64(len(ef.data)), ef.name)
		f.SetWorkers(1)
		for {
			r, err := f.Next()
			if err == io.EOF {
				break
			}
			if r == nil {
				continue
			}
			FromEVTX(r, &rec)
			if _, err := n.Normalize(&rec, &doc); err != nil {
				continue
			}
			var h maphash.Hash
			h.SetSeed(seed)
			for _, fl := range doc.Fields() {
				h.WriteString(fl.Key)
				h.WriteByte(0)
			}
			shapes[h.Sum64()]++
			records++
		}
		f.Close()
	}
	t.Logf("%d records, %d shapes", records, len(shapes))
}
