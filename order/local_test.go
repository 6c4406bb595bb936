package order

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestLocalPoolEachOnce runs goroutines that take events and ticks from
// pools of their own and give them back, each turning most of its events
// into ticks as the decoders do, while one more gives back what they pass
// it, as the merge does: no event is ever out twice at once, and once
// they flush, the shared lists hold each event at most once and
// poolBytes counts exactly the storage of the events pooled.
func TestLocalPoolEachOnce(t *testing.T) {
	emptyPools()
	defer emptyPools()
	s := event.NewSchema()
	s.Slot("pad")
	var mu sync.Mutex
	out := map[*event.Event]bool{} // events taken and not given back
	take := func(ev *event.Event) {
		mu.Lock()
		defer mu.Unlock()
		if out[ev] {
			t.Errorf("event %p handed out twice", ev)
		}
		out[ev] = true
	}
	give := func(ev *event.Event) {
		mu.Lock()
		defer mu.Unlock()
		delete(out, ev)
	}
	passed := make(chan *event.Event, 64)
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			l := new(localPool)
			defer l.flush()
			for i := range 3000 {
				ev := l.getEvent()
				take(ev)
				ev.Recycle()
				doc := ev.Own(fmt.Appendf(nil, `{"pad":"%s","n":%d}`, strings.Repeat("x", (g*7+i)%900), i))
				if err := s.Decode(doc, ev); err != nil {
					t.Error(err)
					return
				}
				ev.Time = int64(i)
				if i%5 != 0 {
					give(ev)
					ev = l.tick(ev, true) // gives ev back to l
					take(ev)
				}
				passed <- ev
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		merge := new(localPool)
		defer merge.flush()
		for ev := range passed {
			give(ev)
			merge.putEvent(ev)
		}
	}()
	wg.Wait()
	close(passed)
	<-done
	if len(out) != 0 {
		t.Errorf("%d events not given back", len(out))
	}
	var fp int64
	seen := map[*event.Event]bool{}
	eventPool.mu.Lock()
	for _, ev := range eventPool.list {
		if seen[ev] {
			t.Errorf("event %p pooled twice", ev)
		}
		seen[ev] = true
		fp += int64(ev.Footprint())
	}
	eventPool.mu.Unlock()
	tickPool.mu.Lock()
	for _, ev := range tickPool.list {
		if seen[ev] {
			t.Errorf("tick %p pooled twice", ev)
		}
		seen[ev] = true
	}
	tickPool.mu.Unlock()
	if eventPool.Len() == 0 || tickPool.Len() == 0 {
		t.Errorf("pooled %d events and %d ticks, want some of each", eventPool.Len(), tickPool.Len())
	}
	if b := poolBytes.Load(); b != fp {
		t.Errorf("poolBytes %d, the pooled events' storage %d", b, fp)
	}
}

// emptyPools takes every event and tick out of the shared lists.
func emptyPools() {
	for _, f := range []*freeList[*event.Event]{eventPool, tickPool} {
		for f.Len() > 0 {
			if ev := f.Get(); f == eventPool {
				poolBytes.Add(-int64(ev.Footprint()))
			}
		}
	}
}
