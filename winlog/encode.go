package winlog

import (
	"hash/maphash"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/event"
)

// Encoder writes Docs as nested JSON objects, like event.Doc.AppendJSON,
// reusing its buffers so that encoding does not allocate. Documents of the
// same shape (the same keys in the same order, as records of one kind
// have) share one sorted key order, computed once.
type Encoder struct {
	order  []int
	segs   [][]string
	stack  []string
	first  []bool
	leaf   []string
	shapes map[uint64]*docShape
	seed   maphash.Seed
}

// docShape is the sorted order of a sequence of keys.
type docShape struct {
	keys  []string
	order []int
	segs  [][]string
}

const maxShapes = 4096

// AppendJSON appends d to dst as a nested JSON object with keys sorted.
// A key that is both a value and the prefix of other keys keeps its value
// and the longer keys are written dotted beside it, as event.Doc does.
func (e *Encoder) AppendJSON(dst []byte, d *event.Doc) []byte {
	fields := d.Fields()
	order, segs := e.sorted(fields)
	e.stack = e.stack[:0]
	e.first = append(e.first[:0], true)
	e.leaf = append(e.leaf[:0], "")
	dst = append(dst, '{')
	for i, j := range order {
		segs := segs[i]
		key := fields[j].Key
		common := 0
		for common < len(e.stack) && common < len(segs)-1 && e.stack[common] == segs[common] {
			common++
		}
		for len(e.stack) > common {
			dst = append(dst, '}')
			e.stack = e.stack[:len(e.stack)-1]
			e.first = e.first[:len(e.first)-1]
			e.leaf = e.leaf[:len(e.leaf)-1]
		}
		depth := len(e.stack)
		if len(segs) > depth+1 && e.leaf[depth] == segs[depth] {
			// The prefix is a value here: write the rest dotted.
			off := 0
			for _, s := range segs[:depth] {
				off += len(s) + 1
			}
			dst = e.key(dst, key[off:])
			dst = fields[j].Value.AppendJSON(dst)
			continue
		}
		for _, s := range segs[depth : len(segs)-1] {
			dst = e.key(dst, s)
			dst = append(dst, '{')
			e.stack = append(e.stack, s)
			e.first = append(e.first, true)
			e.leaf = append(e.leaf, "")
		}
		last := segs[len(segs)-1]
		dst = e.key(dst, last)
		dst = fields[j].Value.AppendJSON(dst)
		e.leaf[len(e.leaf)-1] = last
	}
	for range e.stack {
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// key writes a member key in the innermost open object.
func (e *Encoder) key(dst []byte, k string) []byte {
	top := len(e.first) - 1
	if !e.first[top] {
		dst = append(dst, ',')
	}
	e.first[top] = false
	dst = event.AppendJSONString(dst, k)
	return append(dst, ':')
}

// sorted returns the sorted order of fields and the segments of each key
// in that order.
func (e *Encoder) sorted(fields []event.Field) ([]int, [][]string) {
	if e.shapes == nil {
		e.shapes = map[uint64]*docShape{}
		e.seed = maphash.MakeSeed()
	}
	var h maphash.Hash
	h.SetSeed(e.seed)
	for _, f := range fields {
		h.WriteString(f.Key)
		h.WriteByte(0)
	}
	sum := h.Sum64()
	if sh, ok := e.shapes[sum]; ok && len(sh.keys) == len(fields) {
		same := true
		for i, f := range fields {
			if sh.keys[i] != f.Key {
				same = false
				break
			}
		}
		if same {
			return sh.order, sh.segs
		}
	}
	e.order = e.order[:0]
	for i := range fields {
		e.order = append(e.order, i)
	}
	slices.SortStableFunc(e.order, func(a, b int) int {
		return compareDotted(fields[a].Key, fields[b].Key)
	})
	for len(e.segs) < len(fields) {
		e.segs = append(e.segs, nil)
	}
	for i, j := range e.order {
		e.segs[i] = splitKey(e.segs[i][:0], fields[j].Key)
	}
	if len(e.shapes) < maxShapes {
		sh := &docShape{keys: make([]string, len(fields)), order: slices.Clone(e.order), segs: make([][]string, len(fields))}
		for i, f := range fields {
			sh.keys[i] = strings.Clone(f.Key)
		}
		for i, j := range sh.order {
			sh.segs[i] = splitKey(nil, sh.keys[j])
		}
		e.shapes[sum] = sh
		return sh.order, sh.segs
	}
	return e.order, e.segs[:len(fields)]
}

func splitKey(dst []string, k string) []string {
	for {
		i := strings.IndexByte(k, '.')
		if i < 0 {
			return append(dst, k)
		}
		dst = append(dst, k[:i])
		k = k[i+1:]
	}
}

// compareDotted orders dotted keys segment by segment, so that keys that
// share a prefix are adjacent: it compares bytes with '.' below all others.
func compareDotted(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '.' {
			return -1
		}
		if cb == '.' {
			return 1
		}
		if ca < cb {
			return -1
		}
		return 1
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
