package sequence

// PipeOp is an EQL `head N` or `tail N` pipe.
type PipeOp struct {
	Tail bool
	N    int
}

// Pipe applies a chain of head and tail pipes to results that arrive in
// output order. A head passes results through as they come and is Done
// once it has passed N; a tail keeps only the last N results (a ring, so
// memory stays at N) and passes them on at Flush.
type Pipe struct {
	ops   []PipeOp
	emit  func(Result)
	n     []int      // results passed by each head
	rings [][]Result // each tail's ring
	start []int      // oldest result in each ring
}

// NewPipe returns a pipe that sends what passes ops to emit. With no ops
// every result passes.
func NewPipe(ops []PipeOp, emit func(Result)) *Pipe {
	return &Pipe{
		ops:   ops,
		emit:  emit,
		n:     make([]int, len(ops)),
		rings: make([][]Result, len(ops)),
		start: make([]int, len(ops)),
	}
}

// Push offers the next result.
func (p *Pipe) Push(r Result) { p.push(0, r) }

func (p *Pipe) push(i int, r Result) {
	for ; i < len(p.ops); i++ {
		op := p.ops[i]
		if !op.Tail {
			if p.n[i] >= op.N {
				return
			}
			p.n[i]++
			continue
		}
		if op.N <= 0 {
			return
		}
		if len(p.rings[i]) < op.N {
			p.rings[i] = append(p.rings[i], r)
		} else {
			p.rings[i][p.start[i]] = r
			p.start[i] = (p.start[i] + 1) % op.N
		}
		return
	}
	p.emit(r)
}

// Done reports whether no further result can pass: a head before any tail
// is full. A producer may then stop.
func (p *Pipe) Done() bool {
	for i, op := range p.ops {
		if op.Tail {
			return false
		}
		if p.n[i] >= op.N {
			return true
		}
	}
	return false
}

// Flush passes on what the tails hold, in order.
func (p *Pipe) Flush() {
	for i, op := range p.ops {
		if !op.Tail {
			continue
		}
		ring, s := p.rings[i], p.start[i]
		p.rings[i], p.start[i] = nil, 0
		for j := range ring {
			p.push(i+1, ring[(s+j)%len(ring)])
		}
	}
}
