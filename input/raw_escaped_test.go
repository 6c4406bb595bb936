package input

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// TestRawRecordsEscaped reads raw winlog records whose unescaped strings
// take nearly all their length (escaped backslashes, no message), each
// borrowed or copied and its strings written to its event's storage,
// into three events recycled in turn, and checks every value against
// the record's.
func TestRawRecordsEscaped(t *testing.T) {
	var in strings.Builder
	var want []string
	for i := range 40 {
		path := strings.Repeat(`C:\dir`+fmt.Sprint(i)+`\`, 10*i+1)
		esc := strings.ReplaceAll(path, `\`, `\\`)
		fmt.Fprintf(&in, `{"winlog":{"channel":"Application","event_id":%d,"event_data":{"Path":"%s","Other":"%s"}}}`+"\n", i+1, esc, esc)
		want = append(want, path)
	}
	s := event.NewSchema()
	p, o := s.Slot("winlog.event_data.Path"), s.Slot("winlog.event_data.Other")
	r, err := NewOpener(Options{Schema: s}).NewReader("in", strings.NewReader(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var evs [3]event.Event
	// Recycled at the end too: an event dropped holding a borrowed chunk
	// would give it back only when collected, moving chunks.Out under
	// another test's feet.
	defer func() {
		for i := range evs {
			evs[i].Recycle()
		}
	}()
	n := 0
	for i := 0; ; i++ {
		ev := &evs[i%len(evs)]
		ev.Recycle()
		if err := r.Next(ev); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if i >= len(want) {
			t.Fatalf("more records than written")
		}
		for _, slot := range []int{p, o} {
			if v := ev.Get(slot).Str(); v != want[i] {
				t.Fatalf("record %d: got %q, want %q", i+1, v, want[i])
			}
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("read %d records, want %d", n, len(want))
	}
}
