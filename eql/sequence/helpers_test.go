package sequence

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/testevent"
)

// The tests describe events as small records and build Specs by hand: a
// stage matches on the event's "type" field, keys read named fields.

var testSchema = event.NewSchema()

var (
	slotID   = testSchema.Slot("id")
	slotType = testSchema.Slot("type")
)

// ev describes an event: id, time in milliseconds, type and fields.
type ev struct {
	id     int
	ms     int64
	typ    string
	fields map[string]any
}

func (e ev) build(seq uint64) *event.Event {
	x := &event.Event{}
	x.Reset(testSchema.Len())
	x.Set(slotID, event.Int(int64(e.id)))
	x.Set(slotType, event.Str(e.typ))
	for k, v := range e.fields {
		x.Set(testSchema.Slot(k), testevent.Value(v))
	}
	x.Time = e.ms * int64(time.Millisecond)
	x.Seq = seq
	return x
}

// key returns a join key reading field; "?field" makes it optional.
func key(field string) Key {
	opt := strings.HasPrefix(field, "?")
	slot := testSchema.Slot(strings.TrimPrefix(field, "?"))
	return Key{Get: func(e *event.Event) event.Value { return e.Get(slot) }, Optional: opt}
}

func keys(fields ...string) []Key {
	var ks []Key
	for _, f := range fields {
		ks = append(ks, key(f))
	}
	return ks
}

// stage returns a stage matching events of one of the types given
// ("a|b"), with join keys on the given fields.
func stage(types string, fields ...string) Stage {
	set := strings.Split(types, "|")
	return Stage{
		Match: func(e *event.Event) bool {
			t := e.Get(slotType).Str()
			for _, s := range set {
				if s == t || s == "*" {
					return true
				}
			}
			return false
		},
		Keys: keys(fields...),
	}
}

func missing(types string, fields ...string) Stage {
	s := stage(types, fields...)
	s.Missing = true
	return s
}

// format renders results as "1,2,-1 [k1 k2]; ..." for comparison.
func format(rs []Result) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString("; ")
		}
		for j, e := range r.Events {
			if j > 0 {
				b.WriteByte(',')
			}
			if e == nil {
				b.WriteString("-1")
			} else {
				b.WriteString(strconv.FormatInt(e.Get(slotID).Int(), 10))
			}
		}
		if len(r.Keys) > 0 {
			b.WriteString(" [")
			for j, k := range r.Keys {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(k.String())
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}

// run pushes events through a matcher and flushes it. The events pushed
// are reused for each push, as a reader reuses them.
func run(t *testing.T, spec *Spec, opt Options, evs []ev) ([]Result, *Matcher) {
	t.Helper()
	m, err := NewMatcher(spec, opt)
	if err != nil {
		t.Fatal(err)
	}
	var out []Result
	emit := func(r Result) { out = append(out, r) }
	scratch := &event.Event{}
	for i, e := range evs {
		built := e.build(uint64(i))
		*scratch = *built
		m.Push(scratch, emit)
		// Scribble over the pushed event, as a reader reusing it would.
		scratch.Reset(testSchema.Len())
		scratch.Set(slotID, event.Int(-99))
	}
	m.Flush(emit)
	return out, m
}
