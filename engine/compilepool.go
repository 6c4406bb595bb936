package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/rule"
)

// compilePool does the part of Compile that other goroutines can: one per
// core prepares the rules' queries (prepareQuery), in rule order and ahead
// of the compiling goroutine, which begins the rules one by one (it
// registers fields in the shared schema, whose slots must come out in the
// same order every time); once every query is prepared, they finish the
// rules of fieldless types the compiling goroutine handed them. The
// compiling goroutine is the one the rest wait for, so it never waits to
// hand work over, preparing comes before finishing (the compiling
// goroutine waits for the one, not the other), and workers yield after
// each item: a ready compiling goroutine gets a P at once rather than at
// the end of a worker's time slice.
type compilePool struct {
	rules []*rule.Rule
	nows  []time.Time
	out   []*parsedQuery
	done  []chan struct{}
	next  atomic.Int64 // the next rule to prepare
	jobs  chan func()
	wg    sync.WaitGroup
}

// newCompilePool starts preparing rules' queries; now is the time of ES|QL
// rules' now(), read here, on the caller's goroutine: now need not be
// safe for concurrent use.
func newCompilePool(rules []*rule.Rule, now func() time.Time) *compilePool {
	p := &compilePool{
		rules: rules,
		nows:  make([]time.Time, len(rules)),
		out:   make([]*parsedQuery, len(rules)),
		done:  make([]chan struct{}, len(rules)),
		jobs:  make(chan func(), len(rules)),
	}
	for i, r := range rules {
		p.done[i] = make(chan struct{})
		if r.Language == "esql" {
			p.nows[i] = now()
		}
	}
	for range min(runtime.GOMAXPROCS(0), len(rules)/32+1) {
		p.wg.Go(p.work)
	}
	return p
}

func (p *compilePool) work() {
	for {
		i := int(p.next.Add(1)) - 1
		if i >= len(p.rules) {
			break
		}
		p.out[i] = prepareQuery(p.rules[i], p.nows[i])
		close(p.done[i])
		runtime.Gosched()
	}
	for job := range p.jobs {
		job()
		runtime.Gosched()
	}
}

// prepared returns rule i's prepared query, waiting for it; it is called
// once per rule, in order.
func (p *compilePool) prepared(i int) *parsedQuery {
	<-p.done[i]
	q := p.out[i]
	p.out[i] = nil // garbage once compiled
	return q
}

// finish hands the pool a job (at most one per rule), which runs once
// every query is prepared.
func (p *compilePool) finish(job func()) { p.jobs <- job }

// wait runs jobs left alongside the pool and returns once all have run.
func (p *compilePool) wait() {
	close(p.jobs)
	for job := range p.jobs {
		job()
	}
	p.wg.Wait()
}
