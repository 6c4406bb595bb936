package store

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func openTemp(t *testing.T) *Alerts {
	t.Helper()
	s, err := OpenAlerts(filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// sample makes n alerts, one a minute, over three hosts and two rules.
func sample(n int) []Alert {
	var out []Alert
	sev := []string{"low", "medium", "high", "critical"}
	for i := range n {
		doc := fmt.Sprintf(`{"kibana.alert.uuid":"a%03d","kibana.alert.workflow_status":"open","process.command_line":"cmd /c echo %d"}`, i, i)
		out = append(out, Alert{
			ID: fmt.Sprintf("a%03d", i), Time: t0.Add(time.Duration(i) * time.Minute), Raised: t0.Add(time.Hour),
			RuleID: fmt.Sprintf("r%d", i%2), RuleName: fmt.Sprintf("Rule %d", i%2), Severity: sev[i%4], RiskScore: 21 + i%4*26,
			Host: fmt.Sprintf("host%d", i%3), User: "alice", Reason: fmt.Sprintf("reason %d", i), Doc: []byte(doc),
		})
	}
	return out
}

func ids(as []Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestPutIdempotent(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	as := sample(10)
	if n, err := s.Put(ctx, as); err != nil || n != 10 {
		t.Fatalf("Put = %d, %v; want 10 new", n, err)
	}
	// A replay stores nothing twice, and a mixed batch stores the new.
	if n, err := s.Put(ctx, as); err != nil || n != 0 {
		t.Fatalf("replayed Put = %d, %v; want 0 new", n, err)
	}
	more := sample(12)
	if n, err := s.Put(ctx, more); err != nil || n != 2 {
		t.Fatalf("Put of 12 with 10 stored = %d, %v; want 2 new", n, err)
	}
	p, err := s.Find(ctx, Query{Size: 100})
	if err != nil || p.Total != 12 || len(p.Alerts) != 12 {
		t.Fatalf("Find: total %d, %d alerts, %v", p.Total, len(p.Alerts), err)
	}
	if _, err := s.Put(ctx, []Alert{{}}); err == nil {
		t.Error("an alert without id was stored")
	}
}

func TestFind(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, sample(24)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, "a005", Change{Status: Closed, Reason: "false_positive", By: "bob"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		q     Query
		total int
		first string
	}{
		{"all, newest first", Query{}, 24, "a023"},
		{"by rule", Query{RuleID: "r1"}, 12, "a023"},
		{"by host", Query{Host: "host0"}, 8, "a021"},
		{"by severity", Query{Severity: []string{"HIGH", "critical"}}, 12, "a023"},
		{"by status", Query{Status: []string{"closed"}}, 1, "a005"},
		{"open only", Query{Status: []string{"open"}}, 23, "a023"},
		{"time range", Query{From: t0.Add(3 * time.Minute), To: t0.Add(6 * time.Minute)}, 3, "a005"},
		{"text in reason", Query{Text: "reason 17"}, 1, "a017"},
		{"text in document", Query{Text: "echo 9"}, 1, "a009"},
		{"text is not a pattern", Query{Text: "%"}, 0, ""},
		{"combined", Query{RuleID: "r0", Host: "host2", Severity: []string{"high"}}, 2, "a014"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Find(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tc.total {
				t.Errorf("total %d, want %d (%v)", p.Total, tc.total, ids(p.Alerts))
			}
			if first := ""; len(p.Alerts) > 0 {
				first = p.Alerts[0].ID
				if first != tc.first {
					t.Errorf("first %s, want %s", first, tc.first)
				}
			}
		})
	}
}

// TestFindPages walks every page with the cursor: each alert once, in
// order, while new alerts arrive between pages.
func TestFindPages(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	as := sample(25)
	if _, err := s.Put(ctx, as[:20]); err != nil {
		t.Fatal(err)
	}
	var got []string
	q := Query{Size: 7}
	for pages := 0; ; pages++ {
		p, err := s.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(p.Alerts)...)
		if pages == 0 {
			// Newer alerts do not shift the pages being read.
			if _, err := s.Put(ctx, as[20:]); err != nil {
				t.Fatal(err)
			}
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	if len(got) != 20 || got[0] != "a019" || got[19] != "a000" {
		t.Errorf("pages gave %v", got)
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("%s twice", id)
		}
		seen[id] = true
	}
	if _, err := s.Find(ctx, Query{After: "not a cursor"}); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

func TestSetStatus(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, sample(2)); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(2 * time.Hour)
	a, err := s.SetStatus(ctx, "a001", Change{Status: Acknowledged, By: "bob", At: at})
	if err != nil || a.Status != Acknowledged || a.StatusBy != "bob" || !a.StatusAt.Equal(at) {
		t.Fatalf("acknowledge: %+v, %v", a, err)
	}
	a, err = s.SetStatus(ctx, "a001", Change{Status: Closed, Reason: "benign_positive", By: "carol", At: at.Add(time.Minute)})
	if err != nil || a.Status != Closed || a.StatusReason != "benign_positive" {
		t.Fatalf("close: %+v, %v", a, err)
	}
	doc, err := a.Document()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"kibana.alert.workflow_status": "closed", "kibana.alert.workflow_reason": "benign_positive",
		"kibana.alert.workflow_user": "carol", "kibana.alert.workflow_status_updated_at": "2026-11-20T11:01:00.000Z",
		"process.command_line": "cmd /c echo 1",
	} {
		if m[k] != want {
			t.Errorf("document %s = %v, want %v", k, m[k], want)
		}
	}
	h, err := s.History(ctx, "a001")
	if err != nil || len(h) != 2 || h[0].Status != Acknowledged || h[1].By != "carol" {
		t.Errorf("history %+v, %v", h, err)
	}
	for _, tc := range []struct {
		id   string
		c    Change
		want string
	}{
		{"a001", Change{Status: "done"}, `unknown status "done" (want open, acknowledged or closed)`},
		{"a001", Change{Status: Closed, Reason: "bored"}, `unknown closing reason "bored" (want false_positive, duplicate, true_positive, benign_positive or other)`},
		{"a001", Change{Status: Open, Reason: "duplicate"}, `a reason goes only with status "closed"`},
		{"nope", Change{Status: Open}, ErrNotFound.Error()},
	} {
		if _, err := s.SetStatus(ctx, tc.id, tc.c); err == nil || err.Error() != tc.want {
			t.Errorf("SetStatus(%s, %+v) = %v, want %q", tc.id, tc.c, err, tc.want)
		}
	}
	if _, err := s.Get(ctx, "nope"); err != ErrNotFound {
		t.Errorf("Get of an unknown id: %v", err)
	}
}

func TestRetain(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	as := sample(10)
	for i := range as {
		as[i].Raised = t0.Add(time.Duration(i) * time.Hour)
	}
	if _, err := s.Put(ctx, as); err != nil {
		t.Fatal(err)
	}
	// Raised more than 3h before hour 9: hours 0 to 5 go.
	n, err := s.Retain(ctx, t0.Add(9*time.Hour), 3*time.Hour, 0)
	if err != nil || n != 6 {
		t.Fatalf("Retain by age = %d, %v; want 6", n, err)
	}
	n, err = s.Retain(ctx, t0, 0, 2)
	if err != nil || n != 2 {
		t.Fatalf("Retain by count = %d, %v; want 2", n, err)
	}
	p, _ := s.Find(ctx, Query{})
	if got := ids(p.Alerts); len(got) != 2 || got[0] != "a009" || got[1] != "a008" {
		t.Errorf("kept %v", got)
	}
}

// TestReopen checks alerts and statuses survive closing the store.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.db")
	ctx := context.Background()
	s, err := OpenAlerts(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Put(ctx, sample(3))
	s.SetStatus(ctx, "a002", Change{Status: Closed, Reason: "duplicate", By: "bob"})
	s.Close()
	s, err = OpenAlerts(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Get(ctx, "a002")
	if err != nil || a.Status != Closed || a.StatusReason != "duplicate" {
		t.Errorf("after reopening: %+v, %v", a, err)
	}
}
