package evtx

import (
	"os"
	"testing"
	"time"
	"fmt"
)

func TestZZOne(t *testing.T) {
	p := os.Getenv("ZZONE")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	c := newChunkBuilder(1)
	c.record(1, 0, func() { c.buf = append(c.buf, data...) })
	b := fileBytes(0, 1, c.bytes(1))
	file, _ := NewFile(bytesReader(b), int64(len(b)), "fuzz")
	file.SetWorkers(1)
	start := time.Now()
	r, err := file.Next()
	fmt.Println("next", time.Since(start), err)
	if r != nil {
		start = time.Now()
		x := r.AppendXML(nil)
		fmt.Println("xml", time.Since(start), len(x))
		start = time.Now()
		r.Clone()
		fmt.Println("clone", time.Since(start))
	}
}
