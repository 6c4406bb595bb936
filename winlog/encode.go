package winlog

import (
	"slices"
	"strings"

	"github.com/vigilsec/vigil/event"
)

// Encoder writes Docs as nested JSON objects, like event.Doc.AppendJSON,
// reusing its buffers so that encoding does not allocate.
type Encoder struct {
	order []int
	segs  [][]string
	stack []string
	first []bool
	leaf  []string
}

// AppendJSON appends d to dst as a nested JSON object with keys sorted.
// A key that is both a value and the prefix of other keys keeps its value
// and the longer keys are written dotted beside it, as event.Doc does.
func (e *Encoder) AppendJSON(dst []byte, d *event.Doc) []byte {
	fields := d.Fields()
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
	e.stack = e.stack[:0]
	e.first = append(e.first[:0], true)
	e.leaf = append(e.leaf[:0], "")
	dst = append(dst, '{')
	for i, j := range e.order {
		segs := e.segs[i]
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
// share a prefix are adjacent.
func compareDotted(a, b string) int {
	for {
		ia := strings.IndexByte(a, '.')
		ib := strings.IndexByte(b, '.')
		sa, sb := a, b
		if ia >= 0 {
			sa = a[:ia]
		}
		if ib >= 0 {
			sb = b[:ib]
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
		if ia < 0 || ib < 0 {
			switch {
			case ia < 0 && ib < 0:
				return 0
			case ia < 0:
				return -1
			default:
				return 1
			}
		}
		a, b = a[ia+1:], b[ib+1:]
	}
}
