package server

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
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

// runRules runs rules over docs in one engine, in order, and returns the
// alert ids raised.
func runRules(t *testing.T, rules []*rule.Rule, docs []doc) map[string]*rule.Rule {
	t.Helper()
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

// needsBoth returns the alerts a run over all docs and runs over the two
// parts of docs cut at cut disagree on: alerts only the whole raises (a
// sequence or threshold that needs events of both parts) and alerts only
// a part raises (a new term that the first part had already seen).
func needsBoth(t *testing.T, rules []*rule.Rule, docs []doc, cut int) map[string]*rule.Rule {
	all := runRules(t, rules, docs)
	parts := runRules(t, rules, docs[:cut])
	for id, r := range runRules(t, rules, docs[cut:]) {
		parts[id] = r
	}
	out := map[string]*rule.Rule{}
	for id, r := range all {
		if parts[id] == nil {
			out[id] = r
		}
	}
	for id, r := range parts {
		if all[id] == nil {
			out[id] = r
		}
	}
	return out
}

// carryRules are a threshold rule and a new_terms rule (Elastic's rule
// format) for TestCarryAcrossRestart.
const carryRules = `[metadata]
creation_date = "2026/12/07"
maturity = "production"
updated_date = "2026/12/07"

[rule]
author = ["vigil"]
description = "Three carry-test process events on one host."
from = "now-9m"
index = ["logs-*"]
language = "kuery"
license = "Elastic License v2"
name = "Carry test threshold"
risk_score = 21
rule_id = "6f0c1d5e-3b57-4a4e-9d1e-carry0000001"
severity = "low"
type = "threshold"
query = 'event.category:process and event.action:"carry-threshold"'

[rule.threshold]
field = ["host.name"]
value = 3
`

const carryNewTerms = `[metadata]
creation_date = "2026/12/07"
maturity = "production"
updated_date = "2026/12/07"

[rule]
author = ["vigil"]
description = "A user first seen running the carry-test action."
from = "now-9m"
index = ["logs-*"]
language = "kuery"
license = "Elastic License v2"
name = "Carry test new terms"
risk_score = 21
rule_id = "6f0c1d5e-3b57-4a4e-9d1e-carry0000002"
severity = "low"
type = "new_terms"
query = 'event.action:"carry-term"'

[rule.new_terms]
field = "new_terms_fields"
value = ["user.name"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "now-7d"
`

// carryDocs are ECS documents for carryRules: two threshold events and a
// new user before the cut, the third threshold event and the same user
// again after it, then an event half an hour later.
func carryDocs(t *testing.T) ([]doc, int) {
	base := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	mk := func(sec int, action, user string) doc {
		src := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["process"],"type":["start"],"action":%q},"host":{"name":"carry-host","os":{"type":"windows"}},"user":{"name":%q},"process":{"name":"x.exe"}}`,
			base.Add(time.Duration(sec)*time.Second).Format(time.RFC3339Nano), action, user)
		return doc{index: "logs-carry-default", source: []byte(src)}
	}
	return []doc{
		mk(0, "carry-threshold", "bob"), mk(1, "carry-term", "alice"), mk(2, "carry-threshold", "bob"),
		mk(20, "carry-threshold", "bob"), mk(21, "carry-term", "alice"),
		// Later than the threshold's window: a refresh after it closes
		// the window, as the end of a hunt does.
		mk(1800, "carry-other", "carol"),
	}, 3
}

// TestCarryAcrossRestart sends the first part of a stream, waits until
// the log's checkpoint has passed every record of it (the carry log then
// holds what the stateful rules took from it), kills the service with
// SIGKILL, restarts it and sends the rest. The stream's parts are cut so
// that some alert needs state from the first part: a sequence of the
// example scenario whose first events are only in the carry log; a
// threshold of three events, two before the cut; a new term seen before
// the cut, which must not alert again after it. The alerts must be those
// of a run that was not killed, each once.
func TestCarryAcrossRestart(t *testing.T) {
	scenario := sample(t)
	extra := t.TempDir()
	for name, text := range map[string]string{"threshold.toml": carryRules, "new_terms.toml": carryNewTerms} {
		if err := os.WriteFile(filepath.Join(extra, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ownDocs, ownCut := carryDocs(t)
	for _, tc := range []struct {
		name  string
		rules string // more rules than the built-in pack
		docs  []doc
		cut   int // -1: the first cut an alert needs both parts at
	}{
		{"sequence", "", scenario, -1},
		{"threshold and new terms", extra, ownDocs, ownCut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("VIGIL_SERVE_CHILD_RULES", tc.rules)
			rules := builtinRules(t)
			if tc.rules != "" {
				more, _, errs := rule.LoadPaths(tc.rules)
				if len(errs) > 0 {
					t.Fatal(errs[0])
				}
				rules = append(rules, more...)
			}
			docs, cut := tc.docs, tc.cut
			var both map[string]*rule.Rule
			if cut < 0 {
				for cut = len(docs) / 2; cut < len(docs); cut++ {
					if both = needsBoth(t, rules, docs, cut); len(both) > 0 {
						break
					}
				}
			} else {
				both = needsBoth(t, rules, docs, cut)
			}
			if len(both) == 0 {
				t.Fatal("no alert needs both parts of the stream: the test proves nothing")
			}
			for id, r := range both {
				t.Logf("cut at %d of %d documents; alert %s of rule %q (%s) needs both parts", cut, len(docs), id, r.Name, r.Type)
			}
			want := carryRun(t, docs, cut, false)
			got := carryRun(t, docs, cut, true)
			for id, r := range both {
				// What the whole raises, a clean service raises too
				// (and not what only the parts raise).
				if runRules(t, rules, docs)[id] != nil != slices.Contains(want, id) {
					t.Errorf("the run without a kill disagrees with a hunt on alert %s (%s)", id, r.Name)
				}
			}
			missing, extra := diff(want, got)
			dups := len(got) - len(slices.Compact(slices.Clone(got)))
			t.Logf("alerts: %d without a kill, %d with; missing %d, extra %d, duplicated %d", len(want), len(got), len(missing), len(extra), dups)
			if len(missing) > 0 || len(extra) > 0 || dups > 0 {
				t.Errorf("missing %v\nextra %v", missing, extra)
			}
		})
	}
}

// carryRun runs a service over docs[:cut], lets its log's checkpoint pass
// them, kills and restarts it if asked, then sends docs[cut:] and returns
// the alert ids it stores.
func carryRun(t *testing.T, docs []doc, cut int, kill bool) []string {
	t.Helper()
	var st struct {
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
	dir := t.TempDir()
	c := startChild(t, dir)
	if !c.send(docs[:cut]) {
		t.Fatal("first part not acknowledged")
	}
	// The checkpoint moves at most once a second; each refresh tries.
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

// TestCarryPendingBound fills the carry log, so that the touched events
// cannot be written: they are kept for the next try, and past
// Config.CarryPendingBytes ingest is refused (and counted) until they are
// written.
func TestCarryPendingBound(t *testing.T) {
	rs, _ := engine.Compile(builtinRules(t), testOptions)
	d := newRuleDecoder(rs)
	full, err := store.OpenWAL(t.TempDir(), store.WALOptions{MaxBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	c := &carry{wal: full}
	docs := sample(t)
	for i, dc := range docs {
		ev := new(event.Event)
		if err := d.decode(int64(i+1), dc.source, dc.index, "id", ev); err != nil {
			t.Fatal(err)
		}
		c.add(ev, uint64(i+1))
	}
	held := c.pendingBytes.Load()
	if held <= 0 || c.over(held) {
		t.Fatalf("%d bytes pending, over its own size", held)
	}
	if !c.over(held-1) || c.refusals.Load() != 1 {
		t.Fatalf("over the bound: refusals %d, want 1", c.refusals.Load())
	}
	upTo := uint64(len(docs) + 1)
	if _, err := c.write(upTo, upTo); err == nil {
		t.Fatal("a full carry log took the events")
	}
	if got := c.pendingBytes.Load(); got != held || len(c.pending) != len(docs) {
		t.Fatalf("after a failed write: %d events, %d bytes pending; want %d, %d", len(c.pending), got, len(docs), held)
	}
	room, err := store.OpenWAL(t.TempDir(), store.WALOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer room.Close()
	c.wal = room
	if n, err := c.write(upTo, upTo); err != nil || n != len(docs) {
		t.Fatalf("write: %d events, %v", n, err)
	}
	if got := c.pendingBytes.Load(); got != 0 || c.over(0) {
		t.Fatalf("after the write: %d bytes pending", got)
	}
}
