package event

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Schema assigns each field path that a rule set references a slot, and
// holds the key trie the decoder walks. Register every field (Slot) before
// decoding; a Schema may be shared by decoders on several goroutines once
// registration is done.
type Schema struct {
	mu    sync.Mutex
	root  *node
	names []string
	index map[string]int
	// stale is set when Slot added a key that a node's keyTable lacks,
	// or gave a key a slot that its entry lacks; the next Decode
	// rebuilds the tables of the nodes marked stale.
	stale atomic.Bool
	// docKeys is index by Doc key hash for LoadDoc; nil until the first
	// LoadDoc after Slot registered a path.
	docKeys atomic.Pointer[docTable]
	// hint is the values a fresh event makes room for when Decode first
	// fills it: as many as the fullest document decoded so far had (up
	// to maxHint), so that it does not grow its values twice (32, then
	// 64, for the ~31 of an average Windows document).
	hint atomic.Int32
	// unescapeAll: Decode unescapes every string, lazyFields' too (see
	// UnescapeAll).
	unescapeAll atomic.Bool
}

// node is one step of a dotted path in the key trie.
type node struct {
	slot int    // -1 when no field ends here
	seg  string // the key segment that leads here from the parent
	kids map[string]*node
	keys keyTable // kids again, for the decoder's lookups
	// escaped: the field's strings are kept escaped (see lazyFields).
	escaped bool
	// stale marks kids (or their slots) that keys does not hold yet.
	stale bool
}

// NewSchema returns an empty schema.
func NewSchema() *Schema {
	return &Schema{root: &node{slot: -1}, index: make(map[string]int)}
}

// Slot returns the slot of a dotted field path, registering it if new. The
// path is split on dots: "process.parent.name" and a document key
// "process.parent.name" or nested objects reach the same slot.
func (s *Schema) Slot(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.index[path]; ok {
		return i
	}
	n, parent := s.root, (*node)(nil)
	for seg := range strings.SplitSeq(path, ".") {
		if n.kids == nil {
			n.kids = make(map[string]*node)
		}
		k := n.kids[seg]
		if k == nil {
			k = &node{slot: -1, seg: seg}
			n.kids[seg] = k
			n.stale = true
			s.stale.Store(true)
		}
		n, parent = k, n
	}
	i := len(s.names)
	if i >= maxSlots-1 && n.slot < 0 {
		// Events address at most maxSlots slots; further fields share
		// the last one, which no document fills.
		s.index[path] = maxSlots - 1
		s.docKeys.Store(nil)
		return maxSlots - 1
	}
	if n.slot >= 0 {
		// Another spelling of the same path (e.g. a repeated dot) already
		// owns this trie node; share its slot.
		i = n.slot
	} else {
		n.slot = i
		n.escaped = lazyFields[path]
		s.names = append(s.names, path)
		// The parent's table holds the slot too (keyEntry.info).
		parent.stale = true
		s.stale.Store(true)
	}
	s.index[path] = i
	s.docKeys.Store(nil)
	return i
}

// reindex rebuilds the key tables of the nodes that gained keys since the
// last call. Tables are built once registration is done, not once per
// key: a node with n keys would cost n rebuilds of n keys.
func (s *Schema) reindex() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stale.Load() {
		return
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n.stale {
			n.keys.build(n.kids)
			n.stale = false
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(s.root)
	s.stale.Store(false)
}

// Lookup returns the slot of a registered path without registering it.
func (s *Schema) Lookup(path string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[path]
	return i, ok
}

// Len returns the number of slots.
func (s *Schema) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.names)
}

// Name returns the path of a slot.
func (s *Schema) Name(slot int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[slot]
}

// Fields returns the registered paths in sorted order.
func (s *Schema) Fields() []string {
	s.mu.Lock()
	out := append([]string(nil), s.names...)
	s.mu.Unlock()
	sort.Strings(out)
	return out
}

// dotted follows a dotted key from n, one segment at a time, for a key
// that n's table does not hold: no segment holds a dot, but a key may be
// a dotted path ("process.name" as one key). It returns nil when no
// registered field lies at or below the key.
func (n *node) dotted(key string) *node {
	dot := strings.IndexByte(key, '.')
	if n.kids == nil || dot < 0 {
		return nil
	}
	for {
		n = n.keys.find(key[:dot])
		if n == nil || n.kids == nil && dot+1 < len(key) {
			return nil
		}
		key = key[dot+1:]
		if dot = strings.IndexByte(key, '.'); dot < 0 {
			return n.keys.find(key)
		}
	}
}
