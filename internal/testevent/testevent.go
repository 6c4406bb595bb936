// Package testevent builds events from plain Go values for the tests of
// the query languages.
package testevent

import (
	"fmt"

	"github.com/vigilsec/vigil/event"
)

// Doc is an event for tests: field paths and values (string, int,
// float64, bool, nil, []any for arrays).
type Doc map[string]any

// Value converts a test value (as in Doc) to an event.Value. It panics on
// any other type.
func Value(v any) event.Value {
	switch v := v.(type) {
	case string:
		return event.Str(v)
	case int:
		return event.Int(int64(v))
	case float64:
		return event.Float(v)
	case bool:
		return event.Bool(v)
	case nil:
		return event.Null()
	case []any:
		vs := make([]event.Value, len(v))
		for i, e := range v {
			vs[i] = Value(e)
		}
		return event.Array(vs...)
	}
	panic(fmt.Sprintf("bad test value %T", v))
}

// Event returns a new event of schema s holding the fields of d.
func (d Doc) Event(s *event.Schema) *event.Event {
	ev := &event.Event{}
	for k, v := range d {
		ev.Set(s.Slot(k), Value(v))
	}
	return ev
}
