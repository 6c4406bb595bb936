package server

import (
	"bytes"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// TestCarryRecord writes carry records and reads them back: the
// watermark before each event, its log record, index, id and document.
func TestCarryRecord(t *testing.T) {
	rs, _ := engine.Compile(builtinRules(t), testOptions)
	lazy := newRuleDecoder(rs)
	// Raw Windows records mapped at once (as when Sigma rules run): the
	// event keeps the normalised document, not the record.
	mapped := &decoder{rec: input.NewOpener(input.Options{Schema: rs.Schema(), KeepEventData: true}).NewRecordDecoder("_bulk")}
	docs := sample(t)
	for _, tc := range []struct {
		name     string
		d        *decoder
		n        int
		advances []advancePoint
	}{
		{"one event, no watermark yet", lazy, 1, nil},
		{"every event, watermarks between", lazy, len(docs), []advancePoint{{seq: 0, wm: 10}, {seq: 3, wm: 20}, {seq: 7, wm: -5 << 40}}},
		{"normalised documents", mapped, len(docs), []advancePoint{{seq: 2, wm: 10}}},
	} {
		d := tc.d
		t.Run(tc.name, func(t *testing.T) {
			c := &carry{advances: tc.advances}
			var evs []carried
			for i, dc := range docs[:tc.n] {
				ev := new(event.Event)
				if err := d.decode(int64(100+i), dc.source, dc.index, "id-"+dc.index, ev); err != nil {
					t.Fatal(err)
				}
				evs = append(evs, carried{seq: uint64(i + 1), ev: ev})
			}
			normalised := 0
			for _, e := range evs {
				if e.ev.Original() == nil {
					normalised++
				}
			}
			if (tc.d == mapped) != (normalised > 0) {
				t.Fatalf("%d of %d events keep no original document", normalised, len(evs))
			}
			b := c.encode(nil, 77, 1234, evs)
			upTo, maxTime, got, err := decodeCarry(b)
			if err != nil || upTo != 77 || maxTime != 1234 || len(got) != len(evs) {
				t.Fatalf("decodeCarry: %d, %d, %d documents, %v", upTo, maxTime, len(got), err)
			}
			for i, g := range got {
				wm := int64(minTime)
				for _, a := range tc.advances {
					if a.seq < evs[i].seq {
						wm = a.wm
					}
				}
				ev := evs[i].ev
				if g.wm != wm || g.lsn != uint64(ev.Pos) || g.index != ev.Index || g.id != ev.ID {
					t.Errorf("event %d: got wm %d lsn %d %q %q, want %d %d %q %q", i, g.wm, g.lsn, g.index, g.id, wm, ev.Pos, ev.Index, ev.ID)
				}
				// The document read back decodes to the same event.
				again := new(event.Event)
				if err := d.decode(int64(g.lsn), g.source, g.index, g.id, again); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if again.Time != ev.Time || again.Index != ev.Index || !bytes.Equal(again.AppendJSON(nil), ev.AppendJSON(nil)) {
					t.Errorf("event %d decodes to another event:\n got %s\nwant %s", i, again.AppendJSON(nil), ev.AppendJSON(nil))
				}
			}
			if _, _, _, err := decodeCarry(b[:len(b)-1]); err == nil {
				t.Error("a cut record was read")
			}
		})
	}
}

// spanningSplit finds where to cut the example scenario so that an
// alert of the whole needs events of both parts: neither part alone
// raises it. It returns the cut and that alert's id and rule.
func spanningSplit(t *testing.T, rules []*rule.Rule, docs []doc) (int, string, *rule.Rule) {
	t.Helper()
	run := func(docs []doc) map[string]*rule.Rule {
		out := map[string]*rule.Rule{}
		eng, _ := engine.New(rules, engine.Options{Aliases: winlog.Aliases}, func(a *alert.Alert) { out[a.ID] = a.Rule })
		d := newRuleDecoder(eng.RuleSet())
		for _, dc := range docs {
			ev := new(event.Event)
			if err := d.decode(0, dc.source, dc.index, dc.id, ev); err != nil {
				t.Fatal(err)
			}
			eng.Process(ev)
		}
		eng.Flush()
		return out
	}
	all := run(docs)
	for cut := len(docs) / 2; cut < len(docs); cut++ {
		first, second := run(docs[:cut]), run(docs[cut:])
		for id, r := range all {
			if first[id] == nil && second[id] == nil {
				return cut, id, r
			}
		}
	}
	t.Fatal("no alert of the scenario spans two parts of it")
	return 0, "", nil
}

// TestCarryAcrossRestart sends the first part of the example scenario,
// waits until the log's checkpoint has passed every record of it (the
// carry log then holds what the stateful rules took from it), kills the
// service with SIGKILL, restarts it and sends the rest. An alert that
// needs events of both parts (a sequence or threshold whose first events
// are only in the carry log) must be stored, and the alerts must be
// those of a run that was not killed, each once.
func TestCarryAcrossRestart(t *testing.T) {
	docs := sample(t)
	cut, spanning, r := spanningSplit(t, builtinRules(t), docs)
	t.Logf("cut at %d of %d documents; alert %s of rule %q (%s) needs both parts", cut, len(docs), spanning, r.Name, r.Type)
	type carryStats struct {
		Events map[string]int64
		Log    map[string]int64
		Carry  map[string]any
	}
	refresh := func(c *child) {
		resp, err := http.Post(c.url+"/_refresh", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	run := func(kill bool) []string {
		dir := t.TempDir()
		c := startChild(t, dir)
		if !c.send(docs[:cut]) {
			t.Fatal("first part not acknowledged")
		}
		// The checkpoint moves at most once a second; each refresh
		// tries.
		var st carryStats
		for deadline := time.Now().Add(20 * time.Second); ; {
			refresh(c)
			getJSON(t, c.url+"/api/stats", &st)
			if st.Log["checkpoint"] == st.Log["next_lsn"] {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the log's checkpoint did not pass the first part: %v", st.Log)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if ev, _ := st.Carry["events"].(float64); ev == 0 {
			t.Fatalf("nothing carried: %v", st.Carry)
		}
		if kill {
			c.cmd.Process.Signal(syscall.SIGKILL)
			c.cmd.Wait()
			c = startChild(t, dir)
			getJSON(t, c.url+"/api/stats", &st)
			if st.Events["replayed"] != 0 {
				t.Errorf("the log replayed %d documents: its checkpoint had passed them all", st.Events["replayed"])
			}
			if rep, _ := st.Carry["replayed"].(float64); rep == 0 {
				t.Errorf("nothing replayed from the carry log: %v", st.Carry)
			}
			t.Logf("after the restart: carry log %v", st.Carry)
		}
		if !c.send(docs[cut:]) {
			t.Fatal("second part not acknowledged")
		}
		refresh(c)
		got := childAlertIDs(t, c.url)
		c.cmd.Process.Signal(syscall.SIGKILL)
		c.cmd.Wait()
		return got
	}
	want := run(false)
	got := run(true)
	if !slices.Contains(want, spanning) {
		t.Fatalf("the run without a kill lacks alert %s: %d alerts", spanning, len(want))
	}
	missing, extra := diff(want, got)
	dups := len(got) - len(slices.Compact(slices.Clone(got)))
	t.Logf("alerts: %d without a kill, %d with; missing %d, extra %d, duplicated %d", len(want), len(got), len(missing), len(extra), dups)
	if len(missing) > 0 || len(extra) > 0 || dups > 0 {
		t.Errorf("missing %v\nextra %v", missing, extra)
	}
}
