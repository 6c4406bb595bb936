package search

import (
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/order"
)

// NoLimit as Options.Size returns every result.
const NoLimit = -1

// Options are the parameters of a search request.
type Options struct {
	// Size is the number of results returned (Elasticsearch's size;
	// 0 returns none, NoLimit all).
	Size int
	// Tiebreaker returns the value that orders events with equal
	// timestamps (Elasticsearch's tiebreaker_field); nil means none.
	Tiebreaker func(*event.Event) event.Value
	// MaxPending caps pending sequence state, or sample keys (0: the
	// runtime's default).
	MaxPending int
	// MaxSamplesPerKey is the sample request's max_samples_per_key
	// (default 1).
	MaxSamplesPerKey int
	// Owned says the caller does not reuse the events it pushes.
	Owned bool
}

// Search runs one compiled query. Push events in time order (an input
// merge gives them so); ties are put in tiebreaker order here.
type Search struct {
	prog    *eql.Program
	opt     Options
	seq     *sequence.Matcher
	sample  *sequence.Sampler
	pipe    *sequence.Pipe
	ties    *order.Buffer
	out     func(sequence.Result)
	n       int               // results passed to out
	tailBuf []sequence.Result // when the last pipe is tail and a size applies
}

// New returns a search for p whose results go to out, in Elasticsearch's
// result order.
func New(p *eql.Program, opt Options, out func(sequence.Result)) (*Search, error) {
	if opt.MaxSamplesPerKey <= 0 {
		opt.MaxSamplesPerKey = 1
	}
	s := &Search{prog: p, opt: opt, out: out}
	switch p.Kind() {
	case eql.SequenceQuery:
		m, err := sequence.NewMatcher(engine.SequenceSpec(p, nil), sequence.Options{MaxPending: opt.MaxPending, Owned: true})
		if err != nil {
			return nil, err
		}
		s.seq = m
	case eql.SampleQuery:
		sm, err := sequence.NewSampler(engine.SampleSpec(p, opt.MaxSamplesPerKey, nil), sequence.SampleOptions{MaxKeys: opt.MaxPending, Owned: true})
		if err != nil {
			return nil, err
		}
		s.sample = sm
	}
	s.pipe = sequence.NewPipe(engine.PipeOps(p), s.result)
	// Events of one timestamp are held until a later one comes, and then
	// released in tiebreaker order.
	s.ties = order.NewBuffer(0, order.BufferOptions{Tiebreaker: opt.Tiebreaker, Owned: opt.Owned, MaxBuffered: int(^uint(0) >> 1)})
	return s, nil
}

// Push offers the next event. It reports false once no further event can
// change the results (a head pipe or the size is satisfied).
func (s *Search) Push(ev *event.Event) bool {
	if s.prog.Kind() == eql.EventQuery && !s.prog.Match(ev) {
		return s.more()
	}
	s.ties.Push(ev, s.match)
	return s.more()
}

func (s *Search) more() bool {
	return !s.pipe.Done() && (s.opt.Size < 0 || s.n < s.opt.Size || s.prog.LastPipeIsTail())
}

// match passes an event, in order, to the query's runtime.
func (s *Search) match(ev *event.Event) {
	switch {
	case s.seq != nil:
		s.seq.Push(ev, s.pipe.Push)
	case s.sample != nil:
		s.sample.Push(ev)
	default:
		s.pipe.Push(sequence.Result{Events: []*event.Event{ev}})
	}
}

// Flush ends the stream: pending sequences and samples are decided and
// the last results passed on.
func (s *Search) Flush() {
	s.ties.Flush(s.match)
	switch {
	case s.seq != nil:
		s.seq.Flush(s.pipe.Push)
	case s.sample != nil:
		s.sample.Flush(s.pipe.Push)
	}
	s.pipe.Flush()
	if s.tailBuf != nil || s.prog.LastPipeIsTail() && s.opt.Size >= 0 {
		// The size keeps the last results.
		keep := s.tailBuf
		if len(keep) > s.opt.Size {
			keep = keep[len(keep)-s.opt.Size:]
		}
		for _, res := range keep {
			s.out(res)
		}
		s.tailBuf = nil
	}
}

// result receives what passes the pipes, in output order.
func (s *Search) result(res sequence.Result) {
	if s.prog.LastPipeIsTail() && s.opt.Size >= 0 {
		s.tailBuf = append(s.tailBuf, res)
		return
	}
	if s.opt.Size >= 0 && s.n >= s.opt.Size {
		return
	}
	s.n++
	s.out(res)
}
