package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestGroups counts the alerts a query selects by rule and by host.
func TestGroups(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, sample(12)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, "a000", Change{Status: Closed, Reason: "duplicate"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		by   string
		q    Query
		want string
		err  string
	}{
		{by: "rule", want: "[{r0 Rule 0 6} {r1 Rule 1 6}]"},
		{by: "rule", q: Query{Status: []string{Open, Acknowledged}}, want: "[{r1 Rule 1 6} {r0 Rule 0 5}]"},
		{by: "host", q: Query{Severity: []string{"high", "critical"}}, want: "[{host0 host0 2} {host1 host1 2} {host2 host2 2}]"},
		{by: "host", q: Query{RuleID: "r1", Severity: []string{"medium"}}, want: "[{host0 host0 1} {host1 host1 1} {host2 host2 1}]"},
		{by: "process", err: `store: cannot group by "process" (want rule, host, user, severity or status)`},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %+v", c.by, c.q), func(t *testing.T) {
			gs, err := s.Groups(ctx, c.q, c.by, 0)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v, want %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(gs); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// TestFindSeveralStatusesInTimeOrder pages through two statuses, the
// page's default, which the query filters along the time index.
func TestFindSeveralStatusesInTimeOrder(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	as := sample(30)
	if _, err := s.Put(ctx, as); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a029", "a010", "a003"} {
		if _, err := s.SetStatus(ctx, id, Change{Status: Closed}); err != nil {
			t.Fatal(err)
		}
	}
	s.SetStatus(ctx, "a020", Change{Status: Acknowledged})
	var got []string
	q := Query{Status: []string{Open, Acknowledged}, Size: 7}
	for {
		p, err := s.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 27 {
			t.Fatalf("total %d, want 27", p.Total)
		}
		got = append(got, ids(p.Alerts)...)
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	var want []string
	for i := 29; i >= 0; i-- {
		if id := fmt.Sprintf("a%03d", i); !slices.Contains([]string{"a029", "a010", "a003"}, id) {
			want = append(want, id)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
