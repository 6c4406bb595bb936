package search

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/eql/sequence"
	"github.com/vigilsec/vigil/event"
)

// events are in time order; "t" is the timestamp in ms, "tb" the
// tiebreaker, "id" what the results list.
var events = []string{
	`{"t":1,"tb":2,"id":1,"event":{"category":"process"}}`,
	`{"t":1,"tb":1,"id":2,"event":{"category":"process"}}`,
	`{"t":2,"id":3,"event":{"category":"network"}}`,
	`{"t":3,"tb":5,"id":4,"event":{"category":"process"}}`,
	`{"t":3,"id":5,"event":{"category":"process"}}`,
	`{"t":3,"tb":4,"id":6,"event":{"category":"network"}}`,
}

func TestSearch(t *testing.T) {
	for _, tc := range []struct {
		query string
		size  int
		tie   bool
		want  string
	}{
		{"any where true", NoLimit, false, "1; 2; 3; 4; 5; 6"},
		{"any where true", NoLimit, true, "2; 1; 3; 6; 4; 5"},
		{"any where true", 2, true, "2; 1"},
		{"any where true | tail 3", NoLimit, true, "6; 4; 5"},
		{"any where true | tail 3", 2, true, "4; 5"},
		{"any where true | head 4 | tail 2", NoLimit, true, "3; 6"},
		{"process where true", 0, true, ""},
		// With the tiebreaker, network 6 sorts before processes 4 and 5.
		{"sequence [process where true] [network where true]", NoLimit, true, "1,3"},
		{"sequence [process where true] [network where true]", NoLimit, false, "2,3; 5,6"},
		{"sequence [process where true] [network where true] | tail 1", 5, false, "5,6"},
		{"sequence [process where true] [network where true]", 1, false, "2,3"},
	} {
		t.Run(fmt.Sprintf("%s/%d/%v", tc.query, tc.size, tc.tie), func(t *testing.T) {
			s := event.NewSchema()
			q, err := eql.Parse(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			p, err := eql.Compile(q, s, eql.Options{AllowUnknownFields: true})
			if err != nil {
				t.Fatal(err)
			}
			tsSlot, tbSlot, idSlot := s.Slot("t"), s.Slot("tb"), s.Slot("id")
			opt := Options{Size: tc.size}
			if tc.tie {
				opt.Tiebreaker = func(ev *event.Event) event.Value { return ev.Get(tbSlot) }
			}
			var got []string
			srch, err := New(p, opt, func(r sequence.Result) {
				var ids []string
				for _, ev := range r.Events {
					ids = append(ids, fmt.Sprint(ev.Get(idSlot).Int()))
				}
				got = append(got, strings.Join(ids, ","))
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range events {
				ev := &event.Event{Seq: uint64(i)}
				if err := s.Decode([]byte(doc), ev); err != nil {
					t.Fatal(err)
				}
				ev.Time = ev.Get(tsSlot).Int() * 1e6
				if !srch.Push(ev) {
					break
				}
			}
			srch.Flush()
			if g := strings.Join(got, "; "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}
