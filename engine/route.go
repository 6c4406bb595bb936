package engine

import (
	"strconv"

	"github.com/vigilsec/vigil/match"
)

// routeSet is the rule index for one index name: the rules its events are
// offered to always, and those filed by field under the needs of their
// requirements.
type routeSet struct {
	always []entry
	fields []fieldIndex
	// threats are the indicator match rules whose threat_index selects
	// the index: its events are their indicators (see AddIndicator).
	threats []*liveRule
}

// entry is one filing of a rule; later entries reach a sequence rule only
// while its matcher holds state.
type entry struct {
	r     *liveRule
	later bool
}

// fieldIndex files rules under one field: by whole value, by literals
// the value begins with, ends with or contains, and by presence.
type fieldIndex struct {
	slot   int
	exact  map[string][]entry
	lens   lengthSet           // the lengths of the exact values
	nums   map[float64][]entry // by numeric value (match.NumberKey)
	lits   *litIndex
	exists []entry
}

// routeFor returns the rules whose index patterns select index (or one of
// its aliases), caching the answer per index name.
func (e *Engine) routeFor(index string) *routeSet {
	// The routes of the last few indexes, most recent first: a stream
	// mixes a few data streams.
	for i := range e.recent {
		if r := &e.recent[i]; r.rs != nil && r.index == index {
			if i > 0 {
				*r, e.recent[0] = e.recent[0], *r
			}
			return e.recent[0].rs
		}
	}
	rs := e.routeOf(index)
	copy(e.recent[1:], e.recent[:len(e.recent)-1])
	e.recent[0] = recentRoute{index, rs}
	return rs
}

// recentRoute is a route looked up lately.
type recentRoute struct {
	index string
	rs    *routeSet
}

func (e *Engine) routeOf(index string) *routeSet {
	if rs, ok := e.route[index]; ok {
		return rs
	}
	names := []string{index}
	if e.opt.Aliases != nil && index != "" {
		names = append(names, e.opt.Aliases(index)...)
	}
	rs := &routeSet{}
	for _, r := range e.threats {
		for _, n := range names {
			if r.threat.patterns.match(n) {
				rs.threats = append(rs.threats, r)
				break
			}
		}
	}
	byField := map[int]int{}
	lits := map[int]*litBuilder{}
	for _, r := range e.rules {
		selected := index == "" // no index at all: every rule
		for _, n := range names {
			if selected {
				break
			}
			selected = r.patterns.match(n)
		}
		if !selected {
			continue
		}
		for _, f := range r.filings {
			en := entry{r: r, later: f.later}
			if f.req == nil {
				rs.always = append(rs.always, en)
				continue
			}
			for _, n := range f.req {
				i, ok := byField[n.Slot]
				if !ok {
					i = len(rs.fields)
					byField[n.Slot] = i
					rs.fields = append(rs.fields, fieldIndex{slot: n.Slot})
				}
				fi := &rs.fields[i]
				switch n.Op {
				case match.NeedEqual:
					if fi.exact == nil {
						fi.exact = map[string][]entry{}
					}
					fi.exact[n.Lit] = appendEntry(fi.exact[n.Lit], en)
					fi.lens.add(len(n.Lit))
				case match.NeedExists:
					fi.exists = appendEntry(fi.exists, en)
				case match.NeedNumber:
					f, err := strconv.ParseFloat(n.Lit, 64)
					if err != nil {
						panic("engine: bad number need " + n.Lit) // eql formats them
					}
					if fi.nums == nil {
						fi.nums = map[float64][]entry{}
					}
					fi.nums[f] = appendEntry(fi.nums[f], en)
				default:
					lb := lits[n.Slot]
					if lb == nil {
						lb = &litBuilder{}
						lits[n.Slot] = lb
					}
					lb.add(n.Op, n.Lit, en)
				}
			}
		}
	}
	for slot, lb := range lits {
		rs.fields[byField[slot]].lits = lb.build()
	}
	if len(e.route) > 10_000 {
		clear(e.route)
		clear(e.recent[:])
	}
	e.route[index] = rs
	return rs
}

// appendEntry adds en unless the list ends with the same rule already
// (a requirement may name one value twice).
func appendEntry(list []entry, en entry) []entry {
	if n := len(list); n > 0 && list[n-1] == en {
		return list
	}
	return append(list, en)
}

// lengthSet is a set of byte lengths, to skip the lookup of values no
// filed value is as long as; lengths from 255 on share one member.
type lengthSet [4]uint64

func (l *lengthSet) add(n int) {
	n = min(n, 255)
	l[n>>6] |= 1 << (n & 63)
}

func (l *lengthSet) has(n int) bool {
	n = min(n, 255)
	return l[n>>6]&(1<<(n&63)) != 0
}
