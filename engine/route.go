package engine

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// routeSet is the rule index for one index name: the rules its events are
// offered to always, and those filed by field under the needs of their
// requirements.
type routeSet struct {
	always []entry
	fields []fieldIndex
	// fieldOf maps a slot to 1 + the index in fields of its fieldIndex
	// (0: none), for walking an event's values (see Engine.process).
	fieldOf []int32
	// threats are the indicator match rules whose threat_index selects
	// the index: its events are their indicators (see AddIndicator).
	threats []int
	// sourced: rules read from given channels and event ids select the
	// index; they are filed in the routes of those (RuleSet.sourceRoute).
	sourced bool
}

// entry is one filing of a rule; later entries reach a sequence rule only
// while its matcher holds state.
type entry struct {
	r      int // compiled.idx
	later  bool
	pair   uint8 // pairFirst, pairSecond: the rule has two requirements (see pairState); 0: one
	unless int32 // 1 + a slot whose value makes the filing moot (match.Need.Unless); 0: none
	stage  int16 // filing.stage: the one stage of a sequence the entry files, or 0
	// cats is the rule's category prefilter (compiled.wants), 0 for
	// none: most entries an event meets are of rules of other
	// categories, turned away here without reading the rule's state.
	cats uint64
}

// wants is compiled.wants for the categories of an event, mask.
func (en *entry) wants(mask uint64) bool { return en.cats == 0 || mask&en.cats != 0 }

// entryCats returns the categories of c's entries (see entry.cats).
func (rs *RuleSet) entryCats(c *compiled) uint64 {
	if c.catSlot != rs.catSlot {
		return 0
	}
	return c.catMask
}

// fieldIndex files rules under one field: by whole value, by literals
// the value begins with, ends with or contains, and by presence.
type fieldIndex struct {
	slot   int
	exact  map[string][]entry
	lens   lengthSet           // the lengths of the exact values
	edges  edgeSet             // their lengths and end bytes
	nums   map[float64][]entry // by numeric value (match.NumberKey)
	lits   *litIndex
	exists []entry
	// unless, when every rule filed here is filed as a fallback of the
	// same field (match.Need.Unless), is 1 + that field's slot: events
	// that hold it skip this field.
	unless int32
	// cats are the categories of the rules filed here (entry.cats), 0
	// when one of them has no category prefilter: an event of none of
	// them skips the field, its value unread. Every entry of a rule
	// carries the rule's categories, so none of them could offer it.
	cats   uint64
	anyCat bool // some rule filed here has no category prefilter
}

// skips reports whether an event of categories mask has no use for fi.
func (fi *fieldIndex) skips(mask uint64) bool { return fi.cats != 0 && mask&fi.cats == 0 }

// addCats counts en's categories in fi's (see fieldIndex.cats).
func (fi *fieldIndex) addCats(en entry) {
	if en.cats == 0 {
		fi.anyCat = true
	}
	fi.cats |= en.cats
	if fi.anyCat {
		fi.cats = 0
	}
}

// key returns what the exact and literal indexes of fi are looked up by
// for element elem of a value: a string folded once per event (shared
// with the rules' case-insensitive tests, event.Event.Folded), other
// values in keyword form in *buf. The key is valid until *buf or the
// event changes; false when the value has no keyword form.
func (fi *fieldIndex) key(elem int, v event.Value, ev *event.Event, buf *[]byte) (string, bool) {
	if v.Kind() == event.KindString {
		return ev.Folded(fi.slot, elem, v.Str(), match.AppendFolded), true
	}
	b, ok := match.AppendKeyword((*buf)[:0], v)
	*buf = b
	if !ok {
		return "", false
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), true
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
	rs := e.rs.routeOf(index)
	copy(e.recent[1:], e.recent[:len(e.recent)-1])
	e.recent[0] = recentRoute{index, rs}
	return rs
}

// recentRoute is a route looked up lately.
type recentRoute struct {
	index string
	rs    *routeSet
}

// routeOf returns the route of an index, building it on first use. Engines
// call it from their own goroutines.
func (rs *RuleSet) routeOf(index string) *routeSet {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.routes[index]; ok {
		return r
	}
	r := rs.buildRoute(index, nil)
	if len(rs.routes) > 10_000 {
		clear(rs.routes) // engines keep their recent routes; nothing else holds these
	}
	rs.routes[index] = r
	return r
}

