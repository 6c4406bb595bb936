package sequence

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestSweepLetsLargeSnapshotsGo makes snapshots of small and large
// documents that no matcher holds: a sweep recycles the small ones and
// lets the large ones go, so that recycled snapshots do not come to hold
// the largest documents' storage each.
func TestSweepLetsLargeSnapshotsGo(t *testing.T) {
	s := event.NewSchema()
	s.Slot("n")
	var st Snapshots
	small, large := 0, 0
	for i := range sweepMin + 100 {
		pad := ""
		if i%10 == 0 {
			pad = strings.Repeat("x", maxFreeRaw)
			large++
		} else {
			small++
		}
		ev := new(event.Event)
		if err := s.Decode(fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, i, pad), ev); err != nil {
			t.Fatal(err)
		}
		st.Next()
		if snap := st.Retain(ev); !snap.IsSnapshot() {
			t.Fatal("not a snapshot")
		}
	}
	st.Sweep(func(func(*Matcher)) {})
	if len(st.live) != 0 || len(st.free) != small {
		t.Errorf("%d live, %d free; want 0 and the %d small ones (%d large let go)", len(st.live), len(st.free), small, large)
	}
	for _, f := range st.free {
		if cap(f.Raw) > maxFreeRaw {
			t.Fatalf("a free snapshot keeps %d bytes", cap(f.Raw))
		}
	}
}
