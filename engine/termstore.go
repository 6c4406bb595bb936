package engine

// termStore maps new_terms term keys to the time each was last seen, and
// keeps them in the order they were last seen, so that the terms that
// left the history window are found from the oldest end without a scan.
// Events come in time order (up to the input's lateness), so "last
// touched" order is time order; a term touched out of order is still
// checked against its own time before it is forgotten.
type termStore struct {
	index map[string]int32 // key -> node
	nodes []termNode
	// head is the least recently seen node, tail the most; free is a
	// list of unused nodes (linked by next). -1 ends a list.
	head, tail, free int32
}

type termNode struct {
	key        string
	last       int64
	prev, next int32
}

func newTermStore() termStore {
	return termStore{index: map[string]int32{}, head: -1, tail: -1, free: -1}
}

func (s *termStore) len() int { return len(s.index) }

// touch notes key seen at t when it is stored, moving it to the recent
// end, and returns the time it was last seen before.
func (s *termStore) touch(key []byte, t int64) (int64, bool) {
	i, ok := s.index[string(key)]
	if !ok {
		return 0, false
	}
	n := &s.nodes[i]
	last := n.last
	if t > n.last {
		n.last = t
	}
	if s.tail != i {
		s.unlink(i)
		s.push(i)
	}
	return last, true
}

// add stores a new key seen at t.
func (s *termStore) add(key []byte, t int64) {
	i := s.free
	if i >= 0 {
		s.free = s.nodes[i].next
	} else {
		i = int32(len(s.nodes))
		s.nodes = append(s.nodes, termNode{})
	}
	k := string(key)
	s.nodes[i] = termNode{key: k, last: t}
	s.index[k] = i
	s.push(i)
}

// oldest returns the time of the least recently seen key.
func (s *termStore) oldest() (int64, bool) {
	if s.head < 0 {
		return 0, false
	}
	return s.nodes[s.head].last, true
}

// removeOldest forgets the least recently seen key.
func (s *termStore) removeOldest() {
	i := s.head
	s.unlink(i)
	delete(s.index, s.nodes[i].key)
	s.nodes[i] = termNode{next: s.free}
	s.free = i
}

func (s *termStore) push(i int32) {
	n := &s.nodes[i]
	n.prev, n.next = s.tail, -1
	if s.tail >= 0 {
		s.nodes[s.tail].next = i
	} else {
		s.head = i
	}
	s.tail = i
}

func (s *termStore) unlink(i int32) {
	n := &s.nodes[i]
	if n.prev >= 0 {
		s.nodes[n.prev].next = n.next
	} else {
		s.head = n.next
	}
	if n.next >= 0 {
		s.nodes[n.next].prev = n.prev
	} else {
		s.tail = n.prev
	}
}