// buildRoute files the rules whose index patterns select index: those
// that read any event, or with src, those that read src's channel and
// event id.
func (rs *RuleSet) buildRoute(index string, src *srcKey) *routeSet {
	names := []string{index}
	if rs.opt.Aliases != nil && index != "" {
		names = append(names, rs.opt.Aliases(index)...)
	}
	route := &routeSet{}
	for _, c := range rs.threats {
		if src != nil {
			break
		}
		for _, n := range names {
			if c.kind.(*threatKind).patterns.match(n) {
				route.threats = append(route.threats, c.idx)
				break
			}
		}
	}
	byField := map[int]int{}
	lits := map[int]*litBuilder{}
	var sel []*compiled
	for _, r := range rs.rules {
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
		if src == nil && r.sources != nil {
			route.sourced = true
			continue
		}
		if src != nil && (r.sources == nil || !r.sources.has(*src)) {
			continue
		}
		sel = append(sel, r)
	}
	shape := shapeOf(sel)
	for _, r := range sel {
		for _, f := range r.filings {
			en := entry{r: r.idx, later: f.later, cats: rs.entryCats(r)}
			if f.stage <= math.MaxInt16 {
				en.stage = int16(f.stage)
			}
			if f.req == nil {
				route.always = append(route.always, en)
				continue
			}
			req2 := shape.second(f.seconds)
			if req2 != nil {
				en.pair = pairFirst
			}
			for _, n := range f.req {
				en.unless = int32(n.Unless)
				route.file(n, en, byField, lits)
			}
			for _, n := range req2 {
				route.file(n, entry{r: r.idx, pair: pairSecond, unless: int32(n.Unless), cats: en.cats}, byField, lits)
			}
		}
	}
	for slot, lb := range lits {
		route.fields[byField[slot]].lits = lb.build()
	}
	for i, fi := range route.fields {
		if fi.slot >= len(route.fieldOf) {
			route.fieldOf = append(route.fieldOf, make([]int32, fi.slot+1-len(route.fieldOf))...)
		}
		route.fieldOf[fi.slot] = int32(i + 1)
	}
	return route
}

// file files en under need n: in the field index of n's field (made on
// first use; byField maps slots to them), by value, by number, by
// presence, or as a literal collected in lits.
func (route *routeSet) file(n match.Need, en entry, byField map[int]int, lits map[int]*litBuilder) {
	i, ok := byField[n.Slot]
	if !ok {
		i = len(route.fields)
		byField[n.Slot] = i
		route.fields = append(route.fields, fieldIndex{slot: n.Slot, unless: en.unless})
	}
	fi := &route.fields[i]
	if fi.unless != en.unless {
		fi.unless = 0 // filed under other conditions too
	}
	fi.addCats(en)
	switch n.Op {
	case match.NeedEqual:
		if fi.exact == nil {
			fi.exact = map[string][]entry{}
		}
		fi.exact[n.Lit] = appendEntry(fi.exact[n.Lit], en)
		fi.lens.add(len(n.Lit))
		fi.edges.add(n.Lit)
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

// edgeSet is a set of hashes of the length and the first and last bytes
// (ASCII letters lowered) of values, to skip the folding and lookup of a
// value no filed value could be the folded form of: most values of a
// field such as event.kind or registry.value are none of the few its
// rules name, and often of a length one of those has. An ASCII value's
// folded form has its length and its end bytes lowered.
type edgeSet [8]uint64

// edgeHash hashes s's length and end bytes for edgeSet.
func edgeHash(s string) uint32 {
	h := uint32(len(s)) << 16
	if s != "" {
		h |= uint32(match.LowerASCII(s[0]))<<8 | uint32(match.LowerASCII(s[len(s)-1]))
	}
	return h * 0x9E3779B1 >> (32 - 9)
}

func (x *edgeSet) add(s string) {
	h := edgeHash(s)
	x[h>>6] |= 1 << (h & 63)
}

// has reports whether some value added may be s or, for ASCII s, its
// folded form.
func (x *edgeSet) has(s string) bool {
	h := edgeHash(s)
	return x[h>>6]&(1<<(h&63)) != 0
}
