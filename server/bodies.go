package server

import (
	"bytes"
	"sync"
)

// bodyBuffer holds a request's body from the moment it is read until the
// pipeline has decoded or copied every document in it. Bodies and log
// records are the service's largest allocations (a 500-document request
// is about a megabyte); allocating them afresh cost a quarter of the
// request handling's CPU in clearing and first-touching new memory.
type bodyBuffer struct {
	bytes.Buffer
}

// maxPooled bounds the buffers kept for reuse: an unusually large request
// does not pin its memory.
const maxPooled = 8 << 20

var bodies = sync.Pool{New: func() any { return new(bodyBuffer) }}

func newBody() *bodyBuffer {
	b := bodies.Get().(*bodyBuffer)
	b.Reset()
	return b
}

// release gives the buffer back; nothing may use its bytes afterwards. A
// nil buffer is ignored.
func (b *bodyBuffer) release() {
	if b == nil || b.Cap() > maxPooled {
		return
	}
	bodies.Put(b)
}

// records are the buffers log records are encoded into (the log has
// written a record before Append returns) and _bulk responses are
// written into.
var records = sync.Pool{New: func() any { return new([]byte) }}
