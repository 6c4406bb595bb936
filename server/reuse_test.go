package server

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/store"
)

// TestHeldEventsReused checks that the events held for event-time order
// come back for reuse once evaluated, by one engine and by
// engine.Parallel: they used to be copied and the copies left to the
// garbage collector, and with a free list too small for them they were
// dropped, so that documents were decoded into fresh events.
func TestHeldEventsReused(t *testing.T) {
	lines := lateralMovement(t, 3000)
	rs, _ := engine.Compile(builtinRules(t), testOptions)
	for _, engines := range []int{1, 2} {
		t.Run(fmt.Sprintf("engines=%d", engines), func(t *testing.T) {
			// Nothing is released before the refresh: every event wanted is
			// held at once.
			cfg := Config{DataDir: t.TempDir(), Engines: engines, Lateness: 24 * time.Hour}
			cfg.Defaults()
			wal, err := store.OpenWAL(filepath.Join(cfg.DataDir, "wal"), store.WALOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer wal.Close()
			alerts, err := store.OpenAlerts(filepath.Join(cfg.DataDir, "alerts.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer alerts.Close()
			p := newPipeline(&cfg, testLog(), wal, alerts, rs)
			defer p.eng.Close()
			for start, lsn := 0, uint64(1); start < len(lines); start, lsn = start+500, lsn+1 {
				var docs []doc
				for _, l := range lines[start:min(start+500, len(lines))] {
					docs = append(docs, doc{index: "winlogbeat-8.17.0", source: l})
				}
				p.handle(job{lsn: lsn, docs: docs})
			}
			held := p.src.Len()
			if held < 20 {
				t.Fatalf("%d events held for order: the sample does not test holding", held)
			}
			p.handle(job{refresh: make(chan struct{})})
			if p.src.Len() != 0 {
				t.Fatalf("%d events still held after a refresh", p.src.Len())
			}
			p.freeMu.Lock()
			defer p.freeMu.Unlock()
			// Every event held came back, with the one (or few) the
			// events not held were decoded into.
			if len(p.free) < held {
				t.Errorf("%d events back for reuse, %d were held", len(p.free), held)
			}
			seen := map[*event.Event]bool{}
			var fp int64
			for _, ev := range p.free {
				if seen[ev] {
					t.Fatal("an event is in the free list twice")
				}
				seen[ev] = true
				fp += int64(ev.Footprint())
			}
			if fp != p.freeBytes || fp > maxFreeBytes {
				t.Errorf("free list holds %d bytes, counted %d (bound %d)", fp, p.freeBytes, maxFreeBytes)
			}
		})
	}
}
